package dev.taskito.benchmark.peers;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

/**
 * One peer of Taskito set up as its own documentation advises for throughput, driven through
 * the drain's steps by {@link PeerDrain}: its jobs are all enqueued while no worker runs, then
 * its workers start and every handler records into the {@link DrainSpan}.
 */
interface Peer extends AutoCloseable {

	/**
	 * @return the peer's name on the command line
	 */
	String name();

	/**
	 * Creates the peer's tables (or lets the peer migrate them) once, before the first drain.
	 */
	void setUp() throws Exception;

	/**
	 * Empties the peer's tables; called before each drain, while no worker of the peer runs.
	 */
	void clean() throws Exception;

	/**
	 * Enqueues no-op jobs in the peer's batch API, with none of its workers running.
	 * @param jobs how many
	 */
	void enqueue(int jobs) throws Exception;

	/**
	 * Starts the peer's workers; each job's handler calls {@link DrainSpan#noop()}.
	 * @param span where the handlers record
	 */
	void start(DrainSpan span) throws Exception;

	/**
	 * Stops the peer's workers, waiting for them.
	 */
	void stop() throws Exception;

	@Override
	default void close() throws Exception {
	}

	/**
	 * Runs SQL statements on a connection of their own, in auto-commit.
	 * @param dataSource the peer's pool
	 * @param statements the statements, in order
	 */
	static void execute(DataSource dataSource, String... statements) throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			for (String sql : statements) {
				statement.execute(sql);
			}
		}
	}

}
