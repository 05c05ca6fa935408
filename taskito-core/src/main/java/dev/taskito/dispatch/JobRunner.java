package dev.taskito.dispatch;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.JobExecutionInterceptor;
import dev.taskito.TaskEvent;
import dev.taskito.store.Outcome;
import dev.taskito.store.StorableText;

/**
 * Runs one claimed job on a worker thread: checks its lease is still safely its own, arms
 * its timeout, calls the handler, and turns whatever the handler returns or throws into an
 * outcome for the {@link OutcomeRecorder}, or gives the job back when it was stopped by
 * something other than its own fault (a shutdown, a lease that could not be renewed).
 *
 * <p>Owns the timer thread that interrupts handlers running past their timeout, so that no
 * slow store call of the maintenance thread can delay a timeout.
 */
final class JobRunner {

	private static final Logger logger = LoggerFactory.getLogger(JobRunner.class);

	private final TaskRegistry registry;

	private final HeldClaims held;

	private final WorkerPool workers;

	private final OutcomeRecorder outcomes;

	private final RetryBackoff retryBackoff;

	private final long leaseSafetyNanos;

	private final HandlerInvocation invocation;

	private final TaskEvents events;

	private ScheduledThreadPoolExecutor timeouts;

	JobRunner(TaskRegistry registry, HeldClaims held, WorkerPool workers, OutcomeRecorder outcomes,
			RetryBackoff retryBackoff, long leaseSafetyNanos, List<JobExecutionInterceptor> interceptors,
			TaskEvents events) {
		this.registry = registry;
		this.held = held;
		this.workers = workers;
		this.outcomes = outcomes;
		this.retryBackoff = retryBackoff;
		this.leaseSafetyNanos = leaseSafetyNanos;
		this.invocation = new HandlerInvocation(interceptors, this::started);
		this.events = events;
	}

	void start() {
		this.timeouts = new ScheduledThreadPoolExecutor(1, Threads.named("taskito-timeouts-", true));
		this.timeouts.setRemoveOnCancelPolicy(true);
	}

	void stop() {
		this.timeouts.shutdownNow();
	}

