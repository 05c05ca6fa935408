package dev.taskito.benchmark.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.taskito.EnqueueRequest;
import dev.taskito.TaskQueue;
import dev.taskito.TaskitoDefaults;
import dev.taskito.benchmark.Benchmark;
import dev.taskito.benchmark.EnqueueThreads;
import dev.taskito.benchmark.LatencyProducer;
import dev.taskito.benchmark.Memory;
import dev.taskito.dispatch.TaskDispatcher;

/**
 * Answers the orchestrator's {@link Command}s, one {@link Reply} line each, through the
 * beans an application has: the {@link TaskQueue} to enqueue, the {@link TaskDispatcher}
 * to pause and resume the queue (absent on a producer), and the {@link BenchRecorder}.
 */
final class Control {

	private static final String QUEUE = TaskitoDefaults.QUEUE;

	private final TaskQueue queue;

	private final TaskDispatcher dispatcher;

	private final BenchRecorder recorder;

	/**
	 * @param queue the application's queue
	 * @param dispatcher its dispatcher, or {@code null} when it only enqueues
	 * @param recorder what its tasks recorded
	 */
	Control(TaskQueue queue, TaskDispatcher dispatcher, BenchRecorder recorder) {
		this.queue = queue;
		this.dispatcher = dispatcher;
		this.recorder = recorder;
	}

	/**
	 * Answers commands until {@code EXIT} or the end of the input (the orchestrator went away).
	 * @param in the commands
	 * @param out where the replies go
	 * @throws IOException if the input cannot be read
	 */
	void serve(BufferedReader in, PrintStream out) throws IOException {
		String line;
		while ((line = in.readLine()) != null) {
			if (line.isBlank()) {
				continue;
			}
			String reply;
			boolean exit = false;
			try {
				Command command = Command.parse(line);
				exit = command.name().equals(Command.EXIT);
				reply = exit ? Reply.ok() : handle(command);
			}
			catch (Exception ex) {
				reply = Reply.error(ex.getClass().getSimpleName() + ": " + ex.getMessage());
				if (ex instanceof InterruptedException) {
					Thread.currentThread().interrupt();
				}
			}
			out.println(reply);
			out.flush();
			if (exit) {
				return;
			}
		}
	}

	String handle(Command command) throws Exception {
		BenchRecorder.Run run = this.recorder.run();
		return switch (command.name()) {
			case Command.RESET -> {
				this.recorder.reset();
				yield Reply.ok();
			}
			case Command.GO -> {
				dispatcher(command).resumeQueue(QUEUE);
				yield Reply.ok();
			}
			case Command.PAUSE -> {
				dispatcher(command).pauseQueue(QUEUE);
				yield Reply.ok();
			}
			case Command.STATS -> Reply.ok("noop", run.noop(), "capped", run.capped(), "first", run.firstStart(),
					"last", run.lastFinish(), "running", (this.dispatcher != null) ? this.dispatcher.runningJobs() : 0,
					"now", LatencyProducer.nowMicros());
			case Command.SPANS -> Reply.ok("highest", run.cappedHighest(), "spans", run.cappedSpans());
			case Command.LATENCY -> Reply.ok("samples", run.latencies());
			case Command.MEMORY -> {
				Memory memory = Memory.measure();
				// What the heap holds on to after the collection: RSS counts committed pages, used or not.
				long committed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
				yield Reply.ok("heap", memory.heapMiB(), "committed", Benchmark.round(committed / 1048576.0, 1), "rss",
						memory.rssMiB());
			}
			case Command.ENQUEUE -> enqueueAll(command.text(0, "a task"), (int) command.number(1, "a job count"),
					(int) command.number(2, "a batch size"),
					(command.args().size() > 3) ? (int) command.number(3, "a key count") : 0);
			case Command.ENQUEUE_SINGLE -> enqueueSingle((int) command.number(0, "a job count"),
					(int) command.number(1, "a thread count"));
			case Command.PRODUCE -> produce((int) command.number(0, "a rate"), command.decimal(1, "seconds"),
					command.decimal(2, "warm-up seconds"));
			default -> throw new IllegalArgumentException("Unknown command " + command.name());
		};
	}

	private TaskDispatcher dispatcher(Command command) {
		if (this.dispatcher == null) {
			throw new IllegalStateException(command.name() + ": this application has no dispatcher");
		}
		return this.dispatcher;
	}

	/**
	 * The batches are built before the clock starts: it times {@code enqueueAll} alone. With
	 * keys, the jobs carry concurrency keys {@code k0, k1, ...} round-robin.
	 */
	private String enqueueAll(String task, int jobs, int batchSize, int keys) {
		List<List<EnqueueRequest>> batches = new ArrayList<>();
		for (int from = 0; from < jobs; from += batchSize) {
			List<EnqueueRequest> batch = new ArrayList<>(batchSize);
			for (int i = from; i < Math.min(from + batchSize, jobs); i++) {
				batch.add((keys > 0) ? EnqueueRequest.of(task).concurrencyKey("k" + (i % keys)) : EnqueueRequest.of(task));
			}
			batches.add(batch);
		}
		long start = System.nanoTime();
		for (List<EnqueueRequest> batch : batches) {
			this.queue.enqueueAll(batch);
		}
		return Reply.ok("jobs", jobs, "micros", (System.nanoTime() - start) / 1_000);
	}

	private String enqueueSingle(int jobs, int threads) throws InterruptedException {
		long elapsed = EnqueueThreads.run(this.queue, jobs, threads);
		return Reply.ok("jobs", jobs, "micros", elapsed / 1_000);
	}

	private String produce(int rate, double seconds, double warmupSeconds) {
		long[] callMicros = new long[(int) Math.round(rate * seconds)];
		int sent = LatencyProducer.produce(this.queue, rate, seconds, warmupSeconds, callMicros);
		Arrays.sort(callMicros);
		return Reply.ok("sent", sent, "callP50", Benchmark.percentile(callMicros, 0.50), "callP99",
				Benchmark.percentile(callMicros, 0.99));
	}

}
