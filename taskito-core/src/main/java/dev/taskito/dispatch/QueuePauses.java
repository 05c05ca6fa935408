package dev.taskito.dispatch;

import java.time.Duration;
import java.util.Set;

import dev.taskito.store.ClaimStore;

/**
 * Which queues are paused. The pause is kept in the store, so it holds on every instance;
 * this instance reads it at most once per poll interval, and at once after it paused or
 * resumed a queue itself.
 */
final class QueuePauses {

	private final ClaimStore store;

	private final long maxAgeNanos;

	private volatile Set<String> paused = Set.of();

	private volatile long readAtNanos;

	private volatile boolean stale = true;

	QueuePauses(ClaimStore store, Duration pollInterval) {
		this.store = store;
		this.maxAgeNanos = pollInterval.toNanos();
	}

	/**
	 * @return the paused queues, as the store had them at most a poll interval ago
	 */
	Set<String> current() {
		long now = System.nanoTime();
		if (this.stale || now - this.readAtNanos > this.maxAgeNanos) {
			this.stale = false;
			this.paused = this.store.pausedQueues();
			this.readAtNanos = now;
		}
		return this.paused;
	}

	/**
	 * The paused queues without a store call unless this instance paused or resumed one since
	 * the last read: for a claim made with outcomes, whose round trip is the refill of a
	 * capped slot. The dispatch loop's passes, at least one per poll interval, keep what
	 * this returns at most about a poll interval old.
	 * @return the paused queues
	 */
	Set<String> known() {
		if (this.stale) {
			return current();
		}
		return this.paused;
	}

	void markStale() {
		this.stale = true;
	}

	void pause(String queue) {
		this.store.setQueuePaused(queue, true);
		this.stale = true;
	}

	void resume(String queue) {
		this.store.setQueuePaused(queue, false);
		this.stale = true;
	}

}
