package dev.taskito.benchmark;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskHandler;

/**
 * The latency workload's producer, normally in a JVM of its own so that the consumer is woken
 * across processes (PostgreSQL NOTIFY, Redis pub/sub) and not by the local enqueue listener.
 * It enqueues single jobs at a fixed rate; each job's argument is the wall-clock time in
 * microseconds taken just before its {@code enqueue} call. Jobs of the warm-up carry
 * {@code -1} and are not measured.
 *
 * <p>Prints {@code READY} once its store is up and {@code DONE <n>} after the last enqueue.
 */
public final class LatencyProducer {

	/** The latency workload's task, on both paths. */
	public static final String TASK = "latency";

	private LatencyProducer() {
	}

	public static void main(String[] args) throws Exception {
		List<String> storeArgs = new ArrayList<>();
		String namespace = null;
		int rate = 200;
		double seconds = 20;
		double warmupSeconds = 1;
		for (String arg : args) {
			String value = arg.substring(arg.indexOf('=') + 1);
			if (arg.startsWith("--namespace=")) {
				namespace = value;
			}
			else if (arg.startsWith("--rate=")) {
				rate = Integer.parseInt(value);
			}
			else if (arg.startsWith("--seconds=")) {
				seconds = Double.parseDouble(value);
			}
			else if (arg.startsWith("--warmup-seconds=")) {
				warmupSeconds = Double.parseDouble(value);
			}
			else {
				storeArgs.add(arg);
			}
		}
		Options options = Options.parse(storeArgs.toArray(new String[0]));
		try (Backend backend = Backend.create(options.stores().get(0), options);
				Instance producer = Instance.start(backend, namespace, List.of(task((sent) -> {
				})), 0)) {
			System.out.println("READY");
			System.out.flush();
			long[] enqueueMicros = new long[(int) Math.round(rate * seconds)];
			int sent = produce(producer.queue, rate, seconds, warmupSeconds, enqueueMicros);
			java.util.Arrays.sort(enqueueMicros);
			System.out.println("DONE " + sent + " " + Benchmark.percentile(enqueueMicros, 0.50) + " "
					+ Benchmark.percentile(enqueueMicros, 0.99));
			System.out.flush();
		}
		System.exit(0);
	}

	/**
	 * Enqueues {@code rate × warmupSeconds} unmeasured jobs, then {@code rate × seconds}
	 * measured ones, on a fixed schedule (a late enqueue does not shift the ones after it).
	 * Used by the core path's producer and by the starter path's applications alike.
	 * @param queue the queue to enqueue on
	 * @param rate jobs per second
	 * @param seconds how long to send measured jobs
	 * @param warmupSeconds how long to send unmeasured ones first
	 * @param enqueueMicros receives how long each measured {@code enqueue} call took
	 * @return the measured jobs sent
	 */
	public static int produce(TaskQueue queue, int rate, double seconds, double warmupSeconds, long[] enqueueMicros) {
		int warmup = (int) Math.round(rate * warmupSeconds);
		int measured = (int) Math.round(rate * seconds);
		long periodNanos = 1_000_000_000L / rate;
		long start = System.nanoTime();
		for (int i = 0; i < warmup + measured; i++) {
			long due = start + i * periodNanos;
			long wait;
			while ((wait = due - System.nanoTime()) > 0) {
				LockSupport.parkNanos(wait);
			}
			long before = System.nanoTime();
			queue.enqueue(TASK, (i < warmup) ? -1L : nowMicros());
			if (i >= warmup && i - warmup < enqueueMicros.length) {
				enqueueMicros[i - warmup] = (System.nanoTime() - before) / 1_000;
			}
		}
		return measured;
	}

	/**
	 * Wall-clock microseconds: comparable between two JVMs on one host.
	 * @return microseconds since the epoch
	 */
	public static long nowMicros() {
		Instant now = Clock.systemUTC().instant();
		return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
	}

	/** What the consumer does with a job's send time. */
	@FunctionalInterface
	interface Receiver {

		void received(long sentMicros);

	}

	static TaskDefinition task(Receiver receiver) {
		return TaskDefinition.of(TASK, Instance.handler(List.of(new TaskHandler.Parameter("sentMicros", long.class)),
				(args) -> receiver.received(((Number) args[0]).longValue())));
	}

}
