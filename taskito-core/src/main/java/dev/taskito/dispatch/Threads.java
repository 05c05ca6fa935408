package dev.taskito.dispatch;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread helpers the dispatcher's parts share.
 */
final class Threads {

	private Threads() {
	}

	/**
	 * @return a factory of threads named {@code prefix} and a running number
	 */
	static ThreadFactory named(String prefix, boolean daemon) {
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
			thread.setDaemon(daemon);
			return thread;
		};
	}

	/**
	 * Waits up to {@code timeoutNanos} (at least a millisecond) for a thread to end; keeps the
	 * caller's interrupt.
	 */
	static void join(Thread thread, long timeoutNanos) {
		if (thread == null) {
			return;
		}
		try {
			thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Sleeps; an interrupt ends the sleep and stays set.
	 * @return whether it slept the whole time
	 */
	static boolean sleepMillis(long millis) {
		try {
			Thread.sleep(millis);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

}
