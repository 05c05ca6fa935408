package dev.taskito.spring.boot.test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskQueue;
import dev.taskito.TaskitoException;
import dev.taskito.dispatch.TaskDispatcher;

/**
 * Helpers for an application's tests of its {@code @Task} methods, over the context's own
 * {@link TaskQueue} and {@link TaskDispatcher}. Auto-configured (by
 * {@link TaskitoTestAutoConfiguration}) in every context that has a {@code TaskQueue} and
 * this module on its classpath, so a {@code @SpringBootTest} injects it:
 *
 * <ul>
 * <li>{@link #awaitIdle(Duration)}, with the dispatcher running as in production: wait
 * until every job due has run;</li>
 * <li>{@link #runDueJobs()}, with {@code taskito.dispatcher.auto-startup=false}: run every
 * due job on the test's own thread, one at a time, so that the test is deterministic.</li>
 * </ul>
 *
 * <p>Outside auto-configuration (a sliced test, say), construct one from the beans.
 */
public class TaskitoTestSupport {

	/**
	 * How far ahead a pending job counts as due already: a claim that a concurrency cap
	 * gave back is due again within 60 ms, and must not make the queue look idle meanwhile.
	 */
	static final Duration DUE_HORIZON = Duration.ofMillis(100);

	/** The most jobs of each status a timeout's message names. */
	private static final int JOBS_NAMED = 10;

	private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

	private static final long LONGEST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private final TaskQueue taskQueue;

	private final TaskDispatcher dispatcher;

	/**
	 * @param taskQueue the context's task queue
	 * @param dispatcher the context's dispatcher, or {@code null} when it has none
	 *        ({@code taskito.dispatcher.enabled=false})
	 */
	public TaskitoTestSupport(TaskQueue taskQueue, TaskDispatcher dispatcher) {
		this.taskQueue = Objects.requireNonNull(taskQueue, "taskQueue");
		this.dispatcher = dispatcher;
	}

	/**
	 * Waits until no job is due and none is running, in the whole store (every instance's
	 * jobs, on a shared store): no {@code PENDING} job whose due time has come, and no
	 * {@code RUNNING} job. Jobs due later (a delayed job, a retry waiting for its backoff)
	 * do not count, except those due within the next 100 ms, which a cap's give-back makes.
	 * Both are counted in one query, so a job moving from one to the other between two
	 * reads cannot make the store look idle; due times are compared with this JVM's clock,
	 * which is the store's own for the embedded store.
	 * @param timeout how long to wait at most
	 * @throws AssertionError on timeout, naming the jobs still due and running (and saying
	 *         so when this context's dispatcher is not running, so nothing here runs them)
	 * @throws TaskitoException if the waiting thread is interrupted (its flag is set again)
	 */
	public void awaitIdle(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout");
		long deadline = System.nanoTime() + timeout.toNanos();
		long pause = FIRST_PAUSE_NANOS;
		while (busyJobs() > 0) {
			long left = deadline - System.nanoTime();
			if (left <= 0) {
				throw new AssertionError(notIdle(timeout));
			}
			LockSupport.parkNanos(Math.min(pause, left));
			if (Thread.interrupted()) {
				Thread.currentThread().interrupt();
				throw new TaskitoException("Interrupted while waiting for Taskito to be idle");
			}
			pause = Math.min(pause * 2, LONGEST_PAUSE_NANOS);
		}
	}

	/**
	 * Runs due jobs on the calling thread, one at a time, until none is due, and returns
	 * how many ran. Each job is claimed, run and recorded as the dispatcher does it
	 * ({@link TaskDispatcher#runDueJobsOnCallingThread()}): its result stored, or a retry
	 * after the backoff ({@code taskito.retry.backoff}), or {@code DEAD} once its retries are
	 * spent; caps, rate limits and paused queues are honoured. A retry is not due when this
	 * returns: call again once it is. Jobs that handlers enqueue for now run in the same call.
	 *
	 * <p>Needs a dispatcher that does not run on its own:
	 * {@code @SpringBootTest(properties = "taskito.dispatcher.auto-startup=false")}.
	 * @return how many jobs ran
	 * @throws IllegalStateException when the context has no dispatcher, or its dispatcher
	 *         was started (both named with the property to set)
	 */
	public int runDueJobs() {
		if (this.dispatcher == null) {
			throw new IllegalStateException("This context has no TaskDispatcher (taskito.dispatcher.enabled=false), so "
					+ "there is nothing to run jobs with; for deterministic tests keep it enabled and set "
					+ "taskito.dispatcher.auto-startup=false");
		}
		if (this.dispatcher.isRunning()) {
			throw new IllegalStateException("Taskito's dispatcher is running in this context, so its own threads claim "
					+ "the due jobs; to run them on the test's thread, set taskito.dispatcher.auto-startup=false, e.g. "
					+ "@SpringBootTest(properties = \"taskito.dispatcher.auto-startup=false\"), or wait with "
					+ "awaitIdle(timeout) instead");
		}
		return this.dispatcher.runDueJobsOnCallingThread();
	}

	/**
	 * @return the jobs due or running now: counted in one query, so that no job moving
	 *         between the two states in the meantime is missed, and then the running ones
	 *         again, whatever due time a store keeps for them
	 */
	private long busyJobs() {
		long busy = this.taskQueue.count(dueOrRunning());
		return (busy > 0) ? busy : this.taskQueue.count(JobQuery.all().status(JobStatus.RUNNING));
	}

	private static JobQuery dueOrRunning() {
		return JobQuery.all().status(JobStatus.PENDING, JobStatus.RUNNING).dueBefore(Instant.now().plus(DUE_HORIZON));
	}

	private String notIdle(Duration timeout) {
		JobQuery running = JobQuery.all().status(JobStatus.RUNNING);
		JobQuery due = JobQuery.all().status(JobStatus.PENDING).dueBefore(Instant.now().plus(DUE_HORIZON));
		long runningCount = this.taskQueue.count(running);
		long dueCount = this.taskQueue.count(due);
		StringBuilder message = new StringBuilder("Taskito was not idle after ").append(timeout)
			.append(": ")
			.append(dueCount)
			.append(" job(s) due and ")
			.append(runningCount)
			.append(" running");
		describe(message, this.taskQueue.jobs(running.limit(JOBS_NAMED)), runningCount);
		describe(message, this.taskQueue.jobs(due.limit(JOBS_NAMED)), dueCount);
		if (this.dispatcher == null) {
			message.append("\nThis context has no dispatcher (taskito.dispatcher.enabled=false): only another instance "
					+ "sharing the store runs these jobs.");
		}
		else if (!this.dispatcher.isRunning()) {
			message.append("\nThis context's dispatcher is not started (taskito.dispatcher.auto-startup=false): "
					+ "run the due jobs with runDueJobs() instead of waiting for them.");
		}
		return message.toString();
	}

	private static void describe(StringBuilder message, List<JobView> jobs, long count) {
		for (JobView job : jobs) {
			message.append("\n  job ").append(job.id()).append(" of task '").append(job.taskName()).append('\'');
			if (!"default".equals(job.queue())) {
				message.append(" in queue '").append(job.queue()).append('\'');
			}
			message.append(": ").append(job.status());
			if (job.status() == JobStatus.PENDING) {
				message.append(", due ").append(job.runAt());
			}
			message.append(", attempts ").append(job.attempts());
			if (job.lastError() != null) {
				message.append(", last error: ").append(job.lastError().lines().findFirst().orElse(""));
			}
		}
		if (count > jobs.size()) {
			message.append("\n  ... and ").append(count - jobs.size()).append(" more");
		}
	}

}
