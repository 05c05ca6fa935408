package dev.taskito.spring.boot.test;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * When {@link TaskitoTestSupport} is auto-configured, and when it backs off.
 */
class TaskitoTestAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class, TaskitoTestAutoConfiguration.class))
		.withPropertyValues("taskito.jdbc.embedded-path=target/auto-configuration-tests");

	@Test
	void registersTheSupportBesideTaskito() {
		this.runner.withPropertyValues("taskito.dispatcher.auto-startup=false").run((context) -> {
			assertThat(context).hasSingleBean(TaskitoTestSupport.class);
			assertThat(context.getBean(TaskitoTestSupport.class).runDueJobs()).isZero();
		});
	}

	@Test
	void registersTheSupportWithoutADispatcher() {
		this.runner.withPropertyValues("taskito.dispatcher.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(TaskDispatcher.class);
			assertThat(context).hasSingleBean(TaskitoTestSupport.class);
		});
	}

	@Test
	void backsOffWithoutATaskQueue() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(TaskitoTestAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(TaskitoTestSupport.class));
	}

	@Test
	void backsOffForTheTestsOwnSupport() {
		TaskitoTestSupport own = new TaskitoTestSupport(mock(TaskQueue.class), null);
		this.runner.withBean("ownSupport", TaskitoTestSupport.class, () -> own)
			.run((context) -> assertThat(context).getBean(TaskitoTestSupport.class).isSameAs(own));
	}

}
