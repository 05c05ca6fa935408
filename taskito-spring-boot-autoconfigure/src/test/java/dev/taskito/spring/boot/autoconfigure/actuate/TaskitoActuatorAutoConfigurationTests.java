package dev.taskito.spring.boot.autoconfigure.actuate;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.taskito.Task;
import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;
import dev.taskito.store.ClaimStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the {@code taskito} health component and endpoint exist, on the embedded H2 store:
 * only with Actuator on the classpath, the endpoint only when exposed, the health
 * component only with a dispatcher, and each backs off for the application's own.
 */
class TaskitoActuatorAutoConfigurationTests {

	@TempDir
	Path embedded;

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class,
					TaskitoHealthContributorAutoConfiguration.class, TaskitoEndpointAutoConfiguration.class))
			.withPropertyValues("taskito.jdbc.embedded-path=" + this.embedded)
			.withBean("tasks", Tasks.class);
	}

	@Test
	void healthComponentWithADispatcher() {
		runner().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(TaskitoHealthIndicator.class);
			assertThat(context).hasBean("taskitoHealthIndicator");
			assertThat(context.getBean(TaskitoHealthIndicator.class).health().getDetails())
				.containsEntry("instanceId", context.getBean(TaskDispatcher.class).instanceId());
		});
	}

	@Test
	void endpointNotExposedByDefault() {
		runner().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(TaskitoEndpoint.class);
			assertThat(context).doesNotHaveBean(TaskitoEndpointWebExtension.class);
		});
	}

	@Test
	void endpointAndWebExtensionWhenExposedOverHttp() {
		runner().withPropertyValues("management.endpoints.web.exposure.include=taskito").run((context) -> {
			assertThat(context).hasSingleBean(TaskitoEndpoint.class);
			assertThat(context).hasSingleBean(TaskitoEndpointWebExtension.class);
			assertThat(context.getBean(TaskitoEndpoint.class).taskito().instanceId())
				.isEqualTo(context.getBean(TaskDispatcher.class).instanceId());
		});
	}

	@Test
	void endpointWithoutWebExtensionWhenExposedOverJmxOnly() {
		runner().withPropertyValues("spring.jmx.enabled=true", "management.endpoints.jmx.exposure.include=taskito")
			.run((context) -> {
				assertThat(context).hasSingleBean(TaskitoEndpoint.class);
				assertThat(context).doesNotHaveBean(TaskitoEndpointWebExtension.class);
			});
	}

	@Test
	void endpointAbsentWhenItsAccessIsNone() {
		runner()
			.withPropertyValues("management.endpoints.web.exposure.include=taskito",
					"management.endpoint.taskito.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskitoEndpoint.class));
	}

	@Test
	void healthComponentSwitchedOffByProperty() {
		runner().withPropertyValues("management.health.taskito.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskitoHealthIndicator.class));
	}

	@Test
	void producerOnlyInstanceHasEndpointButNoHealthComponent() {
		runner()
			.withPropertyValues("taskito.dispatcher.enabled=false", "management.endpoints.web.exposure.include=taskito")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(TaskDispatcher.class);
				assertThat(context).doesNotHaveBean(TaskitoHealthIndicator.class);
				assertThat(context).hasSingleBean(TaskitoEndpoint.class);
				TaskitoEndpoint.TaskitoDescriptor overview = context.getBean(TaskitoEndpoint.class).taskito();
				assertThat(overview.instanceId()).isNull();
				assertThat(overview.tasks()).extracting(TaskitoEndpoint.TaskDescriptor::name).contains("noop");
			});
	}

	@Test
	void nothingWithoutActuatorOnTheClasspath() {
		runner().withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate.",
				"org.springframework.boot.health."))
			.withPropertyValues("management.endpoints.web.exposure.include=taskito")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(TaskQueue.class);
				assertThat(context).hasSingleBean(TaskDispatcher.class);
				assertThat(context).doesNotHaveBean(TaskitoHealthIndicator.class);
				assertThat(context).doesNotHaveBean(TaskitoEndpoint.class);
			});
	}

	@Test
	void healthComponentBacksOffForTheApplicationsOwn() {
		HealthIndicator own = () -> Health.up().withDetail("own", true).build();
		runner().withBean("taskitoHealthIndicator", HealthIndicator.class, () -> own).run((context) -> {
			assertThat(context).doesNotHaveBean(TaskitoHealthIndicator.class);
			assertThat(context.getBean("taskitoHealthIndicator")).isSameAs(own);
		});
	}

	@Test
	void endpointBacksOffForTheApplicationsOwn() {
		runner().withPropertyValues("management.endpoints.web.exposure.include=taskito")
			.withBean("ownEndpoint", TaskitoEndpoint.class,
					() -> new TaskitoEndpoint(null, null, "own"))
			.run((context) -> {
				assertThat(context).hasSingleBean(TaskitoEndpoint.class);
				assertThat(context.getBean(TaskitoEndpoint.class)).isSameAs(context.getBean("ownEndpoint"));
				assertThat(context).hasSingleBean(TaskitoEndpointWebExtension.class);
			});
	}

	@Test
	void noEndpointWithoutAStore() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TaskitoEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=taskito")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ClaimStore.class);
				assertThat(context).doesNotHaveBean(TaskitoEndpoint.class);
			});
	}

	static class Tasks {

		@Task(name = "noop")
		void noop() {
		}

	}

}
