package dev.taskito.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * One store on the starter path: the command-line properties that point an application at
 * it, as a user's {@code application.yml} would, and the wiping of a workload's namespace
 * before the applications start.
 */
final class StarterStore implements AutoCloseable {

	/** Spring Boot's JDBC auto-configuration; a user of the embedded H2 or Redis store has none. */
	static final String JDBC_AUTOCONFIGURATION = "org.springframework.boot.jdbc.autoconfigure."
			+ "DataSourceAutoConfiguration";

	/** Spring Boot's Redis auto-configuration; a user of a JDBC store has none. */
	static final String REDIS_AUTOCONFIGURATION = "org.springframework.boot.data.redis.autoconfigure."
			+ "DataRedisAutoConfiguration";

	/**
	 * Spring Boot's metrics auto-configuration, which makes a {@code SimpleMeterRegistry} (and
	 * with it Taskito's meters): excluded unless {@code --metrics}, so that the default runs
	 * measure Taskito without a registry.
	 */
	static final String METRICS_AUTOCONFIGURATION = "org.springframework.boot.micrometer.metrics.autoconfigure."
			+ "MetricsAutoConfiguration,org.springframework.boot.micrometer.metrics.autoconfigure."
			+ "CompositeMeterRegistryAutoConfiguration,org.springframework.boot.micrometer.metrics.autoconfigure."
			+ "export.simple.SimpleMetricsExportAutoConfiguration";

	/**
	 * Taskito's own meters and its {@code taskito.job} observation, excluded by
	 * {@code --metrics=boot} to measure Boot's meters and observations alone.
	 */
	static final String TASKITO_METRICS_AUTOCONFIGURATION = "dev.taskito.spring.boot.autoconfigure.metrics."
			+ "TaskitoMetricsAutoConfiguration,dev.taskito.spring.boot.autoconfigure.observation."
			+ "TaskitoObservationAutoConfiguration";

	/** What an application does on the starter path. */
	enum Role {

		/** Runs jobs: a dispatcher with {@code taskito.worker.concurrency} workers. */
		WORKER,

		/** Only enqueues. */
		PRODUCER

	}

	private final String name;

	private final Options options;

	private final Path embeddedRoot;

	/** Wipes the tables or keys of PostgreSQL and Redis; null for the embedded H2 file. */
	private final Backend backend;

	private StarterStore(String name, Options options, Path embeddedRoot, Backend backend) {
		this.name = name;
		this.options = options;
		this.embeddedRoot = embeddedRoot;
		this.backend = backend;
	}

	/**
	 * @param name {@code h2}, {@code postgres} or {@code redis}
	 * @param options where the stores are
	 * @return the store, with a connection of its own for wiping PostgreSQL and Redis
	 */
	static StarterStore create(String name, Options options) {
		Path embeddedRoot = Path.of("target", "benchmark-h2-starter").toAbsolutePath();
		// The embedded H2 file is opened by the application alone (H2 locks it), so it is
		// wiped by deleting its directory, never through a connection of this JVM.
		Backend backend = name.equals("h2") ? null : Backend.create(name, options);
		return new StarterStore(name, options, embeddedRoot, backend);
	}

	String name() {
		return this.name;
	}

	/**
	 * @return whether several JVMs can share the store (not the embedded H2 file)
	 */
	boolean sharedAcrossProcesses() {
		return !this.name.equals("h2");
	}

	/**
	 * Reclaims the dead rows of the namespace's tables between runs, outside the timing: a
	 * run leaves 200,000 dead row versions per 100,000 jobs, which a stock PostgreSQL's
	 * autovacuum reclaims once the workload pauses.
	 * @param namespace the workload's namespace
	 */
	void vacuum(String namespace) {
		if (this.backend != null) {
			this.backend.vacuum(namespace);
		}
	}

	/**
	 * @return a warning when the store is set up unlike a user's stock server, else {@code null}
	 */
	String stockSettingsWarning() {
		return (this.backend != null) ? this.backend.stockSettingsWarning() : null;
	}

	/**
	 * Deletes every table, key or file of the namespace; no application may have it open.
	 * @param namespace the workload's namespace, such as {@code tbench_drain}
	 */
	void clean(String namespace) {
		if (this.backend != null) {
			this.backend.clean(namespace);
			return;
		}
		Path directory = this.embeddedRoot.resolve(namespace);
		if (!Files.exists(directory)) {
			return;
		}
		try (Stream<Path> files = Files.walk(directory)) {
			for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(file);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not delete " + directory, ex);
		}
	}

