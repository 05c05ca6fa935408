package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import dev.taskito.TaskitoException;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;

import static dev.taskito.store.jdbc.JdbcClaimStore.INITIALIZE_SCHEMA_PROPERTY;

/**
 * A JDBC store's tables: created at start when a table or index is missing and creation is
 * on, then checked.
 *
 * <p>Creation runs in one transaction under the dialect's schema lock, so instances starting
 * together take turns, and only when something is missing, so a running cluster is never
 * stalled by DDL. When the tables are missing and may not be created, start fails naming
 * {@value JdbcClaimStore#INITIALIZE_SCHEMA_PROPERTY} and the SQL file to run instead; other
 * failures are translated as {@link JdbcTransactions} does.
 */
final class JdbcSchema {

	private static final Object SCHEMA_CREATION = new Object();

	private final JdbcTransactions transactions;

	private final JdbcDialect dialect;

	private final JdbcStatements sql;

	private final String tablePrefix;

	private final boolean initializeSchema;

	JdbcSchema(JdbcTransactions transactions, JdbcDialect dialect, JdbcStatements sql, String tablePrefix,
			boolean initializeSchema) {
		this.transactions = transactions;
		this.dialect = dialect;
		this.sql = sql;
		this.tablePrefix = tablePrefix;
		this.initializeSchema = initializeSchema;
	}

	/**
	 * Creates the missing tables and indexes when {@code initializeSchema} is on, then checks
	 * that every table is there.
	 * @throws TaskitoException naming {@value JdbcClaimStore#INITIALIZE_SCHEMA_PROPERTY} and
	 *         the SQL file when tables are missing and may not be created
	 */
	void start() {
		// Stores in one JVM take turns for the whole start, reads included: H2 fails concurrent
		// CREATE ... IF NOT EXISTS of one name, and a read of its catalog while another store
		// creates tables can fail inside H2 (ConcurrentModificationException). Stores in other
		// processes take turns through the dialect's lock (H2 is opened by one process only).
		synchronized (SCHEMA_CREATION) {
			startInTurn();
		}
	}

	private void startInTurn() {
		if (this.initializeSchema && !isSchemaComplete()) {
			this.transactions.inTransaction("create the schema", "jobs", (connection) -> {
				this.dialect.lockSchema(connection, this.sql, this.tablePrefix);
				try (Statement statement = connection.createStatement()) {
					for (String ddl : this.sql.schema()) {
						statement.execute(ddl);
					}
				}
				return null;
			});
		}
		try (Connection connection = this.transactions.dataSource().getConnection();
				Statement statement = connection.createStatement()) {
			statement.executeQuery(this.sql.get("check-tables")).close();
		}
		catch (SQLException ex) {
			if (this.dialect.isMissingTable(ex) && !this.initializeSchema) {
				throw new TaskitoException("Taskito's tables (" + table("jobs") + ", " + table("claims") + ", "
						+ table("instances") + ", " + table("queues") + ", " + table("rate_buckets")
						+ ") are missing and " + INITIALIZE_SCHEMA_PROPERTY + " is 'never': run classpath:"
						+ this.dialect.schemaResource() + " (in taskito-core's jar) with every "
						+ JdbcStatements.PREFIX_PLACEHOLDER + " replaced by the table prefix '" + this.tablePrefix
						+ "', or set " + INITIALIZE_SCHEMA_PROPERTY + "=always to let Taskito create them ("
						+ ex.getMessage() + ")", ex);
			}
			throw this.transactions.translate("check the schema", "jobs", ex);
		}
		if (!this.initializeSchema) {
			requireAddedColumns();
		}
	}

	/**
	 * Fails when tables of an older version lack a column (or a table, such as
	 * {@code schedules}) that this version's statements use, which would otherwise fail every
	 * enqueue or claim; a missing index only slows them, and is left to whoever manages the
	 * schema.
	 */
	private void requireAddedColumns() {
		List<String> missing = new ArrayList<>();
		for (String table : this.sql.schemaObjects("TABLE")) {
			if (count(List.of(table), List.of(), List.of(), List.of())[0] == 0) {
				missing.add(table);
			}
		}
		for (String column : this.sql.schemaColumns()) {
			if (count(List.of(), List.of(), List.of(column), List.of())[0] == 0) {
				missing.add(column);
			}
		}
		if (!missing.isEmpty()) {
			throw new TaskitoException("Taskito's tables lack the tables and columns " + missing
					+ " that this version uses, and "
					+ INITIALIZE_SCHEMA_PROPERTY + " is 'never': run classpath:" + this.dialect.schemaResource()
					+ " (in taskito-core's jar; every statement in it can run again) with every "
					+ JdbcStatements.PREFIX_PLACEHOLDER + " replaced by the table prefix '" + this.tablePrefix + "', or set "
					+ INITIALIZE_SCHEMA_PROPERTY + "=always to let Taskito add them");
		}
	}

	/**
	 * Whether every table, index, trigger and added column of the schema exists, and no index it drops
	 * does. When so, start() runs no DDL:
	 * even {@code CREATE INDEX IF NOT EXISTS} locks its table against writes until commit,
	 * which stalls (and can deadlock with) the instances already running.
	 */
	private boolean isSchemaComplete() {
		List<String> tables = this.sql.schemaObjects("TABLE");
		// Triggers (PostgreSQL's, which keep an older release's statements off keyed jobs) are
		// looked for with the indexes.
		List<String> indexes = new ArrayList<>(this.sql.schemaObjects("INDEX"));
		indexes.addAll(this.sql.schemaObjects("TRIGGER"));
		// Columns added since a table was first created: an older version's tables are complete
		// only once they have them.
		List<String> columns = this.sql.schemaColumns();
		// Indexes a newer version replaced: a schema that still has one is not complete.
		List<String> dropped = this.sql.schemaDropped();
		long[] found = count(tables, indexes, columns, dropped);
		return found[0] == tables.size() + indexes.size() + columns.size() && found[1] == 0;
	}

	/**
	 * @return how many of the tables, indexes and columns exist, and how many of the dropped
	 *         indexes still do
	 */
	private long[] count(List<String> tables, List<String> indexes, List<String> columns, List<String> dropped) {
		return this.transactions.withAutoCommit("read the schema", "jobs", (connection) -> {
			try (PreparedStatement ps = this.transactions.prepare(connection, "count-schema-objects")) {
				ps.setArray(1, this.transactions.array(connection, ColumnType.TEXT, tables));
				ps.setArray(2, this.transactions.array(connection, ColumnType.TEXT, indexes));
				ps.setArray(3, this.transactions.array(connection, ColumnType.TEXT, columns));
				ps.setArray(4, this.transactions.array(connection, ColumnType.TEXT, dropped));
				try (ResultSet rs = ps.executeQuery()) {
					rs.next();
					return new long[] { rs.getLong("present"), rs.getLong("obsolete") };
				}
			}
		});
	}

	private String table(String name) {
		return this.transactions.table(name);
	}

}
