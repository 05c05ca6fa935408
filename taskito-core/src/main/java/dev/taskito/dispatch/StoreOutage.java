package dev.taskito.dispatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks whether the store is reachable, so an outage is logged once (not once per
 * failed call), retries back off, and the reaper knows when the store came back.
 */
final class StoreOutage {

	private static final Logger logger = LoggerFactory.getLogger(StoreOutage.class);

	private static final long MIN_BACKOFF_MILLIS = 50;

	private static final long MAX_BACKOFF_MILLIS = 5_000;

	private final String instanceId;

	private final Runnable onRecovery;

	private long failingSinceNanos = -1;

	private long recoveredAtNanos = -1;

	private long backoffMillis = MIN_BACKOFF_MILLIS;

	/** The last failure of the outage under way, or {@code null} while the store answers. */
	private String problem;

	/**
	 * @param instanceId the instance, for the log
	 * @param onRecovery called when a call succeeds after failures, so that threads backing
	 *        off (the dispatch loop) start again at once rather than after their backoff
	 */
	StoreOutage(String instanceId, Runnable onRecovery) {
		this.instanceId = instanceId;
		this.onRecovery = onRecovery;
	}

	synchronized void failed(String operation, RuntimeException ex) {
		this.problem = operation + " failed: " + ex;
		if (this.failingSinceNanos < 0) {
			this.failingSinceNanos = System.nanoTime();
			logger.warn("Taskito instance {} cannot reach its store ({}): {}. Retrying with backoff; "
					+ "running jobs keep running, and no lease is reaped until the store has been back for one lease duration.",
					this.instanceId, operation, ex.toString());
		}
		else {
			this.backoffMillis = Math.min(this.backoffMillis * 2, MAX_BACKOFF_MILLIS);
		}
	}

	synchronized void succeeded() {
		if (this.failingSinceNanos >= 0) {
			long downMillis = (System.nanoTime() - this.failingSinceNanos) / 1_000_000;
			logger.info("Taskito instance {} reaches its store again after {} ms", this.instanceId, downMillis);
			this.failingSinceNanos = -1;
			this.problem = null;
			this.recoveredAtNanos = System.nanoTime();
			this.backoffMillis = MIN_BACKOFF_MILLIS;
			this.onRecovery.run();
		}
	}

	synchronized boolean isFailing() {
		return this.failingSinceNanos >= 0;
	}

	/**
	 * @return the last failure while the store is failing, or {@code null} when its last call
	 *         succeeded
	 */
	synchronized String problem() {
		return this.problem;
	}

	synchronized long backoffMillis() {
		return this.backoffMillis;
	}

	/**
	 * @return nanoTime of the last recovery, or -1 if the store never failed
	 */
	synchronized long recoveredAtNanos() {
		return this.recoveredAtNanos;
	}

}
