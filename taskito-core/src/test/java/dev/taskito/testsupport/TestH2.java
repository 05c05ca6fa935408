package dev.taskito.testsupport;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * Fresh in-memory H2 databases for tests, one per call, so tests never see each other's
 * rows.
 */
public final class TestH2 {

	private TestH2() {
	}

	/**
	 * @return a DataSource on a new, empty in-memory database that lives until
	 *         {@link #shutdown(DataSource)}
	 */
	public static DataSource newDataSource() {
		JdbcDataSource dataSource = new JdbcDataSource();
		// DB_CLOSE_DELAY=-1 keeps the database while no connection is open.
		dataSource.setURL("jdbc:h2:mem:taskito-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
		dataSource.setUser("sa");
		dataSource.setPassword("");
		return dataSource;
	}

	/**
	 * Drops a database made by {@link #newDataSource()} or {@link #newPooledDataSource()},
	 * freeing its memory (and closing the pool).
	 * @param dataSource the database
	 */
	public static void shutdown(DataSource dataSource) {
		DataSource database = dataSource;
		if (dataSource instanceof HikariDataSource pool) {
			// Close the pool first: its connections would fail to reset on a database shut down under them.
			pool.close();
			database = pool.getDataSource();
		}
		try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("SHUTDOWN");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not shut the test H2 database down", ex);
		}
	}

	/**
	 * A pool on a new, empty in-memory database, as an application would use it: H2 opens a
	 * costly session for every unpooled connection, which several dispatchers notice.
	 * @return the pool; {@link #shutdown(DataSource)} drops the database and closes it
	 */
	public static HikariDataSource newPooledDataSource() {
		HikariConfig config = new HikariConfig();
		config.setDataSource(newDataSource());
		config.setMaximumPoolSize(16);
		config.setPoolName("taskito-test-h2");
		return new HikariDataSource(config);
	}

}