	/**
	 * The application's command line.
	 * @param role worker or producer
	 * @param namespace the workload's namespace
	 * @param workers {@code taskito.worker.concurrency} of a worker
	 * @param startPaused whether the queue is paused as the application starts
	 * @return Spring Boot command-line properties
	 */
	List<String> appArgs(Role role, String namespace, int workers, boolean startPaused) {
		return appArgs(this.name, this.options, this.embeddedRoot, role, namespace, workers, startPaused);
	}

	/**
	 * The application's command line with a given {@code --metrics} mode: one side of a paired
	 * comparison.
	 * @param metrics {@code none}, {@code boot} or {@code all}
	 * @param role worker or producer
	 * @param namespace the side's namespace
	 * @param workers {@code taskito.worker.concurrency} of a worker
	 * @param startPaused whether the queue is paused as the application starts
	 * @return Spring Boot command-line properties
	 */
	List<String> appArgs(String metrics, Role role, String namespace, int workers, boolean startPaused) {
		return appArgs(this.name, this.options, metrics, this.embeddedRoot, role, namespace, workers, startPaused);
	}

	static List<String> appArgs(String store, Options options, Path embeddedRoot, Role role, String namespace,
			int workers, boolean startPaused) {
		return appArgs(store, options, options.metrics(), embeddedRoot, role, namespace, workers, startPaused);
	}

	private static List<String> appArgs(String store, Options options, String metrics, Path embeddedRoot, Role role,
			String namespace, int workers, boolean startPaused) {
		List<String> args = new ArrayList<>();
		args.add("--bench.role=" + role.name().toLowerCase(Locale.ROOT));
		switch (store) {
			case "postgres" -> {
				args.add("--spring.datasource.url=" + options.jdbcUrl());
				args.add("--spring.datasource.username=" + options.jdbcUser());
				args.add("--spring.datasource.password=" + options.jdbcPassword());
				// As the quick start: Spring Data Redis is on this classpath for the Redis runs only.
				args.add("--spring.autoconfigure.exclude=" + REDIS_AUTOCONFIGURATION + withoutMetrics(metrics));
				args.add("--taskito.jdbc.table-prefix=" + namespace + "_");
			}
			case "redis" -> {
				args.add("--spring.data.redis.url=" + options.redisUrl());
				args.add("--taskito.store.type=redis");
				// A Redis user has no spring-boot-starter-jdbc: without it Boot would make an
				// in-memory H2 DataSource (and its pool) that Taskito ignores.
				args.add("--spring.autoconfigure.exclude=" + JDBC_AUTOCONFIGURATION + withoutMetrics(metrics));
				// Backend.Redis wipes the same prefix.
				args.add("--taskito.redis.key-prefix=" + namespace.replace('_', '-') + ":");
			}
			case "h2" -> {
				// The starter alone, as the quick start without a profile: neither a DataSource
				// nor Redis, so the embedded H2 file.
				args.add("--spring.autoconfigure.exclude=" + JDBC_AUTOCONFIGURATION + "," + REDIS_AUTOCONFIGURATION
						+ withoutMetrics(metrics));
				args.add("--taskito.jdbc.embedded-path=" + embeddedRoot.resolve(namespace));
				args.add("--taskito.jdbc.table-prefix=" + namespace + "_");
			}
			default -> throw new IllegalArgumentException(store);
		}
		if (options.keys() > 0) {
			// Harness: the keyed task of the drain with --keys (BenchKeyedTasks), registered only then.
			args.add("--bench.keyed=true");
		}
		if (role == Role.WORKER) {
			args.add("--taskito.worker.concurrency=" + workers);
		}
		else {
			// Harness: a producer only enqueues (it would otherwise run the jobs it measures).
			args.add("--taskito.dispatcher.enabled=false");
		}
		if (startPaused) {
			// Harness: every job is enqueued before the timing starts at GO (resumeQueue).
			args.add("--taskito.queues.default.paused=true");
		}
		return args;
	}

	/**
	 * The exclusion that keeps a MeterRegistry out of the application unless {@code --metrics},
	 * or Taskito's meters and observation out with {@code --metrics=boot}.
	 * @param metrics {@code none}, {@code boot} or {@code all}
	 * @return a suffix to the exclusions
	 */
	private static String withoutMetrics(String metrics) {
		return switch (metrics) {
			case Options.METRICS_ALL -> "";
			case Options.METRICS_BOOT -> "," + TASKITO_METRICS_AUTOCONFIGURATION;
			default -> "," + METRICS_AUTOCONFIGURATION;
		};
	}

	@Override
	public void close() {
		if (this.backend != null) {
			this.backend.close();
		}
	}

}
