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
	 * Waits up to 30 seconds for a thread to end; keeps the caller's interrupt.
	 */
	static void join(Thread thread) {
		if (thread == null) {
			return;
		}
		try {
			thread.join(TimeUnit.SECONDS.toMillis(30));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	static void sleepMillis(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
