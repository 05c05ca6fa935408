package dev.taskito.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.taskito.benchmark.StarterStore.Role;
import dev.taskito.benchmark.app.BenchApplication;
import dev.taskito.benchmark.app.BenchTasks;
import dev.taskito.benchmark.app.Command;
import dev.taskito.benchmark.app.CoreApplication;
import dev.taskito.benchmark.app.Reply;

/**
 * The workloads on the starter path: every worker and producer is a Spring Boot
 * application with the starter ({@link dev.taskito.benchmark.app.BenchApplication}) in a JVM
 * of its own, with Boot's defaults but the store and {@code taskito.worker.concurrency}.
 * Each workload wipes its namespace, starts fresh JVMs, runs its warm-up and its measured
 * runs in those same JVMs (so their JIT is warm, as on the core path), and stops them. Times
 * are the handlers' wall-clock microseconds, merged from every JVM.
 */
final class StarterPath {

	private static final int LATENCY_WORKERS = 16;

	private static final int ENQUEUE_THREADS = 8;

	private static final int BATCH = 500;

	private static final int CAP_WORKERS = 4;

	private static final Duration POLL = Duration.ofMillis(20);

	private static final Duration DRAIN_LIMIT = Duration.ofMinutes(10);

	private final Options options;

	private final Options.Sizes sizes;

	private final StarterStore store;

	private final Map<String, Object> figures;

	StarterPath(Options options, StarterStore store, Map<String, Object> figures) {
		this.options = options;
		this.sizes = options.sizes();
		this.store = store;
		this.figures = figures;
	}

	void run(String workload) throws Exception {
		switch (workload) {
			case "memory" -> memoryIdle();
			case "drain" -> {
				if (this.options.paired()) {
					drainPaired();
				}
				else {
					drain();
				}
			}
			case "enqueue" -> enqueue();
			case "latency" -> latency();
			case "cap" -> cap();
			default -> throw new IllegalStateException(workload);
		}
	}

	private String name() {
		return this.store.name();
	}