	/**
	 * Runs the job's handler on the calling worker thread and records what came of it. The
	 * job's slot is released last, so {@code close()}, which waits for free slots, never
	 * misses an outcome.
	 * @param job the job, held and with a slot taken
	 * @param args its decoded arguments
	 */
	void run(RunningJob job, Object[] args) {
		long sinceRenewal = System.nanoTime() - job.leaseRenewedNanos;
		if (sinceRenewal > this.leaseSafetyNanos) {
			// This JVM stood still (paused, swapped, starved) between the claim and now: the
			// reaper may already have given the job to another instance, so it must not start.
			logger.warn("Not starting {}: its lease was last renewed {} ms ago, more than lease - heartbeat; "
					+ "giving it back", job, sinceRenewal / 1_000_000);
			job.finished();
			try {
				this.outcomes.giveBack(job, "not started");
			}
			finally {
				this.workers.releaseSlot(job);
			}
			return;
		}
		job.started(Thread.currentThread());
		Duration timeout = (job.job.timeout() != null) ? job.job.timeout() : job.task.timeout();
		if (timeout != null) {
			job.timeoutFuture = this.timeouts.schedule(() -> job.interrupt(RunningJob.Interruption.TIMEOUT),
					timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		Outcome outcome;
		VirtualMachineError fatal = null;
		try {
			Object result = this.invocation.invoke(job, args);
			job.returnedNanos = System.nanoTime();
			outcome = (job.interruption == RunningJob.Interruption.TIMEOUT)
					? failureOrFallback(job, new IgnoredTimeoutException(), timeout)
					: succeeded(job, this.registry.codec().encodeResult(result));
		}
		catch (Throwable ex) {
			job.returnedNanos = System.nanoTime();
			if (ex instanceof VirtualMachineError error && !(ex instanceof StackOverflowError)) {
				fatal = error;
			}
			outcome = failureOrFallback(job, ex, timeout);
		}
		finally {
			if (job.timeoutFuture != null) {
				job.timeoutFuture.cancel(false);
			}
			job.finished();
		}
		afterHandler(job, outcome);
		if (fatal != null) {
			// Recorded and its slot freed: now let it end this thread as it would have (the pool
			// starts another), so the JVM's own handling (-XX:+ExitOnOutOfMemoryError) still applies.
			throw fatal;
		}
	}

	/**
	 * Marks the start, inside the job's MDC and before the interceptors, and tells the
	 * listeners on this thread: the claim that made the job RUNNING has committed.
	 */
	private void started(RunningJob job) {
		job.startedNanos = System.nanoTime();
		if (this.events.enabled()) {
			job.startedAt = Instant.now();
			this.events.publish(job.event(TaskEvent.Type.STARTED, null, null));
		}
	}

	/**
	 * The failure outcome, or, when even describing the failure fails (an
	 * {@code OutOfMemoryError} while printing the stack trace), one that names the error's
	 * type alone: a job always gets an outcome.
	 */
	private Outcome failureOrFallback(RunningJob job, Throwable ex, Duration timeout) {
		try {
			return failure(job, (job.interruption == RunningJob.Interruption.TIMEOUT)
					? "Timed out after " + timeout + " (the handler's thread was interrupted)\n" + stackTrace(ex)
					: stackTrace(ex));
		}
		catch (Throwable describing) {
			return failure(job, ex.getClass().getName());
		}
	}

	private void afterHandler(RunningJob job, Outcome outcome) {
		boolean wake = true;
		try {
			switch (job.interruption) {
				case LEASE_LOST -> {
					logger.warn("Discarding the outcome of {}: this instance lost its lease on it", job);
					this.held.remove(job.claim());
					discarded(job, "this instance lost its lease on the job");
				}
				case SHUTDOWN, LEASE_UNRENEWED -> {
					if (outcome instanceof Outcome.Succeeded) {
						// It finished despite the interrupt: its result stands if the claim is still
						// this instance's (the store fences it by claim token).
						this.outcomes.submit(job, outcome);
					}
					else {
						// Stopped by a shutdown or an unreachable store, not by its own fault.
						String when = (job.interruption == RunningJob.Interruption.SHUTDOWN) ? "at shutdown"
								: "after its lease could not be renewed";
						this.outcomes.giveBack(job, when);
						discarded(job, "given back " + when + ", its attempt not counted");
					}
				}
				default -> {
					logFailure(job, outcome);
					this.outcomes.submit(job, outcome);
					// A capped slot is refilled with the outcome, and the recorder wakes the dispatch
					// loop once it is recorded. Woken now, the loop's pass would run beside that
					// refill, which then finds the pass under way; and no claim can take the capped
					// slot before the outcome frees it in the store.
					wake = !this.outcomes.refillsWhenRecorded(job);
				}
			}
		}
		finally {
			this.workers.releaseSlot(job, wake);
		}
	}

	/**
	 * Tells the listeners that a started attempt ends without an outcome of its own, so that
	 * every start is followed by exactly one outcome event.
	 */
	private void discarded(RunningJob job, String why) {
		if (this.events.enabled()) {
			this.events.publish(job.event(TaskEvent.Type.OUTCOME_DISCARDED, why, null));
		}
	}

	private static void logFailure(RunningJob job, Outcome outcome) {
		if (outcome instanceof Outcome.Failed failed) {
			String reason = failed.error().lines().findFirst().orElse("");
			if (failed.isDead()) {
				logger.warn("{} failed for the last time and is DEAD: {}", job, reason);
			}
			else {
				logger.info("{} failed ({}); retrying in {} ms", job, reason, failed.retryDelay().toMillis());
			}
		}
	}

	/**
	 * A result too long to store fails the attempt (a cut would break its JSON), and the job
	 * is retried or DEAD by its rules.
	 */
	private Outcome succeeded(RunningJob job, String result) {
		if (StorableText.isTooLongForResult(result)) {
			return failure(job, "Task '" + job.job.taskName() + "' returned a result of " + result.length()
					+ " characters of JSON, more than the " + StorableText.MAX_RESULT_LENGTH
					+ " a job can store: return less, or keep it elsewhere and return a reference to it");
		}
		return new Outcome.Succeeded(job.claim(), result);
	}

	private Outcome failure(RunningJob job, String error) {
		int attempt = job.job.attempt();
		return new Outcome.Failed(job.claim(), error,
				(attempt > job.job.maxRetries()) ? null : this.retryBackoff.delay(attempt));
	}

	/**
	 * The whole trace, for {@link Outcome.Failed}, which cuts it to what a job keeps.
	 */
	private static String stackTrace(Throwable ex) {
		StringWriter out = new StringWriter();
		ex.printStackTrace(new PrintWriter(out));
		return out.toString();
	}

	/**
	 * Stands for a handler that returned after its timeout interrupted it: the attempt timed
	 * out all the same.
	 */
	private static final class IgnoredTimeoutException extends Exception {

		IgnoredTimeoutException() {
			super("The handler ignored the interrupt and returned after its timeout", null, false, false);
		}

	}

}
