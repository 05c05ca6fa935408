package dev.taskito.store;

import java.util.Objects;

/**
 * A task and one of its concurrency keys: what a cap per key counts the claims of.
 *
 * @param task the task
 * @param key the concurrency key
 */
public record TaskKey(String task, String key) {

	/**
	 * Checks the fields.
	 */
	public TaskKey {
		Objects.requireNonNull(task, "task");
		Objects.requireNonNull(key, "key");
	}

	/**
	 * @param job a claimed job
	 * @return its task and key, or {@code null} when it has no key
	 */
	public static TaskKey of(ClaimedJob job) {
		return (job.concurrencyKey() != null) ? new TaskKey(job.taskName(), job.concurrencyKey()) : null;
	}

}
