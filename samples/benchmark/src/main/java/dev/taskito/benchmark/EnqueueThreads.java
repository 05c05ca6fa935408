package dev.taskito.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import dev.taskito.TaskQueue;

/**
 * Single {@code enqueue} calls of no-op jobs from several threads at once, started together:
 * the enqueue workload of both paths.
 */
public final class EnqueueThreads {

	private EnqueueThreads() {
	}

	/**
	 * @param queue where to enqueue
	 * @param jobs how many jobs in all, shared out evenly
	 * @param threads how many threads
	 * @return how long the calls took, in nanoseconds, from the start signal to the last
	 * thread's end
	 * @throws InterruptedException if interrupted while waiting for the threads
	 * @throws IllegalStateException if a thread's call failed
	 */
	public static long run(TaskQueue queue, int jobs, int threads) throws InterruptedException {
		CountDownLatch go = new CountDownLatch(1);
		List<Thread> producers = new ArrayList<>();
		AtomicLong failures = new AtomicLong();
		for (int t = 0; t < threads; t++) {
			int share = jobs / threads + ((t < jobs % threads) ? 1 : 0);
			Thread thread = new Thread(() -> {
				try {
					go.await();
					for (int i = 0; i < share; i++) {
						queue.enqueue("noop");
					}
				}
				catch (InterruptedException | RuntimeException ex) {
					failures.incrementAndGet();
					ex.printStackTrace();
				}
			}, "bench-enqueue-" + t);
			thread.start();
			producers.add(thread);
		}
		long start = System.nanoTime();
		go.countDown();
		for (Thread thread : producers) {
			thread.join();
		}
		long elapsed = System.nanoTime() - start;
		if (failures.get() > 0) {
			throw new IllegalStateException(failures.get() + " enqueue thread(s) failed");
		}
		return elapsed;
	}

}
