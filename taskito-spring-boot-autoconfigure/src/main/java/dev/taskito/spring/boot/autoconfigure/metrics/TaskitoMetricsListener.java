package dev.taskito.spring.boot.autoconfigure.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.taskito.TaskEvent;
import dev.taskito.TaskListener;

/**
 * Counts and times this instance's jobs as Micrometer meters, tagged only with
 * {@code task}, {@code queue} and an {@code outcome} or {@code reason} from a fixed set, so
 * cardinality stays bounded by the application's tasks and queues:
 * <ul>
 * <li>{@code taskito.jobs.enqueued}: jobs enqueued through this instance</li>
 * <li>{@code taskito.jobs.finished} ({@code outcome}: succeeded, failed, dead, cancelled):
 * attempts that ended, and cancellations; {@code failed} is an attempt that runs again</li>
 * <li>{@code taskito.jobs.rejected} ({@code reason}: cap, rate-limit): claims a concurrency
 * cap gave back, and due jobs a rate limit held back</li>
 * <li>{@code taskito.job.execution} ({@code outcome}: succeeded, failed, dead): how long
 * attempts ran</li>
 * <li>{@code taskito.job.wait}: from a job's due time to its start</li>
 * </ul>
 * The meters of a task and queue are registered at its first event and cached, so an event
 * costs two map reads and no registry lookup.
 */
public class TaskitoMetricsListener implements TaskListener {

	/** The prefix of every Taskito meter. */
	public static final String PREFIX = "taskito.";

	private final MeterRegistry registry;

	/** By task, then queue: two lookups and no key allocation per event. */
	private final Map<String, Map<String, TaskMeters>> meters = new ConcurrentHashMap<>();

	/**
	 * @param registry where the meters are registered
	 */
	public TaskitoMetricsListener(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void onEvent(TaskEvent event) {
		TaskMeters m = meters(tag(event.taskName()), tag(event.queue()));
		switch (event.type()) {
			case ENQUEUED -> m.enqueued.increment();
			case STARTED -> record(m.waitTime, event.waited());
			case SUCCEEDED -> finished(m.succeeded, m.succeededTime, event.executionTime());
			case FAILED -> finished(m.failed, m.failedTime, event.executionTime());
			case DEAD -> finished(m.dead, m.deadTime, event.executionTime());
			case CANCELLED -> m.cancelled.increment();
			case CAP_REJECTED -> m.capRejected.increment(Math.max(event.count(), 1));
			case RATE_LIMITED -> m.rateLimited.increment(Math.max(event.count(), 1));
			default -> {
				// OUTCOME_DISCARDED: the job runs again after the reaper; nothing finished
			}
		}
	}

	/**
	 * Counters and timers are updated in memory, without a lock or I/O: told on the thread
	 * that publishes each event, the meters cost no hand-off to the listeners' thread.
	 */
	@Override
	public boolean isNonBlocking() {
		return true;
	}

	/** A tag value is never null: an event without a task (a queue's rate limit) says {@code none}. */
	private static String tag(String value) {
		return (value != null) ? value : "none";
	}

	private static void finished(Counter counter, Timer timer, Duration executionTime) {
		counter.increment();
		record(timer, executionTime);
	}

	private static void record(Timer timer, Duration duration) {
		if (duration != null) {
			timer.record(duration.isNegative() ? Duration.ZERO : duration);
		}
	}

	private TaskMeters meters(String task, String queue) {
		Map<String, TaskMeters> byQueue = this.meters.get(task);
		if (byQueue == null) {
			byQueue = this.meters.computeIfAbsent(task, (key) -> new ConcurrentHashMap<>());
		}
		TaskMeters found = byQueue.get(queue);
		if (found == null) {
			found = byQueue.computeIfAbsent(queue, (key) -> new TaskMeters(this.registry, task, key));
		}
		return found;
	}

	/**
	 * The meters of one task in one queue.
	 */
	private static final class TaskMeters {

		final Counter enqueued;

		final Counter succeeded;

		final Counter failed;

		final Counter dead;

		final Counter cancelled;

		final Counter capRejected;

		final Counter rateLimited;

		final Timer succeededTime;

		final Timer failedTime;

		final Timer deadTime;

		final Timer waitTime;

		TaskMeters(MeterRegistry registry, String task, String queue) {
			this.enqueued = counter(registry, "jobs.enqueued", task, queue, null, null);
			this.succeeded = counter(registry, "jobs.finished", task, queue, "outcome", "succeeded");
			this.failed = counter(registry, "jobs.finished", task, queue, "outcome", "failed");
			this.dead = counter(registry, "jobs.finished", task, queue, "outcome", "dead");
			this.cancelled = counter(registry, "jobs.finished", task, queue, "outcome", "cancelled");
			this.capRejected = counter(registry, "jobs.rejected", task, queue, "reason", "cap");
			this.rateLimited = counter(registry, "jobs.rejected", task, queue, "reason", "rate-limit");
			this.succeededTime = execution(registry, task, queue, "succeeded");
			this.failedTime = execution(registry, task, queue, "failed");
			this.deadTime = execution(registry, task, queue, "dead");
			this.waitTime = Timer.builder(PREFIX + "job.wait")
				.description("Time from a job's due time to its start")
				.tag("task", task)
				.tag("queue", queue)
				.register(registry);
		}

		private static Counter counter(MeterRegistry registry, String name, String task, String queue, String key,
				String value) {
			Counter.Builder builder = Counter.builder(PREFIX + name).tag("task", task).tag("queue", queue);
			if (key != null) {
				builder.tag(key, value);
			}
			return builder.register(registry);
		}

		private static Timer execution(MeterRegistry registry, String task, String queue, String outcome) {
			return Timer.builder(PREFIX + "job.execution")
				.description("How long an attempt of a job ran")
				.tag("task", task)
				.tag("queue", queue)
				.tag("outcome", outcome)
				.register(registry);
		}

	}

}
