package dev.taskito.spring.boot.autoconfigure.actuate;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;

/**
 * The {@code taskito} health component ({@link TaskitoHealthIndicator}) when Spring Boot's
 * health support is present, {@code management.health.taskito.enabled} is not
 * {@code false}, and this instance runs a {@link TaskDispatcher}. A producer-only instance
 * ({@code taskito.dispatcher.enabled=false}) has no heartbeat to report on and gets no
 * component, rather than an {@code UNKNOWN} one that would say nothing.
 * <p>
 * The component belongs to the {@code health} endpoint's root only: Boot's liveness and
 * readiness groups include their availability states alone, so a store outage never makes
 * a platform restart the instance or take it out of its load balancer unless the
 * application adds {@code taskito} to a group itself.
 */
@AutoConfiguration(after = TaskitoAutoConfiguration.class,
		beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(name = { "org.springframework.boot.health.contributor.HealthIndicator",
		"org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator" })
public final class TaskitoHealthContributorAutoConfiguration {

	// The health module's own conditions sit on a nested class: Spring resolves every
	// condition of a class before it evaluates any, so on the outer class they would fail
	// the application when the health module is absent instead of switching this off.
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(TaskDispatcher.class)
	@ConditionalOnEnabledHealthIndicator("taskito")
	static class HealthIndicatorConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = { "taskitoHealthIndicator", "taskitoHealthContributor" })
		TaskitoHealthIndicator taskitoHealthIndicator(TaskDispatcher dispatcher) {
			return new TaskitoHealthIndicator(dispatcher);
		}

	}

}
