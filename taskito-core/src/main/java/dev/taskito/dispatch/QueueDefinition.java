package dev.taskito.dispatch;

import java.util.Objects;

import dev.taskito.store.RateLimit;

/**
 * A queue's limits. A queue that nothing configures has none.
 *
 * @param name the queue
 * @param maxConcurrent the cluster-wide cap on its running jobs, 0 for none
 * @param rateLimit the cluster-wide rate limit, or {@code null}
 */
public record QueueDefinition(String name, int maxConcurrent, RateLimit rateLimit) {

	/**
	 * Checks the fields.
	 */
	public QueueDefinition {
		Objects.requireNonNull(name, "name");
		if (name.isBlank()) {
			throw new IllegalArgumentException("A queue name must not be blank");
		}
		if (maxConcurrent < 0) {
			throw new IllegalArgumentException("Queue '" + name + "' has maxConcurrent = " + maxConcurrent
					+ ": use 0 for no cap or a positive cap");
		}
	}

	/**
	 * A queue without limits.
	 * @param name the queue
	 * @return the definition
	 */
	public static QueueDefinition unlimited(String name) {
		return new QueueDefinition(name, 0, null);
	}

	/**
	 * @return whether the queue has a cap
	 */
	public boolean isCapped() {
		return this.maxConcurrent > 0;
	}

}
