package dev.taskito.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The PostgreSQL that tests run against, resolved once per JVM as DESIGN.md ("Real
 * services in tests") says: {@code TASKITO_TEST_POSTGRES_URL} (with
 * {@code TASKITO_TEST_POSTGRES_USER} and {@code TASKITO_TEST_POSTGRES_PASSWORD}, default
 * {@code postgres} and no password); else a Testcontainers container when Docker is
 * reachable; else {@code jdbc:postgresql://127.0.0.1:5432/test} as {@code postgres}. When
 * none answers, tests fail saying how to start one; they are never skipped.
 * <p>Tests share one small pool and keep apart by table prefix: take a fresh one with
 * {@link #newTablePrefix()} and drop its tables with {@link #dropTables(String)}.
 */
public final class TestPostgres {

	/** The variable naming a JDBC URL to test against. */
	public static final String URL_VARIABLE = "TASKITO_TEST_POSTGRES_URL";

	private static final String LOCAL_URL = "jdbc:postgresql://127.0.0.1:5432/test";

	private static final Object lock = new Object();

	private static HikariDataSource dataSource;

	private TestPostgres() {
	}

	/**
	 * @return the shared pool (at most 10 connections), resolved on first use
	 * @throws IllegalStateException saying how to start PostgreSQL when none answers
	 */
	public static DataSource dataSource() {
		synchronized (lock) {
			if (dataSource == null) {
				dataSource = resolve();
			}
			return dataSource;
		}
	}

	/**
	 * @return a table prefix no other test uses, such as {@code t1a2b3c4d_}
	 */
	public static String newTablePrefix() {
		return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10).toLowerCase(Locale.ROOT) + "_";
	}

	/**
	 * Drops every table and function whose name starts with the prefix.
	 * @param tablePrefix a prefix from {@link #newTablePrefix()}
	 */
	public static void dropTables(String tablePrefix) {
		try (Connection connection = dataSource().getConnection()) {
			List<String> tables = new ArrayList<>();
			try (PreparedStatement ps = connection.prepareStatement("SELECT tablename FROM pg_tables "
					+ "WHERE schemaname = current_schema() AND left(tablename, length(?)) = ?")) {
				ps.setString(1, tablePrefix);
				ps.setString(2, tablePrefix);
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						tables.add(rs.getString(1));
					}
				}
			}
			// The schema's trigger functions are named after the prefix too (they outlive the tables).
			List<String> functions = new ArrayList<>();
			try (PreparedStatement ps = connection.prepareStatement("SELECT p.proname FROM pg_proc p "
					+ "JOIN pg_namespace n ON n.oid = p.pronamespace "
					+ "WHERE n.nspname = current_schema() AND left(p.proname, length(?)) = ?")) {
				ps.setString(1, tablePrefix);
				ps.setString(2, tablePrefix);
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						functions.add(rs.getString(1));
					}
				}
			}
			try (Statement statement = connection.createStatement()) {
				for (String table : tables) {
					statement.execute("DROP TABLE IF EXISTS \"" + table + "\" CASCADE");
				}
				for (String function : functions) {
					statement.execute("DROP FUNCTION IF EXISTS \"" + function + "\"() CASCADE");
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not drop the test tables with prefix " + tablePrefix, ex);
		}
	}

	private static HikariDataSource resolve() {
		String url = System.getenv(URL_VARIABLE);
		if (url != null && !url.isBlank()) {
			String user = System.getenv().getOrDefault("TASKITO_TEST_POSTGRES_USER", "postgres");
			String password = System.getenv().getOrDefault("TASKITO_TEST_POSTGRES_PASSWORD", "");
			return connect(url, user, password, "the URL in " + URL_VARIABLE);
		}
		if (Docker.available()) {
			return Docker.startPostgres();
		}
		return connect(LOCAL_URL, "postgres", "", "the local default " + LOCAL_URL);
	}

	private static HikariDataSource connect(String url, String user, String password, String source) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(url);
		config.setUsername(user);
		config.setPassword(password);
		config.setMaximumPoolSize(10);
		config.setMinimumIdle(0);
		config.setConnectionTimeout(10_000);
		config.setPoolName("taskito-test-postgres");
		config.addDataSourceProperty("connectTimeout", "5");
		// Fail here, with advice, rather than in the middle of a test.
		config.setInitializationFailTimeout(5_000);
		try {
			HikariDataSource pool = new HikariDataSource(config);
			try (Connection connection = pool.getConnection()) {
				connection.isValid(5);
			}
			return pool;
		}
		catch (RuntimeException | SQLException ex) {
			throw new IllegalStateException("No PostgreSQL answered at " + url + " (" + source + "). Start the local one"
					+ " with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (user postgres,"
					+ " database test, trust authentication), or set " + URL_VARIABLE
					+ " (and TASKITO_TEST_POSTGRES_USER / TASKITO_TEST_POSTGRES_PASSWORD) to a JDBC URL of one. Cause: "
					+ ex.getMessage(), ex);
		}
	}

	/**
	 * Everything that touches Testcontainers, loaded only when asked, so that a module using
	 * this class without Testcontainers on its classpath still reaches the other sources.
	 */
	private static final class Docker {

		static boolean available() {
			try {
				return DockerClientFactory.instance().isDockerAvailable();
			}
			catch (RuntimeException | LinkageError ex) {
				return false;
			}
		}

		static HikariDataSource startPostgres() {
			PostgreSQLContainer container = new PostgreSQLContainer("postgres:15-alpine");
			// Stopped by Testcontainers' reaper when the JVM exits.
			container.start();
			return connect(container.getJdbcUrl(), container.getUsername(), container.getPassword(),
					"a Testcontainers container");
		}

	}

}
