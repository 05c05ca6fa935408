package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.function.Consumer;

import dev.taskito.JobId;

/**
 * How a JDBC store wakes idle dispatchers when jobs arrive or a capped slot frees, and tells
 * awaiting callers that an awaited job finished. The store calls the hooks at the points of a
 * transaction where its dialect can signal.
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
	 * Called after a transaction that finished awaited jobs committed (or, for a cancel in
	 * the caller's transaction, right after the statement), with their ids. Where the
	 * store's statements announce them themselves (PostgreSQL {@code NOTIFY}), it does
	 * nothing.
	 * @param ids the awaited jobs that finished, possibly none
	 */
	void finished(Collection<JobId> ids);

	/**
	 * @param listener called on a store thread with the id of each awaited job that finished
	 */
	void addFinishedListener(Consumer<JobId> listener);

	/**
	 * Stops listening.
	 */
	@Override
	void close();

}
