package dev.taskito.spring.boot.autoconfigure.metrics;

import java.nio.file.Path;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.taskito.TaskListener;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;
import dev.taskito.spring.boot.autoconfigure.listener.TaskitoListenerAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * When the meters appear: only with a single {@link MeterRegistry} and Micrometer on the
 * classpath, backing off for the application's own beans; the gauge thread runs with the
 * context. On the embedded store, in a directory of the test's own.
 */
class TaskitoMetricsAutoConfigurationTests {

	@TempDir
	Path embedded;

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class,
					TaskitoListenerAutoConfiguration.class, TaskitoMetricsAutoConfiguration.class))
			.withPropertyValues("taskito.jdbc.embedded-path=" + this.embedded, "taskito.metrics.gauge-interval=100ms")
			.withBean(MeteredTasks.class);
	}

	@Test
	void noMeterRegistryNoMeters() {
		runner().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(TaskitoMetricsListener.class);
			assertThat(context).doesNotHaveBean(TaskitoClusterGauges.class);
		});
	}

	@Test
	void meterRegistryBeanGivesTheListenerAndTheGauges() {
		runner().withBean(SimpleMeterRegistry.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(TaskitoMetricsListener.class);
			assertThat(context).hasSingleBean(TaskitoClusterGauges.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("taskito.jobs.pending").tag("queue", MeteredTasks.QUEUE).gauge())
				.as("the gauges of known queues are registered at start").isNotNull();
			assertThat(registry.find("taskito.task.cap").tag("task", "metered-capped").gauge().value()).isEqualTo(1);
			assertThat(registry.find("taskito.task.cap").tag("task", "metered-ok").gauge())
				.as("an uncapped task has no cap gauge").isNull();
			assertThat(registry.find("taskito.jobs.stranded").gauge()).isNotNull();
		});
	}

	@Test
	void withoutMicrometerNoMeters() {
		runner().withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(TaskitoMetricsListener.class);
			assertThat(context).doesNotHaveBean(TaskitoClusterGauges.class);
		});
	}

	@Test
	void twoMeterRegistriesAndNoPrimaryNoMeters() {
		runner().withBean("one", SimpleMeterRegistry.class)
			.withBean("two", SimpleMeterRegistry.class)
			.run((context) -> assertThat(context).doesNotHaveBean(TaskitoMetricsListener.class));
	}

	@Test
	void bootsMetricsAutoConfigurationIsEnough() {
		runner()
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(TaskitoMetricsListener.class);
				assertThat(context).hasSingleBean(TaskitoClusterGauges.class);
			});
	}

	@Test
	void backsOffForTheApplicationsListener() {
		TaskitoMetricsListener own = new TaskitoMetricsListener(new SimpleMeterRegistry());
		runner().withBean(SimpleMeterRegistry.class)
			.withBean("ownMetricsListener", TaskitoMetricsListener.class, () -> own)
			.run((context) -> {
				assertThat(context).hasSingleBean(TaskitoMetricsListener.class);
				assertThat(context.getBean(TaskitoMetricsListener.class)).isSameAs(own);
				assertThat(context.getBeansOfType(TaskListener.class)).containsOnlyKeys("ownMetricsListener");
			});
	}

	@Test
	void gaugeIntervalMustBePositive() {
		runner().withBean(SimpleMeterRegistry.class)
			.withPropertyValues("taskito.metrics.gauge-interval=0s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("taskito.metrics.gauge-interval")
				.hasMessageContaining("positive duration"));
	}

	@Test
	void theGaugeThreadReadsTheStoreAndStopsWithTheContext() {
		TaskitoClusterGauges[] gauges = new TaskitoClusterGauges[1];
		runner().withBean(SimpleMeterRegistry.class).run((context) -> {
			gauges[0] = context.getBean(TaskitoClusterGauges.class);
			assertThat(gauges[0].isRunning()).isTrue();
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			context.getBean(dev.taskito.TaskQueue.class)
				.enqueue(dev.taskito.EnqueueRequest.of("metered-ok", 1).delay(Duration.ofHours(1)));
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(
						registry.find("taskito.jobs.pending").tag("queue", MeteredTasks.QUEUE).gauge().value())
					.isEqualTo(1));
		});
		assertThat(gauges[0].isRunning()).isFalse();
	}

}