	private List<AppProcess> start(String label, String namespace, Role role, int count, int workers,
			boolean paused) throws Exception {
		List<List<String>> args = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			args.add(this.store.appArgs(role, namespace, workers, paused));
		}
		return AppProcess.startAll(this.name() + "-" + label, System.getProperty("java.class.path"),
				this.options.appMainClass(), args);
	}

	private static void sendAll(List<AppProcess> apps, String command) throws Exception {
		for (AppProcess app : apps) {
			app.send(command);
		}
	}

	// ------------------------------------------------------------------ memory

	private void memoryIdle() throws Exception {
		String namespace = "tbench_memory";
		this.store.clean(namespace);
		List<AppProcess> apps = start("idle", namespace, Role.WORKER, 1, LATENCY_WORKERS, false);
		try {
			Thread.sleep(this.options.quick() ? 1_000 : 3_000);
			Reply memory = apps.get(0).send(Command.MEMORY);
			this.figures.put("idleHeapMiB", memory.decimal("heap"));
			this.figures.put("idleRssMiB", memory.decimal("rss"));
			System.err.printf("[%s] idle worker JVM: heap %s MiB, RSS %s MiB%n", name(), memory.text("heap"),
					memory.text("rss"));
		}
		finally {
			AppProcess.closeAll(apps);
			this.store.clean(namespace);
		}
	}

	// ------------------------------------------------------------------ drain

	private void drain() throws Exception {
		for (int instances : this.options.drainInstances()) {
			if (instances > 1 && !this.store.sharedAcrossProcesses()) {
				System.err.printf("[%s] drain 2x%d: skipped, the embedded H2 file serves one process%n", name(),
						this.options.drainWorkers());
				continue;
			}
			String namespace = "tbench_drain";
			this.store.clean(namespace);
			List<AppProcess> workers = start("drain" + instances, namespace, Role.WORKER, instances,
					this.options.drainWorkers(), true);
			try {
				boolean measureMemory = instances == 1 && this.options.workloads().contains("memory");
				long drained = 0;
				for (int warmup = 0; warmup < this.sizes.drainWarmups(instances); warmup++) {
					drainRun(workers, namespace, this.sizes.drainWarmupJobs());
					drained += this.sizes.drainWarmupJobs();
				}
				List<Double> runs = new ArrayList<>();
				List<Double> committed = new ArrayList<>();
				List<Object> heaps = new ArrayList<>();
				List<Object> committedHeaps = new ArrayList<>();
				List<Object> rsses = new ArrayList<>();
				List<Long> jobsSoFar = new ArrayList<>();
				for (int run = 0; run < this.options.runs(); run++) {
					DrainResult result = drainRun(workers, namespace, this.sizes.drainJobs());
					drained += this.sizes.drainJobs();
					runs.add(result.jobsPerSec());
					committed.add(result.committedJobsPerSec());
					if (measureMemory) {
						// Outside the timing, in the JVM that drained: the issue asks for no growth
						// with the number of jobs drained.
						Reply memory = workers.get(0).send(Command.MEMORY);
						heaps.add(memory.decimal("heap"));
						committedHeaps.add(memory.decimal("committed"));
						rsses.add(memory.decimal("rss"));
						jobsSoFar.add(drained);
						System.err.printf("[%s] after %,d jobs drained: heap %s MiB (committed %s), RSS %s MiB%n",
								name(), drained, memory.text("heap"), memory.text("committed"), memory.text("rss"));
					}
				}
				// With --keys the figures get names of their own, as on the core path.
				String figure = "drain" + instances + ((this.options.keys() > 0) ? "Keys" + this.options.keys() : "");
				Benchmark.report(name(), this.figures, figure, "drain " + instances + " JVM(s) x "
						+ this.options.drainWorkers() + ((this.options.keys() > 0) ? ", " + this.options.keys() + " keys" : ""),
						runs, "jobs/s");
				this.figures.put(figure + "CommittedJobsPerSec", Benchmark.round(Benchmark.median(committed), 0));
				if (measureMemory) {
					this.figures.put("drainEndHeapMiB", heaps.get(heaps.size() - 1));
					this.figures.put("drainEndRssMiB", rsses.get(rsses.size() - 1));
					this.figures.put("drainHeapMiBAfterEachRun", heaps);
					this.figures.put("drainHeapCommittedMiBAfterEachRun", committedHeaps);
					this.figures.put("drainRssMiBAfterEachRun", rsses);
					this.figures.put("drainJobsAfterEachRun", jobsSoFar);
				}
			}
			finally {
				AppProcess.closeAll(workers);
			}
		}
		this.store.clean("tbench_drain");
	}

	/**
	 * One drain's figures.
	 * @param jobsPerSec from the first handler start to the last handler finish
	 * @param committedJobsPerSec from the first handler start to the last outcome committed
	 * @param workerCpuMicros CPU time of the draining JVMs, from the resume to the last commit
	 * @param machineCpuMicros CPU time of the whole machine over the same span
	 * @param stealMicros time the hypervisor took from this machine over the same span
	 * @param storeCpuMicros CPU time of the store servers (see {@link StoreCpu}) over the same span
	 */
	record DrainResult(double jobsPerSec, double committedJobsPerSec, long workerCpuMicros, long machineCpuMicros,
			long stealMicros, long storeCpuMicros) {
	}

	/**
	 * With the queue paused, the first worker enqueues every job; then every worker resumes
	 * the queue and the run is timed from the first handler start to the last handler finish
	 * in any JVM (and, for the record, to the last claim released). Pauses the queue again.
	 * CPU is read just before the resume and once every claim is released.
	 * @return the rates and the CPU used
	 */
	private DrainResult drainRun(List<AppProcess> workers, String namespace, int jobs) throws Exception {
		this.store.vacuum(namespace);
		sendAll(workers, Command.RESET);
		// With --keys the jobs are the keyed task's, which counts its runs with noop's.
		Command enqueue = (this.options.keys() > 0) ? Command.of(Command.ENQUEUE, "keyed", jobs, BATCH, this.options.keys())
				: Command.of(Command.ENQUEUE, "noop", jobs, BATCH);
		workers.get(0).send(enqueue, DRAIN_LIMIT);
		long workerCpuBefore = workerCpuMicros(workers);
		MachineCpu machineBefore = MachineCpu.now();
		long storeCpuBefore = StoreCpu.micros();
		sendAll(workers, Command.GO);
		List<Reply> stats = awaitJobs(workers, "noop", jobs, "drain");
		long committedAt = awaitIdle(workers);
		MachineCpu machineAfter = MachineCpu.now();
		long storeCpu = StoreCpu.micros() - storeCpuBefore;
		long workerCpu = workerCpuMicros(workers) - workerCpuBefore;
		sendAll(workers, Command.PAUSE);
		long first = stats.stream().mapToLong((reply) -> reply.number("first")).min().orElseThrow();
		long last = stats.stream().mapToLong((reply) -> reply.number("last")).max().orElseThrow();
		return new DrainResult(jobs / ((last - first) / 1e6), jobs / ((committedAt - first) / 1e6), workerCpu,
				machineAfter.busyMicrosSince(machineBefore), machineAfter.stealMicrosSince(machineBefore), storeCpu);
	}

	private static long workerCpuMicros(List<AppProcess> workers) {
		return workers.stream().mapToLong((worker) -> worker.cpuTime().toNanos() / 1_000).sum();
	}

	// ------------------------------------------------------------------ paired drain

	/**
	 * One side of a paired comparison.
	 * @param label its name in the report
	 * @param metrics its {@code --metrics} mode
	 * @param classpath its applications' classpath
	 * @param mainClass its applications' main class
	 */
	record Side(String label, String metrics, String classpath, Class<?> mainClass) {
	}

	private List<Side> sides() {
		String own = System.getProperty("java.class.path");
		Class<?> boot = BenchApplication.class;
		if (this.options.compareApps()) {
			return List.of(new Side("core apps", this.options.metrics(), own, CoreApplication.class),
					new Side("Spring Boot apps", this.options.metrics(), own, boot));
		}
		if (this.options.baselineClasspath() != null) {
			Side candidate = (this.options.candidateClasspath() != null)
					? new Side("candidate", this.options.metrics(), this.options.candidateClasspath(), boot)
					: new Side("this build", this.options.metrics(), own, boot);
			return List.of(new Side("baseline", this.options.metrics(), this.options.baselineClasspath(), boot),
					candidate);
		}
		List<String> modes = this.options.compareMetrics();
		return List.of(new Side("metrics=" + modes.get(0), modes.get(0), own, boot),
				new Side("metrics=" + modes.get(1), modes.get(1), own, boot));
	}

	/**
	 * The drain as a paired comparison: two sets of worker applications (A and B) run side by
	 * side, each on a namespace of its own, and drain in turn, A then B in even runs and B then
	 * A in odd ones, so that a drift of the machine's speed falls on both alike. Each run's
	 * pair gives a ratio B / A of jobs/s and of CPU per job; their medians are the comparison.
	 */
	private void drainPaired() throws Exception {
		List<Side> sides = sides();
		String[] namespaces = { "tbench_drain_a", "tbench_drain_b" };
		for (int instances : this.options.drainInstances()) {
			for (String namespace : namespaces) {
				this.store.clean(namespace);
			}
			List<List<AppProcess>> sets = new ArrayList<>();
			try {
				for (int side = 0; side < 2; side++) {
					List<List<String>> args = new ArrayList<>();
					for (int i = 0; i < instances; i++) {
						args.add(this.store.appArgs(sides.get(side).metrics(), Role.WORKER, namespaces[side],
								this.options.drainWorkers(), true));
					}
					sets.add(AppProcess.startAll(name() + "-" + (char) ('a' + side) + "-drain" + instances,
							sides.get(side).classpath(), sides.get(side).mainClass(), args));
				}
				// Full drains to warm up, as the unpaired drain has them (Sizes.drainWarmups): with one
				// in all, a pair's first run on two JVMs measured the JIT (twice the worker CPU per job).
				for (int side = 0; side < 2; side++) {
					for (int warmup = 0; warmup < this.sizes.drainWarmups(instances); warmup++) {
						drainRun(sets.get(side), namespaces[side], this.sizes.drainJobs());
					}
				}
				List<List<DrainResult>> results = List.of(new ArrayList<>(), new ArrayList<>());
				for (int run = 0; run < this.options.runs(); run++) {
					int[] order = (run % 2 == 0) ? new int[] { 0, 1 } : new int[] { 1, 0 };
					for (int side : order) {
						DrainResult result = drainRun(sets.get(side), namespaces[side], this.sizes.drainJobs());
						results.get(side).add(result);
						System.err.printf("    [%s] pair %d, %s: %,.0f jobs/s, worker JVMs %.1f us CPU/job, machine "
								+ "%.1f us CPU/job, store servers %.1f us CPU/job, steal %.1f us/job%n", name(), run + 1,
								sides.get(side).label(), result.jobsPerSec(),
								result.workerCpuMicros() / (double) this.sizes.drainJobs(),
								result.machineCpuMicros() / (double) this.sizes.drainJobs(),
								result.storeCpuMicros() / (double) this.sizes.drainJobs(),
								result.stealMicros() / (double) this.sizes.drainJobs());
					}
				}
				reportPaired(instances, sides, results);
			}
			finally {
				for (List<AppProcess> set : sets) {
					AppProcess.closeAll(set);
				}
			}
		}
		for (String namespace : namespaces) {
			this.store.clean(namespace);
		}
	}

	private static boolean isClean(DrainResult result) {
		return result.stealMicros() <= result.machineCpuMicros() * 0.02;
	}

	private void reportPaired(int instances, List<Side> sides, List<List<DrainResult>> results) {
		String key = "paired" + instances;
		String what = "drain " + instances + " JVM(s) x " + this.options.drainWorkers();
		int jobs = this.sizes.drainJobs();
		for (int side = 0; side < 2; side++) {
			List<DrainResult> runs = results.get(side);
			String sideKey = key + (char) ('A' + side);
			this.figures.put(sideKey + "Label", sides.get(side).label());
			Benchmark.report(name(), this.figures, sideKey, what + ", " + sides.get(side).label(),
					runs.stream().map(DrainResult::jobsPerSec).toList(), "jobs/s");
			Benchmark.report(name(), this.figures, sideKey + "WorkerCpuMicrosPerJob",
					"  worker JVMs' CPU per job, " + sides.get(side).label(),
					runs.stream().map((run) -> run.workerCpuMicros() / (double) jobs).toList(), "us");
			Benchmark.report(name(), this.figures, sideKey + "MachineCpuMicrosPerJob",
					"  machine's CPU per job, " + sides.get(side).label(),
					runs.stream().map((run) -> run.machineCpuMicros() / (double) jobs).toList(), "us");
			Benchmark.report(name(), this.figures, sideKey + "StoreCpuMicrosPerJob",
					"  store servers' CPU per job, " + sides.get(side).label(),
					runs.stream().map((run) -> run.storeCpuMicros() / (double) jobs).toList(), "us");
		}
		List<DrainResult> a = results.get(0);
		List<DrainResult> b = results.get(1);
		List<Double> rate = new ArrayList<>();
		List<Double> workerCpu = new ArrayList<>();
		List<Double> machineCpu = new ArrayList<>();
		List<Double> storeCpu = new ArrayList<>();
		for (int run = 0; run < a.size(); run++) {
			storeCpu.add(b.get(run).storeCpuMicros() / (double) Math.max(1, a.get(run).storeCpuMicros()));
			rate.add(b.get(run).jobsPerSec() / a.get(run).jobsPerSec());
			workerCpu.add(b.get(run).workerCpuMicros() / (double) a.get(run).workerCpuMicros());
			machineCpu.add(b.get(run).machineCpuMicros() / (double) a.get(run).machineCpuMicros());
		}
		String ratio = sides.get(1).label() + " / " + sides.get(0).label();
		Benchmark.report(name(), this.figures, key + "JobsPerSecRatio", what + ", jobs/s " + ratio, rate, "");
		// The hypervisor's steal lands on one side of a pair and not the other: a pair is clean
		// when neither side lost more than 2 % of its CPU time per job to it.
		List<Double> cleanRate = new ArrayList<>();
		for (int run = 0; run < a.size(); run++) {
			if (isClean(a.get(run)) && isClean(b.get(run))) {
				cleanRate.add(rate.get(run));
			}
		}
		if (cleanRate.isEmpty()) {
			System.err.printf("[%s]   no pair was clean of steal (under 2 %% of the CPU per job on both sides)%n", name());
		}
		else {
			Benchmark.report(name(), this.figures, key + "CleanJobsPerSecRatio",
					"  jobs/s " + ratio + ", the " + cleanRate.size() + " pair(s) clean of steal", cleanRate, "");
		}
		Benchmark.report(name(), this.figures, key + "WorkerCpuPerJobRatio", "  worker JVMs' CPU per job " + ratio,
				workerCpu, "");
		Benchmark.report(name(), this.figures, key + "MachineCpuPerJobRatio", "  machine's CPU per job " + ratio,
				machineCpu, "");
		Benchmark.report(name(), this.figures, key + "StoreCpuPerJobRatio", "  store servers' CPU per job " + ratio,
				storeCpu, "");
	}

	/**
	 * Polls every worker's {@code STATS} until the jobs of {@code counter} add up to
	 * {@code jobs}.
	 * @return the last answers
	 */
	private List<Reply> awaitJobs(List<AppProcess> workers, String counter, long jobs, String what)
			throws Exception {
		long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
		long lastProgress = System.nanoTime();
		while (true) {
			List<Reply> stats = new ArrayList<>();
			for (AppProcess worker : workers) {
				stats.add(worker.send(Command.STATS));
			}
			long done = stats.stream().mapToLong((reply) -> reply.number(counter)).sum();
			if (done >= jobs) {
				return stats;
			}
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException(name() + " " + what + ": only " + done + " of " + jobs
						+ " jobs ran within " + DRAIN_LIMIT);
			}
			if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(15)) {
				lastProgress = System.nanoTime();
				System.err.printf("    %s %s: %,d of %,d jobs ran so far%n", name(), what, done, jobs);
			}
			Thread.sleep(POLL.toMillis());
		}
	}

	/**
	 * Polls until no worker holds a claim (every outcome committed).
	 * @return the latest wall-clock time a worker reported with the first round of all idle
	 */
	private long awaitIdle(List<AppProcess> workers) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
		while (System.nanoTime() - deadline < 0) {
			long now = Long.MIN_VALUE;
			boolean idle = true;
			for (AppProcess worker : workers) {
				Reply stats = worker.send(Command.STATS);
				idle &= stats.number("running") == 0;
				now = Math.max(now, stats.number("now"));
			}
			if (idle) {
				return now;
			}
			Thread.sleep(POLL.toMillis());
		}
		throw new IllegalStateException(name() + ": claims still held a minute after the last job ran");
	}

	// ------------------------------------------------------------------ enqueue

	/**
	 * One producer JVM for the three figures, on a namespace wiped once, as the core path
	 * runs them in one JVM: each figure starts with what the figures before it compiled, and
	 * every run (warm-ups included) adds jobs to the tables or keys the runs before left, on
	 * both paths.
	 */
	private void enqueue() throws Exception {
		String namespace = "tbench_enqueue";
		this.store.clean(namespace);
		List<AppProcess> producers = start("enqueue", namespace, Role.PRODUCER, 1, 0, false);
		AppProcess producer = producers.get(0);
		try {
			measureEnqueue(producer, "enqueue1", "enqueue 1 thread", Command.ENQUEUE_SINGLE,
					this.sizes.enqueueSingleJobs(), 1);
			measureEnqueue(producer, "enqueue8", "enqueue " + ENQUEUE_THREADS + " threads", Command.ENQUEUE_SINGLE,
					this.sizes.enqueueThreadsJobs(), ENQUEUE_THREADS);
			measureEnqueue(producer, "enqueueAll", "enqueueAll x" + BATCH, Command.ENQUEUE,
					this.sizes.enqueueAllJobs(), BATCH);
		}
		finally {
			AppProcess.closeAll(producers);
			this.store.clean(namespace);
		}
	}

	/**
	 * One figure: a warm-up of a full run, then the measured runs. A fifth of a run left the
	 * producer's first measured runs to the JIT (one thread on PostgreSQL: 2,428 rising to
	 * 3,446 jobs/s over five runs, against a flat 3,678 in the core path's warm JVM).
	 */
	private void measureEnqueue(AppProcess producer, String key, String label, String command, int jobs,
			int threadsOrBatch) throws Exception {
		enqueueOnce(producer, command, jobs, threadsOrBatch);
		List<Double> runs = new ArrayList<>();
		for (int run = 0; run < this.options.runs(); run++) {
			runs.add(enqueueOnce(producer, command, jobs, threadsOrBatch));
		}
		Benchmark.report(name(), this.figures, key, label, runs, "jobs/s");
	}

	private double enqueueOnce(AppProcess producer, String command, int jobs, int threadsOrBatch) throws Exception {
		Command enqueue = command.equals(Command.ENQUEUE) ? Command.of(command, "noop", jobs, threadsOrBatch)
				: Command.of(command, jobs, threadsOrBatch);
		Reply reply = producer.send(enqueue, DRAIN_LIMIT);
		return jobs / (reply.number("micros") / 1e6);
	}

	// ------------------------------------------------------------------ latency

	private void latency() throws Exception {
		String namespace = "tbench_latency";
		this.store.clean(namespace);
		boolean separate = this.store.sharedAcrossProcesses();
		List<AppProcess> apps = new ArrayList<>();
		try {
			apps.addAll(start("latency-worker", namespace, Role.WORKER, 1, LATENCY_WORKERS, false));
			if (separate) {
				apps.addAll(start("latency-producer", namespace, Role.PRODUCER, 1, 0, false));
			}
			AppProcess worker = apps.get(0);
			// Embedded H2 is one process: the worker application enqueues too, as a one-JVM app would.
			AppProcess producer = apps.get(apps.size() - 1);
			List<Double> p50 = new ArrayList<>();
			List<Double> p99 = new ArrayList<>();
			List<Double> max = new ArrayList<>();
			List<Double> callP50 = new ArrayList<>();
			List<Double> callP99 = new ArrayList<>();
			int expected = this.sizes.latencyRate() * this.sizes.latencySeconds();
			for (int run = 0; run < this.options.runs(); run++) {
				worker.send(Command.RESET);
				Reply produced = producer.send(
						Command.of(Command.PRODUCE, this.sizes.latencyRate(), this.sizes.latencySeconds(),
								this.sizes.latencyWarmupSeconds()),
						Duration.ofSeconds(this.sizes.latencySeconds() + this.sizes.latencyWarmupSeconds() + 60L));
				long[] samples = awaitLatencies(worker, expected);
				Arrays.sort(samples);
				p50.add(Benchmark.percentile(samples, 0.50) / 1000.0);
				p99.add(Benchmark.percentile(samples, 0.99) / 1000.0);
				max.add(samples[samples.length - 1] / 1000.0);
				callP50.add(produced.number("callP50") / 1000.0);
				callP99.add(produced.number("callP99") / 1000.0);
			}
			String where = separate ? "another JVM" : "same JVM: embedded H2 is one process";
			this.figures.put("latencyProducer", where);
			Benchmark.report(name(), this.figures, "latencyP50", "latency p50 (" + where + ")", p50, "ms");
			Benchmark.report(name(), this.figures, "latencyP99", "latency p99", p99, "ms");
			Benchmark.report(name(), this.figures, "latencyMax", "latency max", max, "ms");
			Benchmark.report(name(), this.figures, "latencyEnqueueCallP50", "  of which the enqueue call, p50",
					callP50, "ms");
			Benchmark.report(name(), this.figures, "latencyEnqueueCallP99", "  of which the enqueue call, p99",
					callP99, "ms");
		}
		finally {
			AppProcess.closeAll(apps);
			this.store.clean(namespace);
		}
	}

	private long[] awaitLatencies(AppProcess worker, int expected) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (true) {
			long[] samples = worker.send(Command.LATENCY).numbers("samples");
			if (samples.length >= expected) {
				return samples;
			}
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException("latency: only " + samples.length + " of " + expected
						+ " jobs started within 30 s of the producer's end");
			}
			Thread.sleep(50);
		}
	}

	// ------------------------------------------------------------------ cap

	private void cap() throws Exception {
		String namespace = "tbench_cap";
		this.store.clean(namespace);
		int jvms = this.store.sharedAcrossProcesses() ? this.options.capInstances() : 1;
		List<AppProcess> workers = start("cap", namespace, Role.WORKER, jvms, CAP_WORKERS, true);
		try {
			// Warm, as a running application is (Options.Sizes): no-op jobs, then capped ones.
			drainRun(workers, namespace, this.sizes.capWarmupDrainJobs());
			capRun(workers, this.sizes.capWarmupJobs());
			this.store.vacuum(namespace);
			List<Double> utilisation = new ArrayList<>();
			int highest = 0;
			long highestInOneJvm = 0;
			for (int run = 0; run < this.options.runs(); run++) {
				CapResult result = capRun(workers, this.sizes.capJobs());
				utilisation.add(result.utilisation());
				highest = Math.max(highest, result.highestOverlap());
				highestInOneJvm = Math.max(highestInOneJvm, result.highestInOneJvm());
			}
			this.figures.put("capInstances", jvms);
			this.figures.put("capMaxRunning", highest);
			this.figures.put("capMaxRunningInOneJvm", highestInOneJvm);
			System.err.printf("[%s] cap %d over %d JVM(s): highest overlap of the handlers' intervals %d (must be %d), "
					+ "highest one JVM counted %d%n", name(), BenchTasks.CAP, jvms, highest, BenchTasks.CAP,
					highestInOneJvm);
			Benchmark.report(name(), this.figures, "capUtilisation", "cap utilisation", utilisation, "");
		}
		finally {
			AppProcess.closeAll(workers);
			this.store.clean(namespace);
		}
	}

	/** One cap run's figures. */
	record CapResult(double utilisation, int highestOverlap, long highestInOneJvm) {
	}

	/**
	 * Every job enqueued before the workers resume the queue; the intervals of every JVM's
	 * handlers are merged here, so the overlap counted is the cluster's.
	 */
	private CapResult capRun(List<AppProcess> workers, int jobs) throws Exception {
		sendAll(workers, Command.RESET);
		workers.get(0).send(Command.of(Command.ENQUEUE, "capped", jobs, jobs), DRAIN_LIMIT);
		sendAll(workers, Command.GO);
		awaitJobs(workers, "capped", jobs, "cap");
		awaitIdle(workers);
		sendAll(workers, Command.PAUSE);
		List<long[]> spans = new ArrayList<>();
		long highestInOneJvm = 0;
		for (AppProcess worker : workers) {
			Reply reply = worker.send(Command.SPANS);
			long[] flat = reply.numbers("spans");
			for (int i = 0; i + 1 < flat.length; i += 2) {
				spans.add(new long[] { flat[i], flat[i + 1] });
			}
			highestInOneJvm = Math.max(highestInOneJvm, reply.number("highest"));
		}
		long first = spans.stream().mapToLong((span) -> span[0]).min().orElseThrow();
		long last = spans.stream().mapToLong((span) -> span[1]).max().orElseThrow();
		double utilisation = Intervals.totalLength(spans) / (double) BenchTasks.CAP / (last - first);
		System.err.printf("    [%s] cap: a freed slot stayed idle (us) %s%n", name(),
				Intervals.describeGaps(Intervals.refillGaps(spans, BenchTasks.CAP)));
		return new CapResult(utilisation, Intervals.highestOverlap(spans), highestInOneJvm);
	}

}
