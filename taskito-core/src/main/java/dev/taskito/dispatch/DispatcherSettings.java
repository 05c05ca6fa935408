package dev.taskito.dispatch;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * The settings a {@link TaskDispatcher} was built with, checked once and shared by its
 * parts.
 *
 * @param instanceId this instance's id, unique per process start
 * @param concurrency worker threads
 * @param workerThreads makes the worker threads, or {@code null} for platform threads
 * @param pollInterval the longest an idle dispatcher waits
 * @param batchSize the most jobs one pass claims
 * @param leaseDuration how long a claim lives without a heartbeat
 * @param heartbeatInterval how often leases are renewed
 * @param reaperGrace how long after expiry the reaper takes a job back
 * @param retryBackoff the first retry's delay
 * @param retryMaxBackoff the longest retry delay
 * @param shutdownTimeout how long {@code close()} waits for running jobs
 * @param retentionSucceeded how long succeeded and cancelled jobs are kept
 * @param retentionDead how long dead jobs are kept
 */
record DispatcherSettings(String instanceId, int concurrency, ThreadFactory workerThreads, Duration pollInterval,
		int batchSize, Duration leaseDuration, Duration heartbeatInterval, Duration reaperGrace,
		Duration retryBackoff, Duration retryMaxBackoff, Duration shutdownTimeout, Duration retentionSucceeded,
		Duration retentionDead) {

	DispatcherSettings {
		Objects.requireNonNull(instanceId, "instanceId");
		requirePositive(concurrency, "concurrency");
		requirePositive(pollInterval, "pollInterval");
		requirePositive(batchSize, "batchSize");
		requirePositive(leaseDuration, "leaseDuration");
		requirePositive(heartbeatInterval, "heartbeatInterval");
		Objects.requireNonNull(reaperGrace, "reaperGrace");
		requirePositive(retryBackoff, "retryBackoff");
		requirePositive(retryMaxBackoff, "retryMaxBackoff");
		Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
		requirePositive(retentionSucceeded, "retention.succeeded");
		requirePositive(retentionDead, "retention.dead");
		if (heartbeatInterval.compareTo(leaseDuration) >= 0) {
			throw new IllegalArgumentException("heartbeatInterval (" + heartbeatInterval
					+ ") must be shorter than leaseDuration (" + leaseDuration
					+ "), or leases expire between heartbeats: set taskito.lease.heartbeat-interval to at most a third of taskito.lease.duration");
		}
	}

	/**
	 * @return how long after its last renewal this instance still counts a lease as its own:
	 *         lease - heartbeat, as DESIGN.md says, so one heartbeat is left to stop a handler
	 *         before the reaper can give its job to another instance
	 */
	long leaseSafetyNanos() {
		return this.leaseDuration.minus(this.heartbeatInterval).toNanos();
	}

	private static void requirePositive(int value, String name) {
		if (value < 1) {
			throw new IllegalArgumentException(name + " must be at least 1, was " + value);
		}
	}

	private static void requirePositive(Duration value, String name) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(name + " must be a positive duration, was " + value);
		}
	}

}
