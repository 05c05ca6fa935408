package dev.taskito;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A job to enqueue: the task, its arguments, and options that override the task's
 * defaults. Immutable; each option method returns a new request.
 *
 * <pre class="code">
 * queue.enqueue(EnqueueRequest.of("send-email", "a@b.c", "Hi")
 *         .delay(Duration.ofMinutes(5))
 *         .uniqueKey("welcome:a@b.c"));
 * </pre>
 */
public final class EnqueueRequest {

	private final String taskName;

	private final Object[] args;

	private final Duration delay;

	private final Instant runAt;

	private final Integer priority;

	private final String queue;

	private final String uniqueKey;

	private final Integer maxRetries;

	private final Duration timeout;

	private final String concurrencyKey;

	private EnqueueRequest(String taskName, Object[] args, Duration delay, Instant runAt, Integer priority,
			String queue, String uniqueKey, Integer maxRetries, Duration timeout, String concurrencyKey) {
		this.taskName = taskName;
		this.args = args;
		this.delay = delay;
		this.runAt = runAt;
		this.priority = priority;
		this.queue = queue;
		this.uniqueKey = uniqueKey;
		this.maxRetries = maxRetries;
		this.timeout = timeout;
		this.concurrencyKey = concurrencyKey;
	}

	/**
	 * A request to run {@code taskName} with {@code args} as its handler's parameters.
	 * @param taskName the task's name, not blank
	 * @param args the handler's arguments, in order ({@link JobContext} parameters excluded)
	 * @return the request
	 */
	public static EnqueueRequest of(String taskName, Object... args) {
		if (taskName == null || taskName.isBlank()) {
			throw new IllegalArgumentException("taskName must not be blank: give the name of a @Task");
		}
		return new EnqueueRequest(taskName, (args != null) ? args.clone() : new Object[0], null, null, null, null,
				null, null, null, null);
	}

	/**
	 * Runs the job no sooner than {@code delay} from now (on the store's clock).
	 * @param delay zero or positive
	 * @return a new request
	 */
	public EnqueueRequest delay(Duration delay) {
		Objects.requireNonNull(delay, "delay");
		if (delay.isNegative()) {
			throw new IllegalArgumentException("delay of task '" + this.taskName + "' must not be negative, was " + delay);
		}
		return new EnqueueRequest(this.taskName, this.args, delay, null, this.priority, this.queue, this.uniqueKey,
				this.maxRetries, this.timeout, this.concurrencyKey);
	}

	/**
	 * Runs the job no sooner than {@code runAt}.
	 * @param runAt an instant; one in the past means now
	 * @return a new request
	 */
	public EnqueueRequest runAt(Instant runAt) {
		Objects.requireNonNull(runAt, "runAt");
		return new EnqueueRequest(this.taskName, this.args, null, runAt, this.priority, this.queue, this.uniqueKey,
				this.maxRetries, this.timeout, this.concurrencyKey);
	}

	/**
	 * Overrides the task's priority: higher runs first among due jobs.
	 * @param priority any value
	 * @return a new request
	 */
	public EnqueueRequest priority(int priority) {
		return new EnqueueRequest(this.taskName, this.args, this.delay, this.runAt, priority, this.queue,
				this.uniqueKey, this.maxRetries, this.timeout, this.concurrencyKey);
	}

	/**
	 * Puts the job in {@code queue} instead of the task's queue.
	 * @param queue a queue name, not blank
	 * @return a new request
	 */
	public EnqueueRequest queue(String queue) {
		if (queue == null || queue.isBlank()) {
			throw new IllegalArgumentException("queue of task '" + this.taskName + "' must not be blank");
		}
		return new EnqueueRequest(this.taskName, this.args, this.delay, this.runAt, this.priority, queue,
				this.uniqueKey, this.maxRetries, this.timeout, this.concurrencyKey);
	}

