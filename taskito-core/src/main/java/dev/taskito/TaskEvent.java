package dev.taskito;

import java.time.Duration;
import java.time.Instant;

/**
 * Something that happened to a job, as a {@link TaskListener} is told of it.
 *
 * @param type what happened
 * @param jobId the job; {@code null} only for {@link Type#RATE_LIMITED}, which holds back
 *        jobs before any is claimed
 * @param taskName the task; {@code null} only for a {@link Type#RATE_LIMITED} of a queue's limit
 * @param queue the queue
 * @param attempt the attempt this event belongs to (1 for the first run), or 0 before any
 *        run (an enqueue, a cancellation, a rejected claim that consumed no attempt)
 * @param dueAt when the job was due before it started, or {@code null} when not known
 * @param waited from due (the store's clock) to start (this JVM's clock), never negative
 *        ({@link Type#STARTED} and the outcomes), or {@code null} when the due time is not known
 * @param executionTime how long the attempt ran (outcomes), or {@code null}
 * @param error the failure's first line ({@link Type#FAILED}, {@link Type#DEAD}), or why an outcome
 *        was discarded ({@link Type#OUTCOME_DISCARDED}); else {@code null}
 * @param retryDelay when a {@link Type#FAILED} job runs again, from the failure; else {@code null}
 * @param count how many jobs the event stands for: 1, except for {@link Type#RATE_LIMITED},
 *        where it is how many more jobs the dispatch pass would have claimed
 * @param occurredAt when this instance saw it happen
 */
public record TaskEvent(Type type, JobId jobId, String taskName, String queue, int attempt, Instant dueAt,
		Duration waited, Duration executionTime, String error, Duration retryDelay, int count, Instant occurredAt) {

	/**
	 * What happened.
	 */
	public enum Type {

		/** A job was stored, and the caller's transaction (if any) committed. */
		ENQUEUED,

		/** An attempt started on a worker of this instance. */
		STARTED,

		/** The attempt returned; its result is recorded. */
		SUCCEEDED,

		/** The attempt failed and the job runs again after {@link TaskEvent#retryDelay()}. */
		FAILED,

		/** The attempt failed with no retry left (or the job could not run): the job is DEAD. */
		DEAD,

		/** A pending job was cancelled through this instance. */
		CANCELLED,

		/** A claimed job was given back because it would have passed a concurrency cap. */
		CAP_REJECTED,

		/** Due jobs were held back because a rate limit had no tokens left. */
		RATE_LIMITED,

		/**
		 * An attempt's outcome was discarded: the claim was lost (lease expired) before it was
		 * recorded, or the attempt was stopped by a shutdown or an unrenewable lease and its
		 * job given back with its attempt intact. {@link TaskEvent#error()} says which.
		 */
		OUTCOME_DISCARDED

	}

}
