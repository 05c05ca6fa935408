package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * How a JDBC store wakes idle dispatchers when jobs arrive or a capped slot frees. The
 * store calls the hooks at the points of a transaction where its dialect can signal.
 */
interface WakeUpChannel extends AutoCloseable {

	/**
	 * Called on the producer's connection right after new jobs were stored, possibly inside
	 * the caller's transaction.
	 * @param connection the connection that stored them
	 * @throws SQLException when signalling fails
	 */
	void enqueued(Connection connection) throws SQLException;

	/**
	 * Called before a transaction that freed slots commits.
	 * @param connection its connection
	 * @throws SQLException when signalling fails
	 */
	void beforeCommit(Connection connection) throws SQLException;

	/**
	 * Called after a transaction that freed slots committed.
	 */
	void afterCommit();

	/**
	 * @param listener called on a store thread on each wake-up
	 */
	void addListener(Runnable listener);

	/**
	 * Stops listening.
	 */
	@Override
	void close();

}
