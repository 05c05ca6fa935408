package dev.taskito.spring.boot.autoconfigure.metrics;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.util.function.SingletonSupplier;

import dev.taskito.TaskitoException;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;
import dev.taskito.store.ClaimStore;

/**
 * Taskito's Micrometer meters, when the application has a {@link MeterRegistry} (as Spring
 * Boot's actuator gives it): the {@link TaskitoMetricsListener} (a {@code TaskListener},
 * applied like every other) and the {@link TaskitoClusterGauges}, read from the store every
 * {@code taskito.metrics.gauge-interval}. Each backs off for a bean of its type.
 */
@AutoConfiguration(after = TaskitoAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnSingleCandidate(MeterRegistry.class)
@EnableConfigurationProperties(TaskitoMetricsProperties.class)
public final class TaskitoMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	TaskitoMetricsListener taskitoMetricsListener(MeterRegistry registry) {
		return new TaskitoMetricsListener(registry);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean({ ClaimStore.class, TaskRegistry.class })
	TaskitoClusterGauges taskitoClusterGauges(MeterRegistry registry, ClaimStore store, TaskRegistry tasks,
			ObjectProvider<TaskDispatcher> dispatcher, TaskitoMetricsProperties properties) {
		try {
			return new TaskitoClusterGauges(registry, store, tasks, SingletonSupplier.of(dispatcher::getIfUnique),
					properties.getGaugeInterval());
		}
		catch (IllegalArgumentException ex) {
			throw new TaskitoException(ex.getMessage(), ex);
		}
	}

}
