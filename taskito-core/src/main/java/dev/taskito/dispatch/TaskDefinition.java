package dev.taskito.dispatch;

import java.time.Duration;
import java.util.Objects;

import dev.taskito.TaskitoDefaults;
import dev.taskito.store.RateLimit;

/**
 * A registered task: its name, its limits and its handler. Immutable; the {@code with}
 * methods return a changed copy, which is how configured overrides are applied before
 * registration.
 *
 * @param name the task's name
 * @param queue the queue its jobs go to by default
 * @param maxConcurrent the cluster-wide cap, 0 for none
 * @param maxRetries retries after the first attempt, or -1 for the configured default
 * @param timeout the per-attempt timeout, or {@code null} for none
 * @param rateLimit the cluster-wide rate limit, or {@code null} for none
 * @param priority the default priority of its jobs
 * @param handler what runs its jobs
 * @param source where it was declared, for error messages (such as {@code bean 'emails' method EmailTasks.send})
 * @param maxConcurrentPerKey the cluster-wide cap per concurrency key, 0 for none
 */
public record TaskDefinition(String name, String queue, int maxConcurrent, int maxRetries, Duration timeout,
		RateLimit rateLimit, int priority, TaskHandler handler, String source, int maxConcurrentPerKey) {

	/**
	 * Marks a task's cap per key among the task caps an instance publishes with its heartbeat
	 * ({@code name + PER_KEY_CAP_MARK}): the stores keep and merge them as task caps (the
	 * smallest live one wins) with no field of their own, and an instance of an older version
	 * reads one as the cap of a task it has not got. The unit separator cannot be typed into
	 * a task name by accident.
	 */
	public static final String PER_KEY_CAP_MARK = "\u001Fper-key";

	/**
	 * Checks every field, naming the task and its source in the message.
	 */
	public TaskDefinition {
		Objects.requireNonNull(handler, "handler");
		if (source == null) {
			source = handler.toString();
		}
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("Task declared by " + source + " has a blank name");
		}
		if (queue == null || queue.isBlank()) {
			throw new IllegalArgumentException(
					"Task '" + name + "' (" + source + ") has a blank queue: name one or leave the default '"
							+ TaskitoDefaults.QUEUE + "'");
		}
		if (maxConcurrent < 0) {
			throw new IllegalArgumentException("Task '" + name + "' (" + source + ") has maxConcurrent = "
					+ maxConcurrent + ": use 0 for no cap or a positive cap");
		}
		if (maxConcurrentPerKey < 0) {
			throw new IllegalArgumentException("Task '" + name + "' (" + source + ") has maxConcurrentPerKey = "
					+ maxConcurrentPerKey + ": use 0 for no cap per key or a positive cap");
		}
		if (maxRetries < -1) {
			throw new IllegalArgumentException("Task '" + name + "' (" + source + ") has maxRetries = " + maxRetries
					+ ": use 0 or more, or -1 for the configured default");
		}
		if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
			throw new IllegalArgumentException(
					"Task '" + name + "' (" + source + ") has timeout " + timeout + ": use a positive duration");
		}
	}

	/**
	 * A task without a cap per key.
	 * @param name the name
	 * @param queue the default queue
	 * @param maxConcurrent the cap, 0 for none
	 * @param maxRetries retries, or -1 for the default
	 * @param timeout the timeout, or {@code null}
	 * @param rateLimit the rate limit, or {@code null}
	 * @param priority the default priority
	 * @param handler the handler
	 * @param source where it was declared
	 */
	public TaskDefinition(String name, String queue, int maxConcurrent, int maxRetries, Duration timeout,
			RateLimit rateLimit, int priority, TaskHandler handler, String source) {
		this(name, queue, maxConcurrent, maxRetries, timeout, rateLimit, priority, handler, source, 0);
	}

	/**
	 * A task with default limits.
	 * @param name the name
	 * @param handler the handler
	 * @return the definition
	 */
	public static TaskDefinition of(String name, TaskHandler handler) {
		return new TaskDefinition(name, TaskitoDefaults.QUEUE, 0, -1, null, null, 0, handler, null);
	}

	/**
	 * @param queue the default queue
	 * @return a changed copy
	 */
	public TaskDefinition withQueue(String queue) {
		return new TaskDefinition(this.name, queue, this.maxConcurrent, this.maxRetries, this.timeout,
				this.rateLimit, this.priority, this.handler, this.source, this.maxConcurrentPerKey);
	}

	/**
	 * @param maxConcurrent the cap, 0 for none
	 * @return a changed copy
	 */
	public TaskDefinition withMaxConcurrent(int maxConcurrent) {
		return new TaskDefinition(this.name, this.queue, maxConcurrent, this.maxRetries, this.timeout,
				this.rateLimit, this.priority, this.handler, this.source, this.maxConcurrentPerKey);
	}

	/**
	 * @param maxRetries retries, or -1 for the default
	 * @return a changed copy
	 */
	public TaskDefinition withMaxRetries(int maxRetries) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, maxRetries, this.timeout,
				this.rateLimit, this.priority, this.handler, this.source, this.maxConcurrentPerKey);
	}

	/**
	 * @param timeout the timeout, or {@code null} for none
	 * @return a changed copy
	 */
	public TaskDefinition withTimeout(Duration timeout) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, this.maxRetries, timeout,
				this.rateLimit, this.priority, this.handler, this.source, this.maxConcurrentPerKey);
	}

	/**
	 * @param rateLimit the limit, or {@code null} for none
	 * @return a changed copy
	 */
	public TaskDefinition withRateLimit(RateLimit rateLimit) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, this.maxRetries, this.timeout,
				rateLimit, this.priority, this.handler, this.source, this.maxConcurrentPerKey);
	}

	/**
	 * @param priority the default priority
	 * @return a changed copy
	 */
	public TaskDefinition withPriority(int priority) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, this.maxRetries, this.timeout,
				this.rateLimit, priority, this.handler, this.source, this.maxConcurrentPerKey);
	}

	/**
	 * @param handler what runs the task's jobs, such as the same method called through a proxy
	 * @return a changed copy
	 */
	public TaskDefinition withHandler(TaskHandler handler) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, this.maxRetries, this.timeout,
				this.rateLimit, this.priority, handler, this.source, this.maxConcurrentPerKey);
	}

	/**
	 * @param maxConcurrentPerKey the cap per concurrency key, 0 for none
	 * @return a changed copy
	 */
	public TaskDefinition withMaxConcurrentPerKey(int maxConcurrentPerKey) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, this.maxRetries, this.timeout,
				this.rateLimit, this.priority, this.handler, this.source, maxConcurrentPerKey);
	}

	/**
	 * @return whether the task has a cap per concurrency key
	 */
	public boolean isCappedPerKey() {
		return this.maxConcurrentPerKey > 0;
	}

	/**
	 * @return whether the task has a cap
	 */
	public boolean isCapped() {
		return this.maxConcurrent > 0;
	}

}
