package dev.taskito.spring.boot.autoconfigure.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.taskito.JobContext;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskHandler;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClusterGauges;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.testsupport.TestH2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Caps per key in the gauges: one gauge per task for its keys at their cap, never a meter
 * per key.
 */
class TaskitoClusterGaugesKeyCapTests {

	@Test
	void keysAtTheirCapAreOneGaugePerTask() {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		TaskRegistry tasks = new TaskRegistry();
		tasks.register(TaskDefinition.of("tenant-report", new NoOp()).withMaxConcurrentPerKey(2));
		tasks.register(TaskDefinition.of("plain", new NoOp()));
		TaskitoClusterGauges gauges = new TaskitoClusterGauges(meters, null, tasks, () -> null, Duration.ofSeconds(1));
		gauges.registerKnownGauges();

		gauges.apply(new ClusterGauges(List.of(), List.of(new ClusterGauges.TaskGauge("tenant-report", 9, 4)),
				Instant.now()));

		assertThat(meters.find("taskito.task.keys.at.cap").tag("task", "tenant-report").gauge().value()).isEqualTo(4);
		assertThat(meters.find("taskito.task.cap.per.key").tag("task", "tenant-report").gauge().value()).isEqualTo(2);
		assertThat(meters.find("taskito.task.keys.at.cap").tag("task", "plain").gauge()).isNull();
		assertThat(meters.getMeters()).as("no meter names a key")
			.noneMatch((meter) -> meter.getId().getTags().stream().anyMatch((tag) -> tag.getKey().contains("key")));

		gauges.apply(new ClusterGauges(List.of(), List.of(), Instant.now()));
		assertThat(meters.find("taskito.task.keys.at.cap").tag("task", "tenant-report").gauge().value()).isZero();
	}

	/**
	 * A rolling deploy lowers the caps: the instance still declaring the old ones reports the
	 * caps that hold (the smallest live ones), as every instance does, so that the figures
	 * aggregated with max are the cluster's.
	 */
	@Test
	void capsAreTheSmallestLiveOnesDuringARollingDeploy() {
		DataSource dataSource = TestH2.newDataSource();
		ClaimStore store = JdbcClaimStore.builder(dataSource).build();
		store.start();
		TaskDispatcher oldVersion = dispatcher(store, 3, 4);
		TaskDispatcher newVersion = dispatcher(store, 1, 2);
		try {
			SimpleMeterRegistry meters = new SimpleMeterRegistry();
			TaskRegistry oldTasks = new TaskRegistry();
			oldTasks.register(exportTask(3, 4));
			TaskitoClusterGauges gauges = new TaskitoClusterGauges(meters, store, oldTasks, () -> oldVersion,
					Duration.ofSeconds(1));
			gauges.registerKnownGauges();
			assertThat(meters.find("taskito.task.cap").tag("task", "export").gauge().value()).isEqualTo(3);

			oldVersion.start();
			newVersion.start();

			await().atMost(Duration.ofSeconds(10))
				.until(() -> meters.find("taskito.task.cap").tag("task", "export").gauge().value() == 1);
			assertThat(meters.find("taskito.task.cap.per.key").tag("task", "export").gauge().value()).isEqualTo(2);
		}
		finally {
			newVersion.close();
			oldVersion.close();
			TestH2.shutdown(dataSource);
		}
	}

	private static TaskDispatcher dispatcher(ClaimStore store, int cap, int capPerKey) {
		TaskRegistry tasks = new TaskRegistry();
		tasks.register(exportTask(cap, capPerKey));
		return TaskDispatcher.builder(store, tasks)
			.pollInterval(Duration.ofMillis(100))
			.heartbeatInterval(Duration.ofMillis(200))
			.build();
	}

	private static TaskDefinition exportTask(int cap, int capPerKey) {
		return TaskDefinition.of("export", new NoOp()).withMaxConcurrent(cap).withMaxConcurrentPerKey(capPerKey);
	}

	private static final class NoOp implements TaskHandler {

		@Override
		public List<Parameter> parameters() {
			return List.of();
		}

		@Override
		public Object handle(Object[] args, JobContext context) {
			return null;
		}

	}

}
