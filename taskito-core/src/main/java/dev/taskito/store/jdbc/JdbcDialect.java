package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Lock;

import javax.sql.DataSource;

import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.FinishAndClaim;
import dev.taskito.store.Outcome;

/**
 * What differs between the databases {@link JdbcClaimStore} runs on: the SQL files, array
 * types, the claim (one statement where the database allows it), schema locking and
 * wake-ups. Everything else is shared, so a dialect is a small strategy rather than
 * {@code if} statements spread through the store.
 *
 * @see PostgresDialect
 * @see H2Dialect
 */
public sealed interface JdbcDialect permits PostgresDialect, H2Dialect {

	/**
	 * @return the dialect's short name, which also names its SQL files, such as {@code postgresql}
	 */
	String name();

	/**
	 * @return the classpath location of the schema file users may run themselves
	 */
	default String schemaResource() {
		return "dev/taskito/store/jdbc/schema-" + name() + ".sql";
	}

	/**
	 * @return the classpath location of the store's statements
	 */
	default String queriesResource() {
		return "dev/taskito/store/jdbc/queries-" + name() + ".sql";
	}

	/**
	 * @param databaseProductName what {@code DatabaseMetaData.getDatabaseProductName()} says
	 * @return whether this dialect is for that database
	 */
	boolean supports(String databaseProductName);

	/**
	 * @param type an element type
	 * @return the database's name for it, as {@link Connection#createArrayOf} takes it
	 */
	String arrayElementType(ColumnType type);

	/**
	 * Serializes schema creation between instances that start at the same time; the lock
	 * lasts until the transaction ends.
	 * @param connection a connection in a transaction
	 * @param statements the dialect's statements
	 * @param tablePrefix the table prefix, so stores with other prefixes do not wait
	 * @throws SQLException when the lock cannot be taken
	 */
	void lockSchema(Connection connection, JdbcStatements statements, String tablePrefix) throws SQLException;

	/**
	 * Takes the lock that lets one instance purge at a time, for the connection's session,
	 * without waiting.
	 * @param connection the connection the purge runs on
	 * @param statements the dialect's statements
	 * @param tablePrefix the table prefix, so stores with other prefixes purge apart
	 * @return whether this connection holds it now; {@code false} when another instance is
	 *         purging, and this one skips its round
	 * @throws SQLException when the lock cannot be asked for
	 */
	default boolean tryLockPurge(Connection connection, JdbcStatements statements, String tablePrefix)
			throws SQLException {
		return true;
	}

	/**
	 * Releases what {@link #tryLockPurge} took.
	 * @param connection the connection that holds it
	 * @param statements the dialect's statements
	 * @param tablePrefix the table prefix
	 * @throws SQLException when it cannot be released (closing the connection releases it)
	 */
	default void unlockPurge(Connection connection, JdbcStatements statements, String tablePrefix)
			throws SQLException {
	}

	/**
	 * @param ex a failure
	 * @return whether it is a lock timeout, deadlock or similar conflict with a concurrent
	 *         transaction after which a claim simply claims nothing this time
	 */
	boolean isContention(SQLException ex);

	/**
	 * @param ex a failure
	 * @return whether it says a table is missing
	 */
	boolean isMissingTable(SQLException ex);

	/**
	 * Claims jobs as {@code ClaimStore#claim} promises, inside the caller's transaction.
	 * @param connection a connection in a transaction, committed by the caller
	 * @param statements the dialect's statements
	 * @param plan the limits, already normalised
	 * @return the claimed jobs in claim order
	 * @throws SQLException on failure; the caller rolls back
	 */
	List<ClaimedJob> claim(Connection connection, JdbcStatements statements, ClaimPlan plan) throws SQLException;

	/**
	 * Whether {@link #claim} is sent to the database in one round trip that the database
	 * runs as one transaction on its own, so it can run in auto-commit: one round trip
	 * instead of statements and a commit.
	 * @return {@code true} when the claim needs no transaction of its own
	 */
	default boolean claimsInOneRoundTrip() {
		return false;
	}

	/**
	 * Whether {@link #finish} records a batch of outcomes in one round trip that commits on
	 * its own; otherwise the store records them statement by statement in a transaction.
	 * @return {@code true} when {@link #finish} is implemented
	 */
	default boolean finishesInOneRoundTrip() {
		return false;
	}

	/**
	 * Whether the database reads the gauges in one statement ({@code gauges}); otherwise
	 * the store probes the index pair by pair and priority by priority ({@code pending-pairs},
	 * {@code count-pending}, {@code gauge-*}) on one connection.
	 * @return {@code true} when the query file has a {@code gauges} statement
	 */
	default boolean gaugesInOneStatement() {
		return false;
	}

	/**
	 * Records outcomes as {@code ClaimStore#finish} promises, in one round trip on a
	 * connection in auto-commit, sending the wake-up with the commit when asked to.
	 * @param connection a connection in auto-commit
	 * @param statements the dialect's statements
	 * @param outcomes the outcomes, one per claim
	 * @param wakeOthers whether to wake the other instances when a claim was released
	 * @return the claims whose outcome was recorded
	 * @throws SQLException on failure; nothing was recorded
	 */
	default Set<ClaimRef> finish(Connection connection, JdbcStatements statements, Collection<Outcome> outcomes,
			boolean wakeOthers) throws SQLException {
		throw new UnsupportedOperationException(name() + " records outcomes statement by statement");
	}

	/**
	 * Records outcomes as {@link #finish} does, then claims as {@link #claim} does, in one
	 * round trip that commits both together, as durably as {@link #finish} alone commits.
	 * @param connection a connection in auto-commit
	 * @param statements the dialect's statements
	 * @param outcomes the outcomes, one per claim
	 * @param wakeOthers as for {@link #finish}
	 * @param plan the claim, already normalised
	 * @return the claims whose outcome was recorded, and the claimed jobs in claim order
	 * @throws SQLException on failure; nothing was recorded or claimed
	 * @see #finishesInOneRoundTrip()
	 */
	default FinishAndClaim finishAndClaim(Connection connection, JdbcStatements statements,
			Collection<Outcome> outcomes, boolean wakeOthers, ClaimPlan plan) throws SQLException {
		throw new UnsupportedOperationException(name() + " records outcomes statement by statement");
	}

	/**
	 * The lock that makes capped claims atomic where the dialect's claim cannot take a
	 * database lock for them: the store holds it from before the claim until after its
	 * commit, and the dialect's claim counts the claims of every capped task and queue inside
	 * it (see {@code ClaimRequest}).
	 * @param jdbcUrl the database's URL, identifying it within one JVM
	 * @param tablePrefix the table prefix, separating stores on one database
	 * @return the lock shared by every store on that database and prefix in this JVM, or
	 *         {@code null} when the dialect's claim locks the caps in the database itself
	 */
	default Lock capGate(String jdbcUrl, String tablePrefix) {
		return null;
	}

	/**
	 * Creates the channel that wakes idle dispatchers.
	 * @param dataSource the plain DataSource
	 * @param statements the dialect's statements
	 * @param jdbcUrl the database's URL, identifying it within one JVM
	 * @param tablePrefix the table prefix, separating stores on one database
	 * @return the channel
	 */
	WakeUpChannel wakeUpChannel(DataSource dataSource, JdbcStatements statements, String jdbcUrl, String tablePrefix);

	/**
	 * The element types the store sends as arrays.
	 */
	enum ColumnType {

		/** A UUID. */
		UUID,

		/** Text. */
		TEXT,

		/** A 32-bit integer. */
		INT,

		/** A 64-bit integer. */
		BIGINT

	}

}
