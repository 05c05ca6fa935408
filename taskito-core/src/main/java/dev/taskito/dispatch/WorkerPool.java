package dev.taskito.dispatch;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker threads and their slots. A slot is taken when a job is claimed and freed when
 * its handler returns or its claim is given back, so the pool is never handed more jobs
 * than it has threads: the dispatch pass claims no more than {@link #freeSlots()}.
 *
 * <p>Every freed slot wakes the dispatch loop, which may then claim again, except the slot of a
 * capped job, whose refill rides on its outcome (see {@link OutcomeRecorder#refillsWhenRecorded}).
 */
final class WorkerPool {

	private final int concurrency;

	private final ThreadFactory threadFactory;

	private final WakeSignal wakeSignal;

	/** Worker slots taken: from the claim until the handler returns (or the claim is given back). */
	private final AtomicInteger busySlots = new AtomicInteger();

	/** A moving average of how long a slot stays busy after its job is handed to a worker. */
	private volatile long slotNanosAverage;

	private ThreadPoolExecutor executor;

	/**
	 * @param concurrency the number of worker threads
	 * @param threadFactory makes them, or {@code null} for platform threads named {@code taskito-worker-N}
	 * @param wakeSignal woken whenever a slot frees
	 */
	WorkerPool(int concurrency, ThreadFactory threadFactory, WakeSignal wakeSignal) {
		this.concurrency = concurrency;
		this.threadFactory = (threadFactory != null) ? threadFactory : Threads.named("taskito-worker-", false);
		this.wakeSignal = wakeSignal;
	}

	void start() {
		this.executor = new ThreadPoolExecutor(this.concurrency, this.concurrency, 0, TimeUnit.SECONDS,
				new LinkedBlockingQueue<>(), this.threadFactory);
	}

	int concurrency() {
		return this.concurrency;
	}

	int freeSlots() {
		return this.concurrency - this.busySlots.get();
	}

	/**
	 * Takes a slot for a job just claimed.
	 */
	void takeSlot() {
		this.busySlots.incrementAndGet();
	}

	/**
	 * Frees the slot of a job whose handler returned, or whose claim was given back or lost.
	 * @param job the job, or {@code null} when it was no longer held (nothing to free)
	 */
	void releaseSlot(RunningJob job) {
		releaseSlot(job, true);
	}

	/**
	 * Frees the slot of a job whose handler returned.
	 * @param job the job, or {@code null} when it was no longer held (nothing to free)
	 * @param wake whether to wake the dispatch loop; {@code false} only when something else
	 *        wakes it soon (the outcome recorder, once it has recorded the job's outcome)
	 */
	void releaseSlot(RunningJob job, boolean wake) {
		if (job != null) {
			if (job.handedNanos != 0) {
				// A racy average is good enough: it only tunes how long a pass waits for more free slots.
				long busyNanos = System.nanoTime() - job.handedNanos;
				this.slotNanosAverage += (busyNanos - this.slotNanosAverage) / 8;
			}
			this.busySlots.decrementAndGet();
			if (wake) {
				this.wakeSignal.wake();
			}
		}
	}

	/**
	 * @return how long a slot stays busy after its job is handed over, on average
	 */
	long slotNanosAverage() {
		return this.slotNanosAverage;
	}

	/**
	 * Runs a job's handler on a worker thread; its slot was taken at the claim.
	 */
	void execute(RunningJob job, Runnable run) {
		job.handedNanos = System.nanoTime();
		this.executor.execute(run);
	}

	/**
	 * Waits until every slot is free or the timeout passes.
	 */
	void awaitIdle(long timeoutNanos) {
		long deadline = System.nanoTime() + timeoutNanos;
		while (this.busySlots.get() > 0 && deadline - System.nanoTime() > 0) {
			try {
				this.wakeSignal.await(WakeSignal.millis(10));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/**
	 * Lets each thread end once its handler returns; waits for none of them (the caller
	 * waited for free slots already).
	 */
	void shutdown() {
		this.executor.shutdown();
	}

}
