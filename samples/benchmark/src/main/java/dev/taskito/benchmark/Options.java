package dev.taskito.benchmark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.taskito.benchmark.app.BenchApplication;
import dev.taskito.benchmark.app.CoreApplication;
import dev.taskito.benchmark.peers.PeerOptions;

/**
 * The benchmark's command line: which path, which stores, where they are, and how big each
 * workload is. {@code --quick} shrinks every workload so that one store takes a few minutes.
 */
record Options(boolean quick, List<String> stores, Set<String> workloads, String jdbcUrl, String jdbcUser,
		String jdbcPassword, String redisUrl, String h2Url, int runs, Path out, Sizes sizes, int capInstances,
		int drainWorkers, boolean traceStore, String path, List<String> peers, String metrics, int keys,
		List<String> compareMetrics, String baselineClasspath, String candidateClasspath,
		List<Integer> drainInstances, String apps, boolean compareApps,
		boolean instrumentation) {

	/** The product as users run it: Spring Boot applications with the starter, in JVMs of their own. */
	static final String STARTER = "starter";

	/** The diagnostic: taskito-core driven directly, every instance in this JVM. */
	static final String CORE = "core";

	/** The starter path's applications are Spring Boot applications with the starter (the default). */
	static final String APPS_BOOT = "boot";

	/**
	 * The starter path's applications are the same application without Spring: taskito-core
	 * wired by hand, each instance still in a JVM of its own.
	 */
	static final String APPS_CORE = "core";

	/** No MeterRegistry in the starter path's applications (the default). */
	static final String METRICS_NONE = "none";

	/** A MeterRegistry, with Taskito's meters and Boot's own. */
	static final String METRICS_ALL = "all";

	/**
	 * A MeterRegistry with Boot's own meters and observations only: Taskito's metrics and
	 * observation auto-configurations are excluded.
	 */
	static final String METRICS_BOOT = "boot";

	static final List<String> ALL_PATHS = List.of(STARTER, CORE);

	static final List<String> ALL_STORES = List.of("h2", "postgres", "redis");

	static final List<String> ALL_WORKLOADS = List.of("memory", "drain", "enqueue", "latency", "cap",
			"dashboard");

	static final String USAGE = """
			Taskito benchmark: drain, enqueue, latency, cap utilisation and memory, per store.

			  --quick                 every workload shrunk: a few minutes per store
			  --path=starter|core     starter (default): workers and producers are Spring Boot
			                          applications using the starter with Boot's defaults, each in
			                          its own JVM; core: a diagnostic driving taskito-core directly,
			                          every instance in this JVM with pools of the benchmark's own
			  --store=h2|postgres|redis|all        (default all; a comma list works too)
			  --workloads=memory,drain,enqueue,latency,cap,dashboard   (default all; dashboard: the
			                          dashboard's reads with 100,000 jobs stored, in this JVM on either path)
			  --jdbc-url=URL          PostgreSQL (default jdbc:postgresql://127.0.0.1:5432/test)
			  --jdbc-user=USER        (default postgres)   --jdbc-password=PASSWORD (default none)
			  --redis-url=URL         Redis (default redis://127.0.0.1:6379)
			  --h2-url=URL            H2 (default an embedded file under target/benchmark-h2)
			  --runs=N                measured runs per figure, the median is reported (default 3)
			  --out=FILE              the JSON results (default target/benchmark-results.json)
			  --cap-instances=N       instances in the cap workload (default 3; 1 isolates the cross-instance race)
			  --metrics[=all|boot]    starter path only: every application gets a SimpleMeterRegistry through
			                          Boot's metrics auto-configuration (as with actuator), so Taskito's meters
			                          and gauges are recorded; compare the drain with and without it. =boot
			                          keeps the registry (and Boot's own meters and observations: Hikari,
			                          Lettuce's commands, JVM) but leaves Taskito's meters and its
			                          taskito.job observation out, which isolates what Taskito's cost
			  --metrics=A,B           starter path, drain only: a paired comparison of two of none, boot and
			                          all. Both sets of applications run side by side (a namespace each) and
			                          take turns, A B then B A, run after run, so that the machine's drift
			                          falls on both alike; prints each pair's ratio B / A of jobs/s and of
			                          CPU per job (the worker JVMs', and the whole machine's from /proc/stat)
			  --baseline-classpath=CP starter path, drain only: the same paired comparison between the
			                          applications of another build (A, its benchmark module's classpath) and
			                          this one (B), with the same settings; see docs/performance.md
  --candidate-classpath=CP with --baseline-classpath: B is that build instead of this one, so that
                          two earlier builds can be paired (a bisection)
			  --apps=boot|core        starter path: its applications are Spring Boot applications with the
			                          starter (boot, the default) or the same application without Spring
			                          (core: taskito-core wired by hand as the core path wires it), each in a JVM
			                          of its own either way: what the Spring layer costs, with the process
			                          layout alike (the core path runs every instance in one JVM)
			  --compare-apps          starter path, drain only: the paired comparison of the core applications
			                          (A) and the Spring Boot applications (B) of this build
			  --keys=N                PostgreSQL or Redis, either path: the drain's jobs carry N concurrency keys
			                          (round-robin) of a task capped at 2 per key, which never binds with
			                          N x 2 above the workers: what caps per key cost against --keys=0
			  --trace-store           print, per drain and cap run, each store call's count, latency and jobs per call
			                          (core path only)
			  --instrumentation       instead of the workloads: the CPU per job of what a MeterRegistry adds
			                          to an attempt (the taskito.job observation and the metrics listener),
			                          measured on 16 threads in this JVM apart from any store (--runs rounds)
			  --drain-instances=1,2   the drain's instance counts, either path (default 1,2)
			  --drain-workers=N       workers per instance in the drain (default 16, as the issue says; more
			                          workers let one claim take more jobs: a diagnostic of the per-claim cost)
			  --peers=db-scheduler,jobrunr   also drain the same jobs with these peers on PostgreSQL (each in
			                          a JVM of its own, same workers and runs) and print Taskito's 1-instance
			                          drain as a ratio to each; BullMQ (Redis) runs beside it with Node.js,
			                          see samples/benchmark/peers/bullmq/README.md (default none)

			Tables are created with the prefix tbench_<workload>_ and keys under {tbench-<workload>}:,
			and dropped before each workload (the core path: before each run): point it at a database
			you may write to. On the starter path the embedded H2 file of a workload is under
			target/benchmark-h2-starter/, and one JVM holds it: H2 has no 2-instance drain, and its cap
			and latency run in one JVM.
			""";

	/**
	 * How much each workload does. A drain is warmed up by {@link #drainWarmups(int)} drains:
	 * a worker JVM's CPU per job settles only after about 200,000 jobs of its own (paired
	 * drains on two JVMs: 41 to 55 us per job after 50,000 each, 28 to 31 after 100,000,
	 * about 20 from 200,000 on), and each JVM takes only its share of a drain's jobs. The cap
	 * workload's JVMs first drain {@code capWarmupDrainJobs} no-op jobs, then run a full cap run
	 * unmeasured: its own 400 jobs are too few for the JIT to compile the claim and finish
	 * path, which a running application's other jobs would have compiled long before.
	 */
	record Sizes(int drainJobs, int drainWarmupJobs, int enqueueSingleJobs, int enqueueThreadsJobs,
			int enqueueAllJobs, int latencyRate, int latencySeconds, int latencyWarmupSeconds, int capJobs,
			int capWarmupJobs, int capWarmupDrainJobs, int dashboardJobs) {

		static Sizes full() {
			return new Sizes(100_000, 100_000, 5_000, 20_000, 100_000, 200, 20, 2, 400, 400, 20_000, 100_000);
		}

		/**
		 * @param instances the drain's instances, each a JVM of its own on the starter path
		 * @return how many warm-up drains come before the measured ones: two per instance
		 */
		int drainWarmups(int instances) {
			return 2 * instances;
		}

		static Sizes quick() {
			return new Sizes(20_000, 2_000, 1_000, 4_000, 20_000, 200, 3, 1, 80, 20, 2_000, 20_000);
		}

	}

	static Options parse(String[] args) {
		boolean quick = false;
		List<String> stores = ALL_STORES;
		Set<String> workloads = new LinkedHashSet<>(ALL_WORKLOADS);
		String jdbcUrl = "jdbc:postgresql://127.0.0.1:5432/test";
		String jdbcUser = "postgres";
		String jdbcPassword = "";
		String redisUrl = "redis://127.0.0.1:6379";
		String h2Url = null;
		int runs = 3;
		Path out = Path.of("target", "benchmark-results.json");
		int capInstances = 3;
		int drainWorkers = 16;
		List<Integer> drainInstances = List.of(1, 2);
		boolean instrumentation = false;
		boolean traceStore = false;
		String metrics = METRICS_NONE;
		List<String> compareMetrics = List.of();
		String baselineClasspath = null;
		String candidateClasspath = null;
		int keys = 0;
		String path = STARTER;
		String apps = APPS_BOOT;
		boolean compareApps = false;
		List<String> peers = List.of();
		for (String arg : args) {
			if (arg.isBlank()) {
				continue;
			}
			String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
			String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : "";
			switch (name) {
				case "--quick" -> quick = true;
				case "--store", "--stores" -> stores = value.equals("all") ? ALL_STORES : list(value, ALL_STORES, "store");
				case "--workloads", "--workload" -> workloads = new LinkedHashSet<>(list(value, ALL_WORKLOADS, "workload"));
				case "--jdbc-url" -> jdbcUrl = value;
				case "--jdbc-user" -> jdbcUser = value;
				case "--jdbc-password" -> jdbcPassword = value;
				case "--redis-url" -> redisUrl = value;
				case "--h2-url" -> h2Url = value;
				case "--runs" -> runs = Integer.parseInt(value);
				case "--out" -> out = Path.of(value);
				case "--cap-instances" -> capInstances = Integer.parseInt(value);
				case "--drain-workers" -> drainWorkers = Integer.parseInt(value);
				case "--instrumentation" -> instrumentation = true;
				case "--drain-instances" -> {
					drainInstances = new ArrayList<>();
					for (String count : value.split(",")) {
						int instances = Integer.parseInt(count.trim());
						if (instances < 1) {
							throw new UsageException("--drain-instances takes counts of 1 or more, such as 1,2");
						}
						drainInstances.add(instances);
					}
				}
				case "--trace-store" -> traceStore = true;
				case "--metrics" -> {
					List<String> modes = value.isEmpty() ? List.of(METRICS_ALL) : List.of(value.split(","));
					for (String mode : modes) {
						if (!List.of(METRICS_NONE, METRICS_ALL, METRICS_BOOT).contains(mode)) {
							throw new UsageException("Unknown --metrics value '" + mode + "'; choose from "
									+ List.of(METRICS_NONE, METRICS_ALL, METRICS_BOOT));
						}
					}
					if (modes.size() > 2 || (modes.size() == 2 && modes.get(0).equals(modes.get(1)))) {
						throw new UsageException("--metrics=" + value + ": give one mode, or two different ones to "
								+ "compare, such as --metrics=none,all");
					}
					metrics = modes.get(0);
					compareMetrics = (modes.size() == 2) ? modes : List.of();
				}
				case "--apps" -> {
					if (!List.of(APPS_BOOT, APPS_CORE).contains(value)) {
						throw new UsageException("Unknown --apps '" + value + "'; choose from boot and core");
					}
					apps = value;
				}
				case "--compare-apps" -> compareApps = true;
				case "--baseline-classpath" -> {
					if (value.isBlank()) {
						throw new UsageException("--baseline-classpath needs the other build's classpath");
					}
					baselineClasspath = value;
				}
				case "--candidate-classpath" -> {
					if (value.isBlank()) {
						throw new UsageException("--candidate-classpath needs the other build's classpath");
					}
					candidateClasspath = value;
				}
				case "--keys" -> keys = Integer.parseInt(value);
				case "--path" -> {
					if (!ALL_PATHS.contains(value)) {
						throw new UsageException("Unknown path '" + value + "'; choose from " + ALL_PATHS);
					}
					path = value;
				}
				case "--peers", "--peer" -> peers = value.equals("none") ? List.of()
						: list(value, PeerOptions.PEERS, "peer");
				case "--help", "-h" -> throw new UsageException(null);
				default -> throw new UsageException("Unknown option '" + arg + "'");
			}
		}
		if (runs < 1) {
			throw new UsageException("--runs must be at least 1");
		}
		if (traceStore && !path.equals(CORE)) {
			throw new UsageException("--trace-store wraps the core path's stores: add --path=core");
		}
		if (!metrics.equals(METRICS_NONE) && !path.equals(STARTER)) {
			throw new UsageException("--metrics puts a MeterRegistry into the starter path's applications: "
					+ "drop --path=core");
		}
		boolean paired = !compareMetrics.isEmpty() || baselineClasspath != null || compareApps;
		if ((compareMetrics.isEmpty() ? 0 : 1) + ((baselineClasspath != null) ? 1 : 0) + (compareApps ? 1 : 0) > 1) {
			throw new UsageException("Compare either two --metrics modes, two builds (--baseline-classpath) or the "
					+ "core and Spring Boot applications (--compare-apps), one at a time");
		}
		if (!apps.equals(APPS_BOOT) && (!path.equals(STARTER) || paired || stores.contains("h2")
				|| !metrics.equals(METRICS_NONE))) {
			throw new UsageException("--apps=core runs the starter path's workloads with applications without "
					+ "Spring on PostgreSQL or Redis: add --store=postgres (or redis), without --path=core, "
					+ "--metrics or a paired comparison");
		}
		if (candidateClasspath != null && baselineClasspath == null) {
			throw new UsageException("--candidate-classpath replaces this build on the B side of a paired "
					+ "comparison: add --baseline-classpath for the A side");
		}
		if (paired && (!path.equals(STARTER) || !workloads.equals(Set.of("drain")) || stores.contains("h2"))) {
			throw new UsageException("A paired comparison (--metrics=A,B, --baseline-classpath or --compare-apps) "
					+ "runs the starter path's drain on PostgreSQL or Redis: add --workloads=drain --store=postgres "
					+ "(or redis), without --path=core");
		}
		if (keys < 0) {
			throw new UsageException("--keys must be 0 or more");
		}
		if (keys > 0 && !List.of("postgres", "redis").containsAll(stores)) {
			throw new UsageException("--keys drains keyed jobs on the cluster stores: add --store=redis, "
					+ "--store=postgres or --store=postgres,redis");
		}
		if (h2Url == null) {
			h2Url = "jdbc:h2:file:" + Path.of("target", "benchmark-h2", "taskito").toAbsolutePath();
		}
		return new Options(quick, stores, workloads, jdbcUrl, jdbcUser, jdbcPassword, redisUrl, h2Url, runs, out,
				quick ? Sizes.quick() : Sizes.full(), capInstances, drainWorkers, traceStore, path, peers, metrics,
				keys, compareMetrics, baselineClasspath, candidateClasspath, List.copyOf(drainInstances), apps,
				compareApps, instrumentation);
	}

	/**
	 * @return whether the drain is a paired comparison of two sets of applications
	 */
	boolean paired() {
		return !this.compareMetrics.isEmpty() || this.baselineClasspath != null || this.compareApps;
	}

	/**
	 * @return the main class of the starter path's applications
	 */
	Class<?> appMainClass() {
		return this.apps.equals(APPS_CORE) ? CoreApplication.class : BenchApplication.class;
	}

	/**
	 * @return whether the figures come from the starter path's applications
	 */
	boolean starterPath() {
		return this.path.equals(STARTER);
	}

	private static List<String> list(String value, List<String> allowed, String what) {
		List<String> chosen = new ArrayList<>();
		for (String item : value.split(",")) {
			String trimmed = item.trim();
			if (!allowed.contains(trimmed)) {
				throw new UsageException("Unknown " + what + " '" + trimmed + "'; choose from " + allowed);
			}
			chosen.add(trimmed);
		}
		return chosen;
	}

	/** A bad command line: the message, then the usage. */
	static final class UsageException extends RuntimeException {

		UsageException(String message) {
			super(message);
		}

	}

}
