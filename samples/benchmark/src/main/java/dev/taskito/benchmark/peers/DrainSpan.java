package dev.taskito.benchmark.peers;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The drain's clock, kept by the no-op handlers themselves: the first handler start and the
 * last handler finish, in wall-clock microseconds ({@link Instant#now()}), the same measure
 * Taskito's drain is held to. Handlers of any number of threads record into one span.
 */
final class DrainSpan {

	private final LongAccumulator firstStart = new LongAccumulator(Math::min, Long.MAX_VALUE);

	private final LongAccumulator lastFinish = new LongAccumulator(Math::max, Long.MIN_VALUE);

	private final LongAdder finished = new LongAdder();

	/** The whole body of a peer's no-op handler. */
	void noop() {
		this.firstStart.accumulate(nowMicros());
		this.lastFinish.accumulate(nowMicros());
		this.finished.increment();
	}

	long finished() {
		return this.finished.sum();
	}

	/**
	 * Waits until {@code jobs} handlers have finished, saying on stderr how far it got every 15 s.
	 * @param jobs the jobs of the drain
	 * @param timeout how long the whole drain may take
	 * @param what the drain's name for the messages
	 * @throws IllegalStateException if the drain did not finish in time
	 */
	void await(long jobs, Duration timeout, String what) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		long lastReport = System.nanoTime();
		while (finished() < jobs) {
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException(what + ": only " + finished() + " of " + jobs + " jobs ran within "
						+ timeout.toSeconds() + " s");
			}
			if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(15)) {
				lastReport = System.nanoTime();
				System.err.printf("    %s: %,d of %,d jobs ran so far%n", what, finished(), jobs);
			}
			Thread.sleep(2);
		}
	}

	/**
	 * @param jobs the jobs of the drain, all finished
	 * @return jobs per second from the first handler start to the last handler finish
	 */
	double jobsPerSecond(long jobs) {
		return rate(jobs, this.firstStart.get(), this.lastFinish.get());
	}

	static double rate(long jobs, long firstStartMicros, long lastFinishMicros) {
		// A span shorter than the clock's resolution counts as one microsecond, not as infinity.
		return jobs / (Math.max(1, lastFinishMicros - firstStartMicros) / 1e6);
	}

	static long nowMicros() {
		Instant now = Instant.now();
		return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
	}

}
