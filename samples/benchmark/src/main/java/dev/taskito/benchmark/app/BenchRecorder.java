package dev.taskito.benchmark.app;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

import org.springframework.stereotype.Component;

import dev.taskito.benchmark.LatencyProducer;

/**
 * What this JVM's handlers saw during one run, in wall-clock microseconds (comparable
 * between the JVMs on one host, so the orchestrator can merge them). {@link #reset()}
 * starts a new run; it is called between runs, when no handler is running.
 */
@Component
public class BenchRecorder {

	private volatile Run run = new Run();

	/**
	 * Forgets everything recorded so far.
	 */
	public void reset() {
		this.run = new Run();
	}

	/**
	 * @return the current run's records
	 */
	public Run run() {
		return this.run;
	}

	/**
	 * The records of one run.
	 */
	public static final class Run {

		private final LongAccumulator firstStart = new LongAccumulator(Math::min, Long.MAX_VALUE);

		private final LongAccumulator lastFinish = new LongAccumulator(Math::max, Long.MIN_VALUE);

		private final LongAdder noop = new LongAdder();

		private final AtomicInteger cappedRunning = new AtomicInteger();

		private final LongAccumulator cappedHighest = new LongAccumulator(Math::max, 0);

		private final LongAdder capped = new LongAdder();

		private final Queue<long[]> cappedSpans = new ConcurrentLinkedQueue<>();

		private final Queue<Long> latencies = new ConcurrentLinkedQueue<>();

		void noopRan() {
			long now = LatencyProducer.nowMicros();
			this.firstStart.accumulate(now);
			this.lastFinish.accumulate(now);
			this.noop.increment();
		}

		/**
		 * @return the start time, for {@link #cappedFinished(long)}
		 */
		long cappedStarted() {
			long start = LatencyProducer.nowMicros();
			this.cappedHighest.accumulate(this.cappedRunning.incrementAndGet());
			return start;
		}

		void cappedFinished(long start) {
			this.cappedRunning.decrementAndGet();
			long end = LatencyProducer.nowMicros();
			this.cappedSpans.add(new long[] { start, end });
			this.firstStart.accumulate(start);
			this.lastFinish.accumulate(end);
			this.capped.increment();
		}

		void latencyReceived(long sentMicros) {
			long now = LatencyProducer.nowMicros();
			if (sentMicros >= 0) {
				this.latencies.add(now - sentMicros);
			}
		}

		/**
		 * @return the earliest handler start, {@code Long.MAX_VALUE} before any
		 */
		public long firstStart() {
			return this.firstStart.get();
		}

		/**
		 * @return the latest handler finish, {@code Long.MIN_VALUE} before any
		 */
		public long lastFinish() {
			return this.lastFinish.get();
		}

		/**
		 * @return {@code noop} jobs run
		 */
		public long noop() {
			return this.noop.sum();
		}

		/**
		 * @return {@code capped} jobs run
		 */
		public long capped() {
			return this.capped.sum();
		}

		/**
		 * @return the most {@code capped} handlers this JVM ran at once
		 */
		public long cappedHighest() {
			return this.cappedHighest.get();
		}

		/**
		 * @return the {@code capped} handlers' intervals, flattened: start, end, start, end...
		 */
		public long[] cappedSpans() {
			List<long[]> spans = List.copyOf(this.cappedSpans);
			long[] flat = new long[spans.size() * 2];
			for (int i = 0; i < spans.size(); i++) {
				flat[2 * i] = spans.get(i)[0];
				flat[2 * i + 1] = spans.get(i)[1];
			}
			return flat;
		}

		/**
		 * @return the measured {@code latency} jobs' start minus send times
		 */
		public long[] latencies() {
			return this.latencies.stream().mapToLong(Long::longValue).toArray();
		}

	}

}
