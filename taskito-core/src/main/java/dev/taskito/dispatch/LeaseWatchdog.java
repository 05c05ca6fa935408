package dev.taskito.dispatch;

import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops handlers whose lease may be lost, whatever the store calls are doing. Every few
 * hundred milliseconds, on a thread of its own that never calls the store, it interrupts
 * each running handler whose lease was last confirmed renewed more than lease - heartbeat
 * ago, measured on this JVM's monotonic clock from when that renewal's request was
 * <em>sent</em>: the store renewed it no earlier, so another instance can reap the job no
 * sooner than lease + grace after that moment, and the handler is told at least one
 * heartbeat interval before. A heartbeat that fails, or hangs on an exhausted pool or a
 * silent network, therefore never leaves a handler running into another instance's run of
 * the same job.
 *
 * <p>A handler that ignores its interrupt (from here, its timeout or a shutdown) keeps its
 * worker slot and its place in this instance's caps until it returns; the watchdog logs
 * its stack once per lease duration and counts it.
 */
final class LeaseWatchdog {

	private static final Logger logger = LoggerFactory.getLogger(LeaseWatchdog.class);

	private final HeldClaims held;

	private final DispatcherSettings settings;

	private final StepFailures failures;

	private final AtomicLong ignoredInterrupts = new AtomicLong();

	private ScheduledExecutorService thread;

	LeaseWatchdog(HeldClaims held, DispatcherSettings settings, StepFailures failures) {
		this.held = held;
		this.settings = settings;
		this.failures = failures;
	}

	void start() {
		long tickMillis = Math.max(10, Math.min(250, this.settings.heartbeatInterval().toMillis() / 4));
		this.thread = Executors.newSingleThreadScheduledExecutor(Threads.named("taskito-lease-watchdog-", true));
		this.thread.scheduleWithFixedDelay(this.failures.guarded("lease watchdog", this::check), tickMillis,
				tickMillis, TimeUnit.MILLISECONDS);
	}

	void stop() {
		this.thread.shutdownNow();
	}

	/**
	 * @return how many times a handler was found still running a lease duration after it was
	 *         interrupted, since this instance started
	 */
	long ignoredInterrupts() {
		return this.ignoredInterrupts.get();
	}

	private void check() {
		long now = System.nanoTime();
		long safety = this.settings.leaseSafetyNanos();
		for (RunningJob job : this.held.values()) {
			if (job.returned || job.outcomeSubmitted) {
				continue;
			}
			long sinceRenewal = now - job.leaseRenewedNanos;
			if (sinceRenewal > safety && job.interruption == RunningJob.Interruption.NONE) {
				logger.warn("{} may lose its lease (last renewed {} ms ago, more than lease - heartbeat); "
						+ "interrupting it before another instance can take it over", job, sinceRenewal / 1_000_000);
				job.interrupt(RunningJob.Interruption.LEASE_UNRENEWED);
			}
			reportIgnoredInterrupt(job, now);
		}
	}

	/**
	 * Logs, once per lease duration, a handler still running although it was interrupted.
	 */
	private void reportIgnoredInterrupt(RunningJob job, long now) {
		long interruptedAt = job.interruptedNanos;
		Thread running = job.thread;
		if (interruptedAt == 0 || running == null || now - interruptedAt < this.settings.leaseDuration().toNanos()) {
			return;
		}
		job.interruptedNanos = now;
		this.ignoredInterrupts.incrementAndGet();
		String stack = Arrays.stream(running.getStackTrace()).map((frame) -> "\tat " + frame)
			.collect(Collectors.joining("\n"));
		logger.warn("{} was interrupted ({}) but its handler is still running on {}; it keeps its worker slot and "
				+ "its place in the caps until it returns. Its stack:\n{}", job, job.interruption, running.getName(),
				stack);
	}

}
