package dev.taskito.benchmark;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.taskito.benchmark.StarterStore.Role;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter path's applications get the store's selection, the namespace, the worker
 * count and the harness switches, and no other setting: the figures are Boot's defaults.
 */
class StarterStoreTest {

	private static final Options OPTIONS = Options.parse(new String[0]);

	private static final Path ROOT = Path.of("/tmp/bench-h2");

	@Test
	void postgresWorkerIsSelectedByTheDataSourceUrl() {
		List<String> args = StarterStore.appArgs("postgres", OPTIONS, ROOT, Role.WORKER, "tbench_drain", 16, true);
		assertThat(args).containsExactly("--bench.role=worker",
				"--spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/test",
				"--spring.datasource.username=postgres", "--spring.datasource.password=",
				"--spring.autoconfigure.exclude=" + StarterStore.REDIS_AUTOCONFIGURATION + ","
						+ StarterStore.METRICS_AUTOCONFIGURATION,
				"--taskito.jdbc.table-prefix=tbench_drain_", "--taskito.worker.concurrency=16",
				"--taskito.queues.default.paused=true");
	}

	@Test
	void redisProducerHasTheKeyPrefixTheBackendWipes() {
		List<String> args = StarterStore.appArgs("redis", OPTIONS, ROOT, Role.PRODUCER, "tbench_latency", 0, false);
		assertThat(args).containsExactly("--bench.role=producer", "--spring.data.redis.url=redis://127.0.0.1:6379",
				"--taskito.store.type=redis",
				"--spring.autoconfigure.exclude=" + StarterStore.JDBC_AUTOCONFIGURATION + ","
						+ StarterStore.METRICS_AUTOCONFIGURATION,
				"--taskito.redis.key-prefix=tbench-latency:", "--taskito.dispatcher.enabled=false");
	}

	@Test
	void h2IsTheEmbeddedFileInADirectoryPerWorkload() {
		List<String> args = StarterStore.appArgs("h2", OPTIONS, ROOT, Role.WORKER, "tbench_cap", 4, false);
		assertThat(args).contains("--taskito.jdbc.embedded-path=" + ROOT.resolve("tbench_cap"),
				"--taskito.jdbc.table-prefix=tbench_cap_", "--taskito.worker.concurrency=4");
		assertThat(args).noneMatch((arg) -> arg.startsWith("--spring.datasource")
				|| arg.startsWith("--spring.data.redis") || arg.startsWith("--taskito.store.type"));
	}

	@Test
	void metricsKeepBootsMetricsAutoConfigurationAndChangeNothingElse() {
		Options metrics = Options.parse(new String[] { "--metrics" });
		for (String store : Options.ALL_STORES) {
			for (Role role : Role.values()) {
				List<String> without = StarterStore.appArgs(store, OPTIONS, ROOT, role, "tbench_drain", 16, true);
				List<String> with = StarterStore.appArgs(store, metrics, ROOT, role, "tbench_drain", 16, true);
				assertThat(without).filteredOn((arg) -> arg.startsWith("--spring.autoconfigure.exclude="))
					.singleElement()
					.asString()
					.contains(StarterStore.METRICS_AUTOCONFIGURATION);
				assertThat(with).noneMatch((arg) -> arg.contains("MetricsAutoConfiguration"));
				assertThat(without.stream().map((arg) -> arg.replace("," + StarterStore.METRICS_AUTOCONFIGURATION, "")))
					.as("--metrics changes only the exclusions")
					.containsExactlyElementsOf(with);
			}
		}
	}

	@Test
	void bootMetricsKeepTheRegistryButLeaveTaskitosMetricsOut() {
		Options boot = Options.parse(new String[] { "--metrics=boot" });
		for (String store : Options.ALL_STORES) {
			assertThat(StarterStore.appArgs(store, boot, ROOT, Role.WORKER, "tbench_drain", 16, true))
				.filteredOn((arg) -> arg.startsWith("--spring.autoconfigure.exclude="))
				.singleElement()
				.asString()
				.contains(StarterStore.TASKITO_METRICS_AUTOCONFIGURATION)
				.doesNotContain("boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration");
		}
	}

	@Test
	void noStoreTunesTaskitoBeyondConcurrency() {
		List<String> allowed = List.of("--taskito.worker.concurrency=", "--taskito.jdbc.table-prefix=",
				"--taskito.redis.key-prefix=", "--taskito.jdbc.embedded-path=", "--taskito.store.type=",
				"--taskito.dispatcher.enabled=", "--taskito.queues.default.paused=");
		for (String store : Options.ALL_STORES) {
			for (Role role : Role.values()) {
				assertThat(StarterStore.appArgs(store, OPTIONS, ROOT, role, "tbench_drain", 16, true))
					.filteredOn((arg) -> arg.startsWith("--taskito."))
					.allMatch((arg) -> allowed.stream().anyMatch(arg::startsWith));
			}
		}
	}

	@Test
	void keysRegisterTheKeyedTaskInEveryApplication() {
		Options keys = Options.parse(new String[] { "--store=redis", "--keys=100" });
		for (Role role : Role.values()) {
			assertThat(StarterStore.appArgs("redis", keys, ROOT, role, "tbench_drain", 16, true))
				.contains("--bench.keyed=true");
			assertThat(StarterStore.appArgs("redis", OPTIONS, ROOT, role, "tbench_drain", 16, true))
				.noneMatch((arg) -> arg.startsWith("--bench.keyed"));
		}
	}

}
