package dev.taskito.dispatch;

import java.time.Duration;
import java.util.Objects;

import dev.taskito.Misfire;
import dev.taskito.Schedule;
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
 * @param schedule when a job is enqueued on its own (a periodic task), or {@code null} for none
 * @param misfire what a periodic task does with ticks missed while every instance was down
 *        or the schedule paused; {@link Misfire#RUN_ONCE} when {@code null}
 */
public record TaskDefinition(String name, String queue, int maxConcurrent, int maxRetries, Duration timeout,
		RateLimit rateLimit, int priority, TaskHandler handler, String source, int maxConcurrentPerKey,
		Schedule schedule, Misfire misfire) {

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
		if (misfire == null) {
			misfire = Misfire.RUN_ONCE;
		}
		if (schedule != null && !handler.parameters().isEmpty()) {
			// A tick has no arguments to give: the job it enqueues must bind to nothing.
			throw new IllegalArgumentException("Task '" + name + "' (" + source + ") is periodic ("
					+ schedule.definition() + ") but its handler takes parameters " + handler.parameters().stream()
						.map(TaskHandler.Parameter::name)
						.toList()
					+ ": a tick enqueues a job without arguments, so declare no parameters other than a JobContext");
		}
		if (schedule != null && (schedule.definition() == null || schedule.definition().isBlank()
				|| schedule.definition().length() > 500)) {
			throw new IllegalArgumentException("Task '" + name + "' (" + source
					+ ") has a schedule whose definition() is blank or longer than 500 characters");
		}
	}

	/**
	 * A task that is not periodic and has no cap per key.
	 * @param name the task's name
	 * @param queue the queue its jobs go to by default
	 * @param maxConcurrent the cluster-wide cap, 0 for none
	 * @param maxRetries retries after the first attempt, or -1 for the configured default
	 * @param timeout the per-attempt timeout, or {@code null} for none
	 * @param rateLimit the cluster-wide rate limit, or {@code null} for none
	 * @param priority the default priority of its jobs
	 * @param handler what runs its jobs
	 * @param source where it was declared, for error messages
	 */
	public TaskDefinition(String name, String queue, int maxConcurrent, int maxRetries, Duration timeout,
			RateLimit rateLimit, int priority, TaskHandler handler, String source) {
		this(name, queue, maxConcurrent, maxRetries, timeout, rateLimit, priority, handler, source, 0, null, null);
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
				this.rateLimit, this.priority, this.handler, this.source,
				this.maxConcurrentPerKey, this.schedule, this.misfire);
	}

	/**
	 * @param maxConcurrent the cap, 0 for none
	 * @return a changed copy
	 */
	public TaskDefinition withMaxConcurrent(int maxConcurrent) {
		return new TaskDefinition(this.name, this.queue, maxConcurrent, this.maxRetries, this.timeout,
				this.rateLimit, this.priority, this.handler, this.source,
				this.maxConcurrentPerKey, this.schedule, this.misfire);
	}

	/**
	 * @param maxRetries retries, or -1 for the default
	 * @return a changed copy
	 */
	public TaskDefinition withMaxRetries(int maxRetries) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, maxRetries, this.timeout,
				this.rateLimit, this.priority, this.handler, this.source,
				this.maxConcurrentPerKey, this.schedule, this.misfire);
	}

	/**
	 * @param timeout the timeout, or {@code null} for none
	 * @return a changed copy
	 */
	public TaskDefinition withTimeout(Duration timeout) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, this.maxRetries, timeout,
				this.rateLimit, this.priority, this.handler, this.source,
				this.maxConcurrentPerKey, this.schedule, this.misfire);
	}

	/**
	 * @param rateLimit the limit, or {@code null} for none
	 * @return a changed copy
	 */
	public TaskDefinition withRateLimit(RateLimit rateLimit) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, this.maxRetries, this.timeout,
				rateLimit, this.priority, this.handler, this.source,
				this.maxConcurrentPerKey, this.schedule, this.misfire);
	}

	/**
	 * @param priority the default priority
	 * @return a changed copy
	 */
	public TaskDefinition withPriority(int priority) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, this.maxRetries, this.timeout,
				this.rateLimit, priority, this.handler, this.source,
				this.maxConcurrentPerKey, this.schedule, this.misfire);
	}

	/**
	 * @param handler what runs the task's jobs, such as the same method called through a proxy
	 * @return a changed copy
	 */
	public TaskDefinition withHandler(TaskHandler handler) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, this.maxRetries, this.timeout,
				this.rateLimit, this.priority, handler, this.source,
				this.maxConcurrentPerKey, this.schedule, this.misfire);
	}

	/**
	 * @param maxConcurrentPerKey the cap per concurrency key, 0 for none
	 * @return a changed copy
	 */
	public TaskDefinition withMaxConcurrentPerKey(int maxConcurrentPerKey) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, this.maxRetries, this.timeout,
				this.rateLimit, this.priority, this.handler, this.source,
				maxConcurrentPerKey, this.schedule, this.misfire);
	}

	/**
	 * @return whether the task has a cap per concurrency key
	 */
	public boolean isCappedPerKey() {
		return this.maxConcurrentPerKey > 0;
	}

	/**
	 * @param schedule when a job is enqueued on its own, or {@code null} for a task that is not
	 *        periodic
	 * @param misfire what to do with missed ticks, or {@code null} for {@link Misfire#RUN_ONCE}
	 * @return a changed copy
	 */
	public TaskDefinition withSchedule(Schedule schedule, Misfire misfire) {
		return new TaskDefinition(this.name, this.queue, this.maxConcurrent, this.maxRetries, this.timeout,
				this.rateLimit, this.priority, this.handler, this.source, this.maxConcurrentPerKey, schedule, misfire);
	}

	/**
	 * @return whether the task is periodic
	 */
	public boolean isPeriodic() {
		return this.schedule != null;
	}

	/**
	 * @return whether the task has a cap
	 */
	public boolean isCapped() {
		return this.maxConcurrent > 0;
	}

}