	/**
	 * Makes the job unique: while a job with this key is {@code PENDING} or {@code RUNNING},
	 * enqueueing another returns the existing job's id instead.
	 * @param uniqueKey a key, not blank
	 * @return a new request
	 */
	public EnqueueRequest uniqueKey(String uniqueKey) {
		if (uniqueKey == null || uniqueKey.isBlank()) {
			throw new IllegalArgumentException("uniqueKey of task '" + this.taskName + "' must not be blank");
		}
		return new EnqueueRequest(this.taskName, this.args, this.delay, this.runAt, this.priority, this.queue,
				uniqueKey, this.maxRetries, this.timeout, this.concurrencyKey);
	}

	/**
	 * Overrides how many times the job is retried after a failure.
	 * @param maxRetries zero or more
	 * @return a new request
	 */
	public EnqueueRequest maxRetries(int maxRetries) {
		if (maxRetries < 0) {
			throw new IllegalArgumentException(
					"maxRetries of task '" + this.taskName + "' must be 0 or more, was " + maxRetries);
		}
		return new EnqueueRequest(this.taskName, this.args, this.delay, this.runAt, this.priority, this.queue,
				this.uniqueKey, maxRetries, this.timeout, this.concurrencyKey);
	}

	/**
	 * Overrides how long one attempt may run.
	 * @param timeout positive
	 * @return a new request
	 */
	public EnqueueRequest timeout(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout");
		if (timeout.isNegative() || timeout.isZero()) {
			throw new IllegalArgumentException("timeout of task '" + this.taskName + "' must be positive, was " + timeout);
		}
		return new EnqueueRequest(this.taskName, this.args, this.delay, this.runAt, this.priority, this.queue,
				this.uniqueKey, this.maxRetries, timeout, this.concurrencyKey);
	}

	/**
	 * Makes the job count against its task's cap per key ({@code @Task(maxConcurrentPerKey = 2)}):
	 * at most that many jobs of the task with this key run at once in the cluster, beside the
	 * task-wide cap. Use the tenant, customer or account the job works for. On a task without a
	 * cap per key the key is stored and shown, not capped.
	 * @param concurrencyKey a key, not blank, at most 500 characters
	 * @return a new request
	 */
	public EnqueueRequest concurrencyKey(String concurrencyKey) {
		if (concurrencyKey == null || concurrencyKey.isBlank()) {
			throw new IllegalArgumentException("concurrencyKey of task '" + this.taskName + "' must not be blank");
		}
		if (concurrencyKey.length() > 500) {
			throw new IllegalArgumentException("concurrencyKey of task '" + this.taskName
					+ "' must be at most 500 characters, was " + concurrencyKey.length());
		}
		return new EnqueueRequest(this.taskName, this.args, this.delay, this.runAt, this.priority, this.queue,
				this.uniqueKey, this.maxRetries, this.timeout, concurrencyKey);
	}

	/** @return the concurrency key (see {@link #concurrencyKey(String)}), or {@code null} */
	public String concurrencyKey() {
		return this.concurrencyKey;
	}

	/** @return the task's name */
	public String taskName() {
		return this.taskName;
	}

	/** @return a copy of the arguments */
	public Object[] args() {
		return this.args.clone();
	}

	/** @return the delay, or {@code null} */
	public Duration delay() {
		return this.delay;
	}

	/** @return the due time, or {@code null} */
	public Instant runAt() {
		return this.runAt;
	}

	/** @return the priority override, or {@code null} for the task's */
	public Integer priority() {
		return this.priority;
	}

	/** @return the queue override, or {@code null} for the task's */
	public String queue() {
		return this.queue;
	}

	/** @return the unique key, or {@code null} */
	public String uniqueKey() {
		return this.uniqueKey;
	}

	/** @return the retry override, or {@code null} for the task's */
	public Integer maxRetries() {
		return this.maxRetries;
	}

	/** @return the timeout override, or {@code null} for the task's */
	public Duration timeout() {
		return this.timeout;
	}

	@Override
	public String toString() {
		return "EnqueueRequest[task=" + this.taskName + ", args=" + Arrays.toString(this.args) + "]";
	}

}
