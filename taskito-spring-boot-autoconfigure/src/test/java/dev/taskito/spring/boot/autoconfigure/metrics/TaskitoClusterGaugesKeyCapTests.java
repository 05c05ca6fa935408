package dev.taskito.spring.boot.autoconfigure.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.taskito.JobContext;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskHandler;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.ClusterGauges;

import static org.assertj.core.api.Assertions.assertThat;

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
