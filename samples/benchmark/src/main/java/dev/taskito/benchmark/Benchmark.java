package dev.taskito.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

import tools.jackson.databind.json.JsonMapper;

import dev.taskito.EnqueueRequest;
import dev.taskito.benchmark.instrumentation.InstrumentationCost;
import dev.taskito.benchmark.peers.PeerOptions;
import dev.taskito.benchmark.peers.PeerResult;
import dev.taskito.benchmark.peers.Peers;
import dev.taskito.dispatch.TaskDefinition;

/**
 * Runs the workloads of issue 5 against H2, PostgreSQL and Redis and prints one table (and
 * the same figures as JSON). Every workload drops its namespace first, warms up, and
 * reports the median of its measured runs. Run it with
 * {@code mvn -q -pl samples/benchmark -am test-compile exec:exec -Dbenchmark.args="--quick"}.
 *
 * <p>Two paths (issue 11). The <em>starter</em> path, the default, measures the product:
 * {@link StarterPath} starts workers and producers as Spring Boot applications with the
 * starter, each in its own JVM, and drives them over stdin/stdout. The <em>core</em> path
 * ({@code --path=core}), a diagnostic, drives {@code taskito-core} directly with the
 * benchmark's own pools, every instance in this JVM; its workloads are the methods of this
 * class.
 */
public final class Benchmark {

	/** The cap per key of the drain with --keys: it never binds while keys x 2 exceed the workers. */
	private static final int KEY_CAP = 2;

	private static final String ENQUEUE_NAMESPACE = "tbench_enqueue";

	/** The idle instance and the latency consumer have the drain's default worker count. */
	private static final int LATENCY_WORKERS = 16;

	private static final int ENQUEUE_THREADS = 8;

	private static final int BATCH = 500;

	private static final int CAP = 2;

	private static final int CAP_WORKERS = 4;

	private static final long CAP_JOB_MILLIS = 50;

	private final Options options;

	private final Options.Sizes sizes;

	/** Per store, per figure: the reported value (a median, or a single measurement). */
	private final Map<String, Map<String, Object>> results = new LinkedHashMap<>();

	private final String[] args;

	private Benchmark(Options options, String[] args) {
		this.options = options;
		this.args = args;
		this.sizes = options.sizes();
	}

	public static void main(String[] args) throws Exception {
		Options options;
		try {
			options = Options.parse(args);
		}
		catch (Options.UsageException ex) {
			if (ex.getMessage() != null) {
				System.err.println(ex.getMessage());
			}
			System.err.print(Options.USAGE);
			System.exit(ex.getMessage() == null ? 0 : 2);
			return;
		}
		if (options.instrumentation()) {
			InstrumentationCost.run(Math.max(options.runs(), 5));
			System.exit(0);
			return;
		}
		int failures = new Benchmark(options, args).run();
		System.exit(failures == 0 ? 0 : 1);
	}

	private int run() {
		String loadBefore = loadAverage();
		System.err.printf("Taskito benchmark%s, %s path: stores %s, workloads %s, median of %d run(s); %d cores, load %s%n",
				this.options.quick() ? " (--quick)" : "", this.options.path(), this.options.stores(), this.options.workloads(),
				this.options.runs(), Runtime.getRuntime().availableProcessors(), loadBefore);
		int failures = 0;
		for (String store : this.options.stores()) {
			if (this.options.stores().size() > 1) {
				// A JVM per store: its memory figures and its JIT and GC state owe nothing to the stores before it.
				failures += runInOwnJvm(store);
				continue;
			}
			Map<String, Object> figures = new LinkedHashMap<>();
			this.results.put(store, figures);
			long started = System.nanoTime();
			if (this.options.starterPath()) {
				failures += runStarterPath(store, figures);
				figures.put("seconds", round((System.nanoTime() - started) / 1e9, 1));
				continue;
			}
			try (Backend backend = Backend.create(store, this.options)) {
				for (String workload : this.options.workloads()) {
					switch (workload) {
						case "memory" -> memoryIdle(backend, figures);
						case "drain" -> drain(backend, figures);
						case "enqueue" -> enqueue(backend, figures);
						case "latency" -> latency(backend, figures);
						case "cap" -> cap(backend, figures);
						case "dashboard" -> DashboardLoad.run(backend, figures, this.sizes.dashboardJobs(),
								this.options.runs());
						default -> throw new IllegalStateException(workload);
					}
				}
			}
			catch (Exception ex) {
				failures++;
				figures.put("error", String.valueOf(ex));
				System.err.println("[" + store + "] failed: " + ex);
				ex.printStackTrace();
			}
			figures.put("seconds", round((System.nanoTime() - started) / 1e9, 1));
		}
		failures += runPeers();
		String loadAfter = loadAverage();
		String table = Report.table(this.results, this.options);
		System.out.println();
		System.out.print(table);
		System.out.printf("%d cores; load average before %s, after %s%n", Runtime.getRuntime().availableProcessors(),
				loadBefore, loadAfter);
		writeJson(loadBefore, loadAfter);
		return failures;
	}

