package dev.taskito.spring.boot.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;

import dev.taskito.TaskitoException;

/**
 * The embedded H2 database file that keeps jobs when the application has no
 * {@code DataSource}: a connection pool Taskito owns and closes on shutdown. It is
 * deliberately not a {@code DataSource} bean, so the application (and Spring Boot) never
 * mistakes it for the application's own database.
 *
 * <p>H2 locks the file: a second process opening the same path fails at startup with a
 * message naming {@code taskito.jdbc.embedded-path}.
 */
public final class TaskitoEmbeddedDatabase implements DisposableBean {

	/** The database's file name inside the embedded path ({@code taskito.mv.db} on disk). */
	public static final String DATABASE_NAME = "taskito";

	/** H2's error code for a database file another process holds open. */
	private static final int H2_DATABASE_ALREADY_OPEN = 90020;

	private static final Log logger = LogFactory.getLog(TaskitoEmbeddedDatabase.class);

	private final Path directory;

	private final HikariDataSource dataSource;

	/**
	 * Opens (creating when missing) the database in {@code directory}.
	 * @param directory the value of {@code taskito.jdbc.embedded-path}
	 * @param poolSize the most connections to hold (producers share them with the
	 * dispatcher, so more than the dispatcher's own pool would have)
	 * @param connectionTimeout the longest a store call waits for a connection
	 * ({@code taskito.jdbc.pool.connection-timeout}); an in-process file needs no socket
	 * timeout
	 * @throws TaskitoException naming the property when the file cannot be opened
	 */
	public TaskitoEmbeddedDatabase(String directory, int poolSize, Duration connectionTimeout) {
		this.directory = Path.of(directory).toAbsolutePath().normalize();
		try {
			Files.createDirectories(this.directory);
		}
		catch (IOException ex) {
			throw new TaskitoException("Cannot create the directory of the embedded Taskito database "
					+ this.directory + " (taskito.jdbc.embedded-path): " + ex.getMessage(), ex);
		}
		HikariConfig config = new HikariConfig();
		config.setPoolName("taskito-embedded");
		// DB_CLOSE_ON_EXIT=FALSE: H2's own shutdown hook would otherwise close the database
		// while the dispatcher is still releasing its claims during a graceful shutdown.
		config.setJdbcUrl("jdbc:h2:file:" + this.directory.resolve(DATABASE_NAME) + ";DB_CLOSE_ON_EXIT=FALSE");
		config.setUsername("sa");
		config.setPassword("");
		config.setMaximumPoolSize(poolSize);
		config.setMinimumIdle(1);
		HikariPools.bound(config, connectionTimeout);
		try {
			this.dataSource = new HikariDataSource(config);
		}
		catch (RuntimeException ex) {
			throw openFailure(ex);
		}
		logger.info("Taskito keeps its jobs in the embedded database " + this.directory.resolve(DATABASE_NAME)
				+ ".mv.db (taskito.jdbc.embedded-path); several instances share work through PostgreSQL or Redis");
	}

	private TaskitoException openFailure(RuntimeException ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof SQLException sql && sql.getErrorCode() == H2_DATABASE_ALREADY_OPEN) {
				return new TaskitoException("The embedded Taskito database " + this.directory.resolve(DATABASE_NAME)
						+ " is already open in another process (H2 locks its file). The embedded store serves one"
						+ " process at a time: stop the other process, point taskito.jdbc.embedded-path at another"
						+ " directory, or share work between instances through PostgreSQL or Redis"
						+ " (taskito.store.type)", ex);
			}
		}
		return new TaskitoException("Cannot open the embedded Taskito database in " + this.directory
				+ " (taskito.jdbc.embedded-path): " + ex.getMessage(), ex);
	}

	/**
	 * @return the pool (for the store only; never exposed as a bean)
	 */
	public DataSource getDataSource() {
		return this.dataSource;
	}

	/**
	 * @return the directory holding the database
	 */
	public Path getDirectory() {
		return this.directory;
	}

	@Override
	public void destroy() {
		this.dataSource.close();
	}

}
