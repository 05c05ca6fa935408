package dev.taskito.dispatch;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A wake-up that is never lost: {@link #wake()} before {@link #await} makes the next
 * await return at once. Lets an idle dispatcher sleep until there is work instead of
 * polling.
 */
final class WakeSignal {

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition woken = this.lock.newCondition();

	private boolean pending;

	void wake() {
		this.lock.lock();
		try {
			this.pending = true;
			this.woken.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits for a wake-up or the timeout, whichever comes first, and consumes the wake-up.
	 * @param nanos the longest wait
	 * @return whether a wake-up arrived
	 */
	boolean await(long nanos) throws InterruptedException {
		this.lock.lock();
		try {
			long remaining = nanos;
			while (!this.pending && remaining > 0) {
				remaining = this.woken.awaitNanos(remaining);
			}
			boolean wasWoken = this.pending;
			this.pending = false;
			return wasWoken;
		}
		finally {
			this.lock.unlock();
		}
	}

	static long millis(long millis) {
		return TimeUnit.MILLISECONDS.toNanos(millis);
	}

}
