package dev.taskito.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import dev.taskito.JobId;

/**
 * A job that {@link ClaimStore#claim} moved to {@code RUNNING}, with its claim.
 *
 * @param claim the job id and claim token
 * @param taskName the task
 * @param queue the queue
 * @param payload the arguments as a JSON array
 * @param attempt this attempt's number, starting at 1 (the claim counted it)
 * @param maxRetries retries after the first attempt
 * @param timeout the job's own per-attempt timeout, or {@code null} for the task's
 * @param priority higher runs first
 * @param leaseExpiresAt when the claim's lease ends unless renewed, on the store's clock
 * @param dueAt when the job was due (its run_at when claimed), on the store's clock, or
 *        {@code null} when the store did not say
 * @param headers the job's headers as enqueued (such as a trace's {@code traceparent}),
 *        never {@code null}
 * @param concurrencyKey the job's concurrency key, or {@code null}: the post-claim check
 *        counts the claims of (task, key) when the task has a cap per key
 * @param scheduledFor the tick of the periodic schedule that enqueued the job, or {@code null}
 *        for a job enqueued otherwise
 */
public record ClaimedJob(ClaimRef claim, String taskName, String queue, String payload, int attempt, int maxRetries,
		Duration timeout, int priority, Instant leaseExpiresAt, Instant dueAt, Map<String, String> headers,
		String concurrencyKey, Instant scheduledFor) {

	/**
	 * Copies the headers.
	 */
	public ClaimedJob {
		headers = (headers != null) ? Map.copyOf(headers) : Map.of();
	}

	/**
	 * A claimed job without a concurrency key that no schedule enqueued.
	 * @param claim the job id and claim token
	 * @param taskName the task
	 * @param queue the queue
	 * @param payload the arguments as a JSON array
	 * @param attempt this attempt's number
	 * @param maxRetries retries after the first attempt
	 * @param timeout the job's own per-attempt timeout, or {@code null}
	 * @param priority higher runs first
	 * @param leaseExpiresAt when the claim's lease ends unless renewed
	 * @param dueAt when the job was due, or {@code null}
	 * @param headers the job's headers
	 */
	public ClaimedJob(ClaimRef claim, String taskName, String queue, String payload, int attempt, int maxRetries,
			Duration timeout, int priority, Instant leaseExpiresAt, Instant dueAt, Map<String, String> headers) {
		this(claim, taskName, queue, payload, attempt, maxRetries, timeout, priority, leaseExpiresAt, dueAt, headers,
				null, null);
	}

	/**
	 * A claimed job without due time or headers.
	 * @param claim the job id and claim token
	 * @param taskName the task
	 * @param queue the queue
	 * @param payload the arguments as a JSON array
	 * @param attempt this attempt's number
	 * @param maxRetries retries after the first attempt
	 * @param timeout the job's own per-attempt timeout, or {@code null}
	 * @param priority higher runs first
	 * @param leaseExpiresAt when the claim's lease ends unless renewed
	 */
	public ClaimedJob(ClaimRef claim, String taskName, String queue, String payload, int attempt, int maxRetries,
			Duration timeout, int priority, Instant leaseExpiresAt) {
		this(claim, taskName, queue, payload, attempt, maxRetries, timeout, priority, leaseExpiresAt, null, Map.of(), null,
				null);
	}

	/**
	 * @return the claimed job's id
	 */
	public JobId id() {
		return this.claim.jobId();
	}

}
