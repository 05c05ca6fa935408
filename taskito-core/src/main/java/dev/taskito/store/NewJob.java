package dev.taskito.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import dev.taskito.JobId;

/**
 * A job as the store receives it at enqueue, with every option already resolved against
 * the task's defaults.
 *
 * @param id the new job's id
 * @param taskName the task
 * @param queue the queue
 * @param payload the arguments as a JSON array
 * @param priority higher runs first
 * @param delay run no sooner than this after the store's now; ignored when {@code runAt} is set
 * @param runAt run no sooner than this instant, or {@code null}
 * @param uniqueKey the unique key, or {@code null}
 * @param maxRetries retries after the first attempt
 * @param timeout the per-attempt timeout, or {@code null} for none
 * @param headers headers that travel with the job to whichever instance runs it (such as
 *        a trace's {@code traceparent}); never {@code null}, usually empty
 * @param concurrencyKey the key the job counts against its task's cap per key with, or
 *        {@code null}; a store keeps keyed jobs where a claim of an older version does not
 *        look, and claims them fairly across keys (see {@link ClaimRequest#keyCaps()})
 */
public record NewJob(JobId id, String taskName, String queue, String payload, int priority, Duration delay,
		Instant runAt, String uniqueKey, int maxRetries, Duration timeout, Map<String, String> headers,
		String concurrencyKey) {

	/**
	 * Checks the required fields.
	 */
	public NewJob {
		Objects.requireNonNull(id, "id");
		Objects.requireNonNull(taskName, "taskName");
		Objects.requireNonNull(queue, "queue");
		Objects.requireNonNull(payload, "payload");
		if (delay == null) {
			delay = Duration.ZERO;
		}
		headers = (headers != null) ? Map.copyOf(headers) : Map.of();
	}

	/**
	 * A job without a concurrency key.
	 * @param id the new job's id
	 * @param taskName the task
	 * @param queue the queue
	 * @param payload the arguments as a JSON array
	 * @param priority higher runs first
	 * @param delay run no sooner than this after the store's now
	 * @param runAt run no sooner than this instant, or {@code null}
	 * @param uniqueKey the unique key, or {@code null}
	 * @param maxRetries retries after the first attempt
	 * @param timeout the per-attempt timeout, or {@code null} for none
	 * @param headers the headers
	 */
	public NewJob(JobId id, String taskName, String queue, String payload, int priority, Duration delay,
			Instant runAt, String uniqueKey, int maxRetries, Duration timeout, Map<String, String> headers) {
		this(id, taskName, queue, payload, priority, delay, runAt, uniqueKey, maxRetries, timeout, headers, null);
	}

	/**
	 * A job without headers.
	 * @param id the new job's id
	 * @param taskName the task
	 * @param queue the queue
	 * @param payload the arguments as a JSON array
	 * @param priority higher runs first
	 * @param delay run no sooner than this after the store's now
	 * @param runAt run no sooner than this instant, or {@code null}
	 * @param uniqueKey the unique key, or {@code null}
	 * @param maxRetries retries after the first attempt
	 * @param timeout the per-attempt timeout, or {@code null} for none
	 */
	public NewJob(JobId id, String taskName, String queue, String payload, int priority, Duration delay,
			Instant runAt, String uniqueKey, int maxRetries, Duration timeout) {
		this(id, taskName, queue, payload, priority, delay, runAt, uniqueKey, maxRetries, timeout, Map.of());
	}

}
