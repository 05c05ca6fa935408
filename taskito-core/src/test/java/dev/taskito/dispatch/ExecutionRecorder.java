package dev.taskito.dispatch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.taskito.JobContext;
import dev.taskito.JobId;

/**
 * What handlers record about themselves: how many run at once per task and per queue
 * (and the most ever seen), and how often each job ran. The store is not asked: the proof
 * that a cap held comes from the handlers.
 */
public final class ExecutionRecorder {

	private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> highest = new ConcurrentHashMap<>();

	private final Map<JobId, AtomicInteger> executions = new ConcurrentHashMap<>();

	private final AtomicInteger started = new AtomicInteger();

	private final Map<String, java.util.concurrent.atomic.AtomicLong> lastEndNanos = new ConcurrentHashMap<>();

	private final long createdNanos = System.nanoTime();

	private final AtomicInteger finished = new AtomicInteger();

	/**
	 * Records a start; call {@link #end} in a finally block.
	 * @param context the job
	 * @param groups the task and queue keys this execution counts against, such as {@code task:a}
	 */
	public void start(JobContext context, String... groups) {
		this.executions.computeIfAbsent(context.jobId(), (id) -> new AtomicInteger()).incrementAndGet();
		this.started.incrementAndGet();
		for (String group : groups) {
			int now = this.running.computeIfAbsent(group, (key) -> new AtomicInteger()).incrementAndGet();
			this.highest.computeIfAbsent(group, (key) -> new AtomicInteger()).accumulateAndGet(now, Math::max);
		}
	}

	/**
	 * @param groups the same keys given to {@link #start}
	 */
	public void end(String... groups) {
		long now = System.nanoTime();
		for (String group : groups) {
			this.running.get(group).decrementAndGet();
			this.lastEndNanos.computeIfAbsent(group, (key) -> new java.util.concurrent.atomic.AtomicLong())
				.accumulateAndGet(now, Math::max);
		}
		this.finished.incrementAndGet();
	}

	/** @param group a key @return how many run now */
	public int running(String group) {
		AtomicInteger count = this.running.get(group);
		return (count != null) ? count.get() : 0;
	}

	/** @param group a key @return the most that ever ran at once */
	public int highest(String group) {
		AtomicInteger count = this.highest.get(group);
		return (count != null) ? count.get() : 0;
	}

	/**
	 * @return per key, how long after this recorder was made its last execution ended, in ms
	 */
	public Map<String, Long> lastEndMillis() {
		Map<String, Long> result = new java.util.TreeMap<>();
		this.lastEndNanos.forEach((group, nanos) -> result.put(group, (nanos.get() - this.createdNanos) / 1_000_000));
		return result;
	}

	/** @return executions per job */
	public Map<JobId, AtomicInteger> executions() {
		return this.executions;
	}

	/** @return handler starts */
	public int started() {
		return this.started.get();
	}

	/** @return handler ends */
	public int finished() {
		return this.finished.get();
	}

}
