package dev.taskito.store.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.taskito.dispatch.AbstractScheduleClusterTest;
import dev.taskito.store.ClaimStore;

/**
 * Two dispatchers in one JVM on one embedded H2 file, as two stores of one application
 * would share it (the file is opened by one process only).
 */
class H2ScheduleClusterTest extends AbstractScheduleClusterTest {

	private final Path directory;

	private final HikariDataSource dataSource;

	H2ScheduleClusterTest() {
		try {
			this.directory = Files.createTempDirectory("taskito-schedules-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl("jdbc:h2:file:" + this.directory.resolve("taskito").toAbsolutePath());
		config.setUsername("sa");
		config.setPassword("");
		config.setMaximumPoolSize(16);
		config.setPoolName("taskito-test-h2-file");
		this.dataSource = new HikariDataSource(config);
	}

	@Override
	protected ClaimStore newStore() {
		return JdbcClaimStore.builder(this.dataSource).build();
	}

	@Override
	protected int instances() {
		return 2;
	}

	@Override
	protected void dropStoreData() {
		this.dataSource.close();
		try (Connection connection = DriverManager.getConnection(this.dataSource.getJdbcUrl(), "sa", "");
				Statement statement = connection.createStatement()) {
			statement.execute("SHUTDOWN");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not shut the test H2 file down", ex);
		}
		try (var files = Files.walk(this.directory)) {
			files.sorted(java.util.Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