	/**
	 * The peers' drains on PostgreSQL, after Taskito's, with the same jobs, workers and runs;
	 * each figure goes beside PostgreSQL's with Taskito's 1-instance drain as a ratio to it.
	 * @return how many peers failed
	 */
	private int runPeers() {
		Map<String, Object> figures = this.results.get("postgres");
		// With several stores, PostgreSQL's own JVM ran the peers beside its figures.
		if (this.options.peers().isEmpty() || figures == null || !this.options.workloads().contains("drain")
				|| this.options.stores().size() > 1) {
			return 0;
		}
		int failures = 0;
		for (String peer : this.options.peers()) {
			String key = "peer-" + peer;
			try {
				PeerResult result = Peers.drain(PeerOptions.defaults(peer)
					.withDatabase(this.options.jdbcUrl(), this.options.jdbcUser(), this.options.jdbcPassword())
					.withDrain(this.sizes.drainJobs(), this.sizes.drainWarmups(1) * this.sizes.drainWarmupJobs(),
							this.options.drainWorkers(), this.options.runs()));
				figures.put(key + "-drain1", round(result.median(), 0));
				figures.put(key + "-drain1Runs", result.runs().stream().map((value) -> round(value, 0)).toList());
				if (figures.get("drain1") instanceof Number taskito && result.median() > 0) {
					figures.put(key + "-ratio", round(taskito.doubleValue() / result.median(), 2));
				}
				System.err.printf("[postgres] %s drain 1x%d: %s jobs/s (runs %s)%n", peer, this.options.drainWorkers(),
						Report.format(round(result.median(), 0)), result.runs());
			}
			catch (RuntimeException ex) {
				failures++;
				figures.put(key + "-drain1", "error: " + ex.getMessage());
				System.err.println("[postgres] the " + peer + " drain failed: " + ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
		return failures;
	}

	/** The workloads on the starter path: Spring Boot applications in JVMs of their own. */
	private int runStarterPath(String store, Map<String, Object> figures) {
		try (StarterStore starterStore = StarterStore.create(store, this.options)) {
			String warning = starterStore.stockSettingsWarning();
			if (warning != null) {
				figures.put("warning", warning);
				System.err.println("[" + store + "] WARNING: " + warning);
			}
			StarterPath path = new StarterPath(this.options, starterStore, figures);
			for (String workload : this.options.workloads()) {
				if (workload.equals("dashboard")) {
					// The dashboard's reads run in this JVM on either path: they are store reads.
					try (Backend backend = Backend.create(store, this.options)) {
						DashboardLoad.run(backend, figures, this.sizes.dashboardJobs(), this.options.runs());
					}
					continue;
				}
				path.run(workload);
			}
			return 0;
		}
		catch (Exception ex) {
			figures.put("error", String.valueOf(ex));
			System.err.println("[" + store + "] failed: " + ex);
			ex.printStackTrace();
			return 1;
		}
	}

	private int runInOwnJvm(String store) {
		Path out = this.options.out().resolveSibling("benchmark-results-" + store + ".json");
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(Benchmark.class.getName());
		for (String arg : this.args) {
			if (!arg.startsWith("--store") && !arg.startsWith("--out")) {
				command.add(arg);
			}
		}
		command.add("--store=" + store);
		command.add("--out=" + out);
		try {
			Files.deleteIfExists(out);
			Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			int exit = process.waitFor();
			@SuppressWarnings("unchecked")
			Map<String, Object> document = JsonMapper.builder().build().readValue(out.toFile(), Map.class);
			@SuppressWarnings("unchecked")
			Map<String, Object> figures = ((Map<String, Map<String, Object>>) document.get("stores")).get(store);
			this.results.put(store, figures);
			return (exit == 0) ? 0 : 1;
		}
		catch (IOException | RuntimeException ex) {
			this.results.put(store, new LinkedHashMap<>(Map.of("error", "its JVM gave no figures: " + ex)));
			return 1;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	// ------------------------------------------------------------------ workloads

	/** A no-op task that records when the first job started and the last one finished. */
	private static final class Span {

		final LongAccumulator firstStart = new LongAccumulator(Math::min, Long.MAX_VALUE);

		final LongAccumulator lastFinish = new LongAccumulator(Math::max, Long.MIN_VALUE);

		final LongAdder finished = new LongAdder();

		TaskDefinition task() {
			return TaskDefinition.of("noop", Instance.handler(List.of(), (args) -> {
				this.firstStart.accumulate(System.nanoTime());
				this.lastFinish.accumulate(System.nanoTime());
				this.finished.increment();
			}));
		}

		void await(long jobs, String what) throws InterruptedException {
			long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
			long lastProgress = System.nanoTime();
			while (this.finished.sum() < jobs) {
				if (System.nanoTime() - deadline > 0) {
					throw new IllegalStateException(what + ": only " + this.finished.sum() + " of " + jobs
							+ " jobs ran within 10 minutes");
				}
				if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(15)) {
					lastProgress = System.nanoTime();
					System.err.printf("    %s: %,d of %,d jobs ran so far%n", what, this.finished.sum(), jobs);
				}
				Thread.sleep(2);
			}
		}

		double jobsPerSecond(long jobs) {
			return jobs / ((this.lastFinish.get() - this.firstStart.get()) / 1e9);
		}

	}

	private void memoryIdle(Backend backend, Map<String, Object> figures) throws InterruptedException {
		String namespace = "tbench_memory";
		backend.clean(namespace);
		Span span = new Span();
		try (Instance instance = Instance.start(backend, namespace, List.of(span.task()), LATENCY_WORKERS)) {
			instance.startDispatcher();
			Thread.sleep(this.options.quick() ? 1_000 : 3_000);
			Memory memory = Memory.measure();
			figures.put("idleHeapMiB", memory.heapMiB());
			figures.put("idleRssMiB", memory.rssMiB());
			System.err.printf("[%s] idle instance: heap %s MiB, RSS %s MiB%n", backend.name(), memory.heapMiB(),
					memory.rssMiB());
		}
		finally {
			backend.releaseStores();
			backend.clean(namespace);
		}
	}

	private void drain(Backend backend, Map<String, Object> figures) throws Exception {
		for (int instances : this.options.drainInstances()) {
			for (int warmup = 0; warmup < this.sizes.drainWarmups(instances); warmup++) {
				drainRun(backend, instances, this.sizes.drainWarmupJobs(), false);
			}
			List<Double> runs = new ArrayList<>();
			List<Double> committed = new ArrayList<>();
			for (int run = 0; run < this.options.runs(); run++) {
				boolean measureMemory = instances == 1 && run == this.options.runs() - 1
						&& this.options.workloads().contains("memory");
				double[] rates = drainRun(backend, instances, this.sizes.drainJobs(), measureMemory ? figures : null);
				runs.add(rates[0]);
				committed.add(rates[1]);
			}
			// With --keys the figures get names of their own, beside the unkeyed drain's of another run.
			String name = "drain" + instances + ((this.options.keys() > 0) ? "Keys" + this.options.keys() : "");
			report(backend, figures, name, "drain " + instances + "x" + this.options.drainWorkers()
					+ ((this.options.keys() > 0) ? ", " + this.options.keys() + " keys" : ""), runs, "jobs/s");
			figures.put(name + "CommittedJobsPerSec", round(median(committed), 0));
		}
	}

	/**
	 * Enqueues every job first, then starts the dispatchers and times first handler start to
	 * last handler finish (and, for the record, to the last outcome committed).
	 * @return {handler rate, committed rate}
	 */
	private double[] drainRun(Backend backend, int instances, int jobs, Object memoryFigures) throws Exception {
		String namespace = "tbench_drain";
		backend.clean(namespace);
		Span span = new Span();
		StoreTrace trace = this.options.traceStore() ? new StoreTrace() : null;
		List<Instance> cluster = new ArrayList<>();
		try {
			for (int i = 0; i < instances; i++) {
				TaskDefinition task = (this.options.keys() > 0) ? span.task().withMaxConcurrentPerKey(KEY_CAP) : span.task();
				cluster.add(Instance.start(backend, namespace, List.of(task), this.options.drainWorkers(), trace));
			}
			List<EnqueueRequest> batch = new ArrayList<>(BATCH);
			for (int i = 0; i < jobs; i++) {
				EnqueueRequest request = EnqueueRequest.of("noop");
				batch.add((this.options.keys() > 0) ? request.concurrencyKey("k" + (i % this.options.keys())) : request);
				if (batch.size() == BATCH || i == jobs - 1) {
					cluster.get(0).queue.enqueueAll(batch);
					batch.clear();
				}
			}
			cluster.forEach(Instance::startDispatcher);
			span.await(jobs, backend.name() + " drain");
			while (cluster.stream().anyMatch((instance) -> instance.dispatcher.runningJobs() > 0)) {
				Thread.sleep(1);
			}
			long committedAt = System.nanoTime();
			if (trace != null) {
				System.err.printf("    [%s] drain %d x %d, store calls (%,d jobs):%n%s", backend.name(), instances,
						this.options.drainWorkers(), jobs, trace.summary((committedAt - span.firstStart.get()) / 1e9));
			}
			if (memoryFigures instanceof Map<?, ?> map) {
				@SuppressWarnings("unchecked")
				Map<String, Object> figures = (Map<String, Object>) map;
				Memory memory = Memory.measure();
				figures.put("drainEndHeapMiB", memory.heapMiB());
				figures.put("drainEndRssMiB", memory.rssMiB());
				System.err.printf("[%s] end of drain: heap %s MiB, RSS %s MiB%n", backend.name(), memory.heapMiB(),
						memory.rssMiB());
			}
			return new double[] { span.jobsPerSecond(jobs), jobs / ((committedAt - span.firstStart.get()) / 1e9) };
		}
		finally {
			cluster.forEach(Instance::close);
			backend.releaseStores();
		}
	}

	/**
	 * The three enqueue figures, measured as the starter path measures them: the tables are
	 * cleaned once, each figure is warmed up by a full run, and every run (warm-ups included)
	 * adds to the jobs the runs before left, as a producer's enqueues do.
	 */
	private void enqueue(Backend backend, Map<String, Object> figures) throws Exception {
		backend.clean(ENQUEUE_NAMESPACE);
		enqueueSingle(backend, 1, this.sizes.enqueueSingleJobs());
		measure(backend, figures, "enqueue1", "enqueue 1 thread",
				(run) -> enqueueSingle(backend, 1, this.sizes.enqueueSingleJobs()));
		enqueueSingle(backend, ENQUEUE_THREADS, this.sizes.enqueueThreadsJobs());
		measure(backend, figures, "enqueue8", "enqueue " + ENQUEUE_THREADS + " threads",
				(run) -> enqueueSingle(backend, ENQUEUE_THREADS, this.sizes.enqueueThreadsJobs()));
		enqueueAll(backend, this.sizes.enqueueAllJobs());
		measure(backend, figures, "enqueueAll", "enqueueAll x" + BATCH,
				(run) -> enqueueAll(backend, this.sizes.enqueueAllJobs()));
		backend.clean(ENQUEUE_NAMESPACE);
	}

	private double enqueueSingle(Backend backend, int threads, int jobs) {
		Span span = new Span();
		try (Instance instance = Instance.start(backend, ENQUEUE_NAMESPACE, List.of(span.task()), 0)) {
			long elapsed = EnqueueThreads.run(instance.queue, jobs, threads);
			return jobs / (elapsed / 1e9);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		finally {
			backend.releaseStores();
		}
	}

	private double enqueueAll(Backend backend, int jobs) {
		Span span = new Span();
		try (Instance instance = Instance.start(backend, ENQUEUE_NAMESPACE, List.of(span.task()), 0)) {
			List<List<EnqueueRequest>> batches = new ArrayList<>();
			for (int from = 0; from < jobs; from += BATCH) {
				List<EnqueueRequest> batch = new ArrayList<>(BATCH);
				for (int i = from; i < Math.min(from + BATCH, jobs); i++) {
					batch.add(EnqueueRequest.of("noop"));
				}
				batches.add(batch);
			}
			long start = System.nanoTime();
			for (List<EnqueueRequest> batch : batches) {
				instance.queue.enqueueAll(batch);
			}
			return jobs / ((System.nanoTime() - start) / 1e9);
		}
		finally {
			backend.releaseStores();
		}
	}

	private void latency(Backend backend, Map<String, Object> figures) throws Exception {
		List<Double> p50 = new ArrayList<>();
		List<Double> p99 = new ArrayList<>();
		List<Double> max = new ArrayList<>();
		List<Double> enqueueP50 = new ArrayList<>();
		List<Double> enqueueP99 = new ArrayList<>();
		for (int run = 0; run < this.options.runs(); run++) {
			double[] percentiles = latencyRun(backend);
			p50.add(percentiles[0]);
			p99.add(percentiles[1]);
			max.add(percentiles[2]);
			enqueueP50.add(percentiles[3]);
			enqueueP99.add(percentiles[4]);
		}
		String where = backend.sharedAcrossProcesses() ? "another JVM" : "same JVM: embedded H2 is one process";
		figures.put("latencyProducer", where);
		report(backend, figures, "latencyP50", "latency p50 (" + where + ")", p50, "ms");
		report(backend, figures, "latencyP99", "latency p99", p99, "ms");
		report(backend, figures, "latencyMax", "latency max", max, "ms");
		// The part of the latency spent in the producer's own enqueue call (its commit).
		report(backend, figures, "latencyEnqueueCallP50", "  of which the enqueue call, p50", enqueueP50, "ms");
		report(backend, figures, "latencyEnqueueCallP99", "  of which the enqueue call, p99", enqueueP99, "ms");
	}

	/**
	 * One consumer instance here; the producer in another JVM (the same classpath) or, for
	 * the embedded H2, on a thread of this one.
	 * @return {p50, p99, max, enqueue call p50, enqueue call p99} in milliseconds
	 */
	private double[] latencyRun(Backend backend) throws Exception {
		String namespace = "tbench_latency";
		backend.clean(namespace);
		int expected = this.sizes.latencyRate() * this.sizes.latencySeconds();
		long[] enqueueMicros = new long[expected];
		long[] samples = new long[expected * 2];
		AtomicInteger received = new AtomicInteger();
		TaskDefinition task = LatencyProducer.task((sentMicros) -> {
			long now = LatencyProducer.nowMicros();
			if (sentMicros >= 0) {
				int index = received.getAndIncrement();
				if (index < samples.length) {
					samples[index] = now - sentMicros;
				}
			}
		});
		try (Instance consumer = Instance.start(backend, namespace, List.of(task), LATENCY_WORKERS)) {
			consumer.startDispatcher();
			if (backend.sharedAcrossProcesses()) {
				String[] done = runProducerProcess(backend, namespace).split(" ");
				enqueueMicros = new long[] { Long.parseLong(done[2]), Long.parseLong(done[3]) };
			}
			else {
				try (Instance producer = Instance.start(backend, namespace, List.of(task), 0)) {
					LatencyProducer.produce(producer.queue, this.sizes.latencyRate(), this.sizes.latencySeconds(),
							this.sizes.latencyWarmupSeconds(), enqueueMicros);
				}
				Arrays.sort(enqueueMicros);
				enqueueMicros = new long[] { percentile(enqueueMicros, 0.50), percentile(enqueueMicros, 0.99) };
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
			while (received.get() < expected && System.nanoTime() - deadline < 0) {
				Thread.sleep(5);
			}
			if (received.get() < expected) {
				throw new IllegalStateException("latency: only " + received.get() + " of " + expected
						+ " jobs started within 30 s of the producer's end");
			}
		}
		finally {
			backend.releaseStores();
		}
		long[] sorted = Arrays.copyOf(samples, expected);
		Arrays.sort(sorted);
		return new double[] { percentile(sorted, 0.50) / 1000.0, percentile(sorted, 0.99) / 1000.0,
				sorted[sorted.length - 1] / 1000.0, enqueueMicros[0] / 1000.0, enqueueMicros[1] / 1000.0 };
	}

	/** @return the producer's DONE line: sent count, enqueue call p50 and p99 in microseconds */
	private String runProducerProcess(Backend backend, String namespace) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(LatencyProducer.class.getName());
		command.addAll(backend.connectionArgs());
		command.add("--namespace=" + namespace);
		command.add("--rate=" + this.sizes.latencyRate());
		command.add("--seconds=" + this.sizes.latencySeconds());
		command.add("--warmup-seconds=" + this.sizes.latencyWarmupSeconds());
		Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
		List<String> lines = new ArrayList<>();
		try (BufferedReader out = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = out.readLine()) != null) {
				lines.add(line);
			}
		}
		long timeout = this.sizes.latencySeconds() + this.sizes.latencyWarmupSeconds() + 60L;
		if (!process.waitFor(timeout, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IllegalStateException("The latency producer did not finish within " + timeout + " s");
		}
		if (process.exitValue() != 0 || lines.stream().noneMatch((line) -> line.startsWith("DONE"))) {
			throw new IllegalStateException("The latency producer failed (exit " + process.exitValue() + "): " + lines);
		}
		return lines.stream().filter((line) -> line.startsWith("DONE")).findFirst().orElseThrow();
	}

	private void cap(Backend backend, Map<String, Object> figures) throws Exception {
		// Warm as the starter path's applications are (Options.Sizes): no-op jobs, then capped ones.
		drainRun(backend, this.options.capInstances(), this.sizes.capWarmupDrainJobs(), null);
		capRun(backend, this.sizes.capWarmupJobs());
		List<Double> utilisation = new ArrayList<>();
		int highest = 0;
		for (int run = 0; run < this.options.runs(); run++) {
			double[] result = capRun(backend, this.sizes.capJobs());
			utilisation.add(result[0]);
			highest = Math.max(highest, (int) result[1]);
		}
		figures.put("capMaxRunning", highest);
		System.err.printf("[%s] cap %d: highest running count observed %d (must be %d)%n", backend.name(), CAP,
				highest, CAP);
		report(backend, figures, "capUtilisation", "cap utilisation", utilisation, "");
	}

	/**
	 * Three instances, one task capped at 2, every job enqueued before they start.
	 * @return {utilisation, highest running count the handlers saw}
	 */
	private double[] capRun(Backend backend, int jobs) throws Exception {
		String namespace = "tbench_cap";
		backend.clean(namespace);
		AtomicInteger running = new AtomicInteger();
		LongAccumulator highest = new LongAccumulator(Math::max, 0);
		LongAdder handlerNanos = new LongAdder();
		List<long[]> spans = java.util.Collections.synchronizedList(new ArrayList<>());
		Span span = new Span();
		TaskDefinition capped = TaskDefinition.of("capped", Instance.handler(List.of(), (args) -> {
			long start = System.nanoTime();
			span.firstStart.accumulate(start);
			highest.accumulate(running.incrementAndGet());
			try {
				Thread.sleep(CAP_JOB_MILLIS);
			}
			finally {
				running.decrementAndGet();
				long end = System.nanoTime();
				handlerNanos.add(end - start);
				spans.add(new long[] { start, end });
				span.lastFinish.accumulate(end);
				span.finished.increment();
			}
		})).withMaxConcurrent(CAP);
		StoreTrace trace = this.options.traceStore() ? new StoreTrace() : null;
		List<Instance> cluster = new ArrayList<>();
		try {
			for (int i = 0; i < this.options.capInstances(); i++) {
				cluster.add(Instance.start(backend, namespace, List.of(capped), CAP_WORKERS, trace));
			}
			List<EnqueueRequest> requests = new ArrayList<>();
			for (int i = 0; i < jobs; i++) {
				requests.add(EnqueueRequest.of("capped"));
			}
			cluster.get(0).queue.enqueueAll(requests);
			cluster.forEach(Instance::startDispatcher);
			span.await(jobs, backend.name() + " cap");
			double ideal = handlerNanos.sum() / (double) CAP;
			double actual = span.lastFinish.get() - span.firstStart.get();
			printGaps(backend, spans);
			if (trace != null) {
				System.err.printf("    [%s] cap, store calls:%n%s", backend.name(), trace.summary(actual / 1e9));
			}
			return new double[] { ideal / actual, highest.get() };
		}
		finally {
			cluster.forEach(Instance::close);
			backend.releaseStores();
		}
	}

	/** Diagnostics: how long a freed slot stayed idle before the next job started in it. */
	private static void printGaps(Backend backend, List<long[]> spans) {
		List<Long> gaps = Intervals.refillGaps(spans, CAP).stream().map((nanos) -> nanos / 1_000).toList();
		System.err.printf("    [%s] cap: a freed slot stayed idle (us) %s%n", backend.name(), Intervals.describeGaps(gaps));
	}

	// ------------------------------------------------------------------ figures

	@FunctionalInterface
	private interface Run {

		double once(int run) throws Exception;

	}

	private void measure(Backend backend, Map<String, Object> figures, String key, String label, Run run)
			throws Exception {
		List<Double> values = new ArrayList<>();
		for (int i = 0; i < this.options.runs(); i++) {
			values.add(run.once(i));
		}
		report(backend, figures, key, label, values, "jobs/s");
	}

	private void report(Backend backend, Map<String, Object> figures, String key, String label, List<Double> runs,
			String unit) {
		report(backend.name(), figures, key, label, runs, unit);
	}

	/**
	 * Records the median of {@code runs} under {@code key} (and every run under
	 * {@code key + "Runs"}), and prints them.
	 */
	static void report(String store, Map<String, Object> figures, String key, String label, List<Double> runs,
			String unit) {
		double median = median(runs);
		int digits = unit.equals("jobs/s") ? 0 : unit.equals("ms") ? 2 : 3;
		figures.put(key, round(median, digits));
		figures.put(key + "Runs", runs.stream().map((value) -> round(value, digits)).toList());
		System.err.printf("[%s] %s: %s %s (runs %s)%n", store, label, Report.format(round(median, digits)), unit,
				runs.stream().map((value) -> Report.format(round(value, digits))).toList());
	}

	/**
	 * @param values figures, at least one
	 * @return their median
	 */
	public static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		sorted.sort(null);
		int n = sorted.size();
		return (n % 2 == 1) ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
	}

	/**
	 * Nearest-rank percentile of sorted values.
	 * @param sorted the values, ascending
	 * @param fraction the percentile as a fraction, such as {@code 0.99}
	 * @return the value at that rank
	 */
	public static long percentile(long[] sorted, double fraction) {
		int rank = (int) Math.ceil(fraction * sorted.length);
		return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
	}

	/**
	 * @param value a figure
	 * @param digits decimals to keep, 0 for a whole number
	 * @return the figure rounded, a {@code Long} when {@code digits} is 0
	 */
	public static Number round(double value, int digits) {
		if (digits == 0) {
			return Math.round(value);
		}
		double scale = Math.pow(10, digits);
		return Math.round(value * scale) / scale;
	}

	private static String loadAverage() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return fields[0] + " " + fields[1] + " " + fields[2];
		}
		catch (IOException | RuntimeException ex) {
			return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
		}
	}

	private void writeJson(String loadBefore, String loadAfter) {
		Map<String, Object> document = new LinkedHashMap<>();
		document.put("generatedAt", Instant.now().toString());
		Map<String, Object> machine = new LinkedHashMap<>();
		machine.put("cores", Runtime.getRuntime().availableProcessors());
		machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
		machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
		machine.put("loadAverageBefore", loadBefore);
		machine.put("loadAverageAfter", loadAfter);
		document.put("machine", machine);
		document.put("path", this.options.path());
		document.put("apps", this.options.apps());
		document.put("quick", this.options.quick());
		document.put("runs", this.options.runs());
		document.put("drainWorkers", this.options.drainWorkers());
		document.put("keys", this.options.keys());
		document.put("capInstances", this.options.capInstances());
		document.put("sizes", this.sizes);
		document.put("stores", this.results);
		try {
			Path out = this.options.out();
			if (out.getParent() != null) {
				Files.createDirectories(out.getParent());
			}
			Files.writeString(out, JsonMapper.builder().build().writerWithDefaultPrettyPrinter()
				.writeValueAsString(document));
			System.out.println("Figures written to " + out.toAbsolutePath());
		}
		catch (IOException ex) {
			System.err.println("Could not write the JSON results: " + ex);
		}
	}

}
