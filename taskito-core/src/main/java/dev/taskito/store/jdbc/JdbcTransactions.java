package dev.taskito.store.jdbc;

import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Collection;

import javax.sql.DataSource;

import dev.taskito.TaskitoException;
import dev.taskito.store.StoreUnavailableException;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;

/**
 * How the parts of a {@link JdbcClaimStore} run their work on the database: in a transaction
 * of its own, in auto-commit, or in the caller's transaction, with the store's named
 * statements and its dialect's arrays.
 *
 * <p>A transaction of its own commits when the work returns and rolls back when it throws;
 * work in the caller's transaction never commits, rolls back or switches modes. Every
 * connection is closed, and its auto-commit mode restored, whatever happens. The translating
 * methods take the operation and the table it is about (without the prefix) and turn a
 * failure to reach the database into a {@link StoreUnavailableException} (whether it took
 * effect is unknown) and any other database error into a {@link TaskitoException} naming
 * both.
 */
final class JdbcTransactions {

	private final DataSource dataSource;

	private final DataSource transactionalDataSource;

	private final JdbcDialect dialect;

	private final JdbcStatements sql;

	private final String tablePrefix;

	/**
	 * @param dataSource the plain DataSource, for the store's own transactions
	 * @param transactionalDataSource the DataSource whose connections may take part in the
	 *        caller's transaction
	 * @param dialect the dialect, for array types
	 * @param sql the dialect's statements
	 * @param tablePrefix the table prefix
	 */
	JdbcTransactions(DataSource dataSource, DataSource transactionalDataSource, JdbcDialect dialect,
			JdbcStatements sql, String tablePrefix) {
		this.dataSource = dataSource;
		this.transactionalDataSource = transactionalDataSource;
		this.dialect = dialect;
		this.sql = sql;
		this.tablePrefix = tablePrefix;
	}

	/**
	 * @return the plain DataSource
	 */
	DataSource dataSource() {
		return this.dataSource;
	}

	/**
	 * @param name a table's name without the prefix, such as {@code jobs}
	 * @return its name in the database
	 */
	String table(String name) {
		return this.tablePrefix + name;
	}

	/**
	 * Prepares one of the store's statements.
	 * @param statement its name in the dialect's query file
	 */
	PreparedStatement prepare(Connection connection, String statement) throws SQLException {
		return connection.prepareStatement(this.sql.get(statement));
	}

	/**
	 * Runs one of the store's statements that takes its parameters as given.
	 * @param statement its name in the dialect's query file
	 * @return the number of rows it changed
	 */
	int update(Connection connection, String statement, Object... parameters) throws SQLException {
		try (PreparedStatement ps = prepare(connection, statement)) {
			for (int i = 0; i < parameters.length; i++) {
				ps.setObject(i + 1, parameters[i]);
			}
			return ps.executeUpdate();
		}
	}

	Array array(Connection connection, ColumnType type, Collection<?> values) throws SQLException {
		return JdbcRows.array(connection, this.dialect, type, values);
	}

	/**
	 * Runs work on a plain connection in a transaction of its own: commits when it returns,
	 * rolls back when it throws, and leaves the connection's auto-commit mode as it found it.
	 */
	<T> T transaction(SqlWork<T> work) throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			if (autoCommit) {
				connection.setAutoCommit(false);
			}
			try {
				T result = work.run(connection);
				connection.commit();
				return result;
			}
			catch (SQLException | RuntimeException ex) {
				try {
					connection.rollback();
				}
				catch (SQLException rollbackFailure) {
					ex.addSuppressed(rollbackFailure);
				}
				throw ex;
			}
			finally {
				if (autoCommit) {
					connection.setAutoCommit(true);
				}
			}
		}
	}

	/**
	 * Runs one self-contained statement on a plain connection in auto-commit: it commits as
	 * it completes, in one round trip.
	 */
	<T> T autoCommitted(SqlWork<T> work) throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			if (!autoCommit) {
				connection.setAutoCommit(true);
			}
			try {
				return work.run(connection);
			}
			finally {
				if (!autoCommit) {
					connection.setAutoCommit(false);
				}
			}
		}
	}

	/**
	 * Runs work in a transaction of its own, as {@link #transaction} does, and translates its
	 * failure.
	 */
	<T> T inTransaction(String operation, String table, SqlWork<T> work) {
		try {
			return transaction(work);
		}
		catch (SQLException ex) {
			throw translate(operation, table, ex);
		}
	}

	/**
	 * Runs a read on a plain connection in auto-commit, so it sees what others committed
	 * before it began.
	 */
	<T> T withAutoCommit(String operation, String table, SqlWork<T> work) {
		try (Connection connection = this.dataSource.getConnection()) {
			if (connection.getAutoCommit()) {
				return work.run(connection);
			}
			connection.setAutoCommit(true);
			try {
				return work.run(connection);
			}
			finally {
				connection.setAutoCommit(false);
			}
		}
		catch (SQLException ex) {
			throw translate(operation, table, ex);
		}
	}

	/**
	 * Runs producer work on a connection of the transactional DataSource in whatever mode the
	 * connection is in: inside the caller's transaction, or in auto-commit. Never commits,
	 * rolls back or switches modes.
	 */
	<T> T inCallersTransaction(String operation, String table, SqlWork<T> work) {
		try (Connection connection = this.transactionalDataSource.getConnection()) {
			return work.run(connection);
		}
		catch (SQLException ex) {
			throw translate(operation, table, ex);
		}
	}

	TaskitoException translate(String operation, String table, SQLException ex) {
		if (isUnavailable(ex)) {
			return new StoreUnavailableException("Could not " + operation + ": the database is unreachable ("
					+ ex.getMessage() + "); whether it took effect is unknown", ex);
		}
		return new TaskitoException("Could not " + operation + " in table " + table(table) + ": " + ex.getMessage()
				+ " (SQLState " + ex.getSQLState() + ")", ex);
	}

	private static boolean isUnavailable(SQLException ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof SQLTransientConnectionException || cause instanceof SQLNonTransientConnectionException
					|| cause instanceof SQLRecoverableException || cause instanceof IOException) {
				return true;
			}
			if (cause instanceof SQLException sqlException) {
				String state = sqlException.getSQLState();
				// Class 08 is a connection exception; 57P01-57P03 are a server shutting down or
				// starting up.
				if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
					return true;
				}
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return false;
	}

	static boolean isUniqueViolation(SQLException ex) {
		return "23505".equals(ex.getSQLState());
	}

	/**
	 * Work on a connection.
	 *
	 * @param <T> what it returns
	 */
	@FunctionalInterface
	interface SqlWork<T> {

		T run(Connection connection) throws SQLException;

	}

}
