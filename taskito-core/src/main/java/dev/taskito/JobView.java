package dev.taskito;

import java.time.Instant;

/**
 * What the store knows of a job. Timestamps are on the store's clock.
 *
 * @param id the job's id
 * @param taskName the task it runs
 * @param queue the queue it is in
 * @param status where it is in its lifecycle
 * @param attempts how many attempts have started (a claim rolled back by a cap does not count)
 * @param maxRetries how many retries it gets after its first attempt
 * @param priority higher runs first
 * @param createdAt when it was enqueued
 * @param runAt when it is (or was) due
 * @param startedAt when its latest attempt started, or {@code null}
 * @param finishedAt when it finished, or {@code null}
 * @param lastError the last failure's message and stack trace, or {@code null}
 * @param result the handler's return value as JSON, or {@code null}
 * @param uniqueKey the unique key it was enqueued with, or {@code null}
 * @param concurrencyKey the key whose own cap the job counts against (caps per key), or
 *        {@code null}
 * @param scheduledFor the fire time of the periodic schedule that enqueued it, or
 *        {@code null} for a job enqueued otherwise
 */
public record JobView(JobId id, String taskName, String queue, JobStatus status, int attempts, int maxRetries,
		int priority, Instant createdAt, Instant runAt, Instant startedAt, Instant finishedAt, String lastError,
		String result, String uniqueKey, String concurrencyKey, Instant scheduledFor) {

}
