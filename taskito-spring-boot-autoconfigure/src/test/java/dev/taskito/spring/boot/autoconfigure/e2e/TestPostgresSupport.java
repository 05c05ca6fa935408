package dev.taskito.spring.boot.autoconfigure.e2e;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * The PostgreSQL the end-to-end tests run against, resolved as DESIGN.md ("Real services
 * in tests") says: {@code TASKITO_TEST_POSTGRES_URL} (with {@code TASKITO_TEST_POSTGRES_USER}
 * and {@code TASKITO_TEST_POSTGRES_PASSWORD}), else {@code jdbc:postgresql://127.0.0.1:5432/test}
 * as {@code postgres}. When none answers the test fails saying how to start one; it is never
 * skipped.
 */
final class TestPostgresSupport {

	static final String URL = env("TASKITO_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");

	static final String USER = env("TASKITO_TEST_POSTGRES_USER", "postgres");

	static final String PASSWORD = env("TASKITO_TEST_POSTGRES_PASSWORD", "");

	private TestPostgresSupport() {
	}

	/**
	 * Fails, saying how to start PostgreSQL, when none answers.
	 */
	static void requireRunning() {
		try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD)) {
			connection.isValid(5);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("No PostgreSQL answers at " + URL + " as " + USER + " (" + ex.getMessage()
					+ "). Start one (the CI script does: a local PostgreSQL with database 'test' and user 'postgres'),"
					+ " or set TASKITO_TEST_POSTGRES_URL, TASKITO_TEST_POSTGRES_USER and TASKITO_TEST_POSTGRES_PASSWORD",
					ex);
		}
	}

	/**
	 * @return a table prefix no other test uses
	 */
	static String newTablePrefix() {
		return "ts" + UUID.randomUUID().toString().replace("-", "").substring(0, 8).toLowerCase(Locale.ROOT) + "_";
	}

	/**
	 * Drops the tables a test created.
	 * @param prefix the test's table prefix
	 */
	static void dropTables(String prefix) {
		try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD);
				Statement statement = connection.createStatement()) {
			statement.execute("DO $$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables"
					+ " WHERE schemaname = current_schema() AND left(tablename, " + prefix.length() + ") = '" + prefix
					+ "' LOOP EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident(t) || ' CASCADE'; END LOOP; END $$");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not drop the test tables with prefix " + prefix, ex);
		}
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value != null && !value.isBlank()) ? value : fallback;
	}

}
