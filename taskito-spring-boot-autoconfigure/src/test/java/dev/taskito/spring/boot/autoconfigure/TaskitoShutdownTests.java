package dev.taskito.spring.boot.autoconfigure;

import java.time.Duration;

import org.assertj.core.util.introspection.PropertyOrFieldSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.SmartLifecycle;

import dev.taskito.Task;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.store.ClaimStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dispatcher stops inside Spring Boot's graceful shutdown phase: in that phase, and
 * with a shutdown timeout that ends before the phase does.
 */
@ExtendWith(OutputCaptureExtension.class)
class TaskitoShutdownTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class))
		.withBean(ClaimStore.class, RecordingClaimStore::new)
		.withBean("reportTasks", ReportTasks.class);

	@Test
	void stopsInBootsGracefulShutdownPhase() {
		// WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE in Spring Boot 4; the web
		// server itself stops 1024 phases later.
		assertThat(TaskitoLifecycle.PHASE).isEqualTo(SmartLifecycle.DEFAULT_PHASE - 1024);
		this.runner.run((context) -> assertThat(context.getBean(TaskitoLifecycle.class).getPhase())
			.isEqualTo(SmartLifecycle.DEFAULT_PHASE - 1024));
	}

	@Test
	void shutdownTimeoutEndsThreeSecondsBeforeBootsDefaultPhase(CapturedOutput output) {
		this.runner.run((context) -> {
			assertThat(shutdownTimeout(context.getBean(TaskDispatcher.class))).isEqualTo(Duration.ofSeconds(27));
			assertThat(output).doesNotContain("does not fit in spring.lifecycle.timeout-per-shutdown-phase");
		});
	}

	@Test
	void shutdownTimeoutFollowsAShorterPhase() {
		this.runner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=10s")
			.run((context) -> assertThat(shutdownTimeout(context.getBean(TaskDispatcher.class)))
				.isEqualTo(Duration.ofSeconds(9)));
	}

	@Test
	void shutdownTimeoutFollowsALongerPhase() {
		this.runner.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=2m")
			.run((context) -> assertThat(shutdownTimeout(context.getBean(TaskDispatcher.class)))
				.isEqualTo(Duration.ofSeconds(117)));
	}

	@Test
	void aConfiguredShutdownTimeoutThatFitsIsKeptWithoutWarning(CapturedOutput output) {
		this.runner.withPropertyValues("taskito.shutdown.timeout=20s").run((context) -> {
			assertThat(shutdownTimeout(context.getBean(TaskDispatcher.class))).isEqualTo(Duration.ofSeconds(20));
			assertThat(output).doesNotContain("does not fit in spring.lifecycle.timeout-per-shutdown-phase");
		});
	}

	@Test
	void aShutdownTimeoutLongerThanThePhaseIsKeptWithAWarningNamingBothProperties(CapturedOutput output) {
		this.runner.withPropertyValues("taskito.shutdown.timeout=60s").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(shutdownTimeout(context.getBean(TaskDispatcher.class))).isEqualTo(Duration.ofSeconds(60));
			assertThat(output).contains("taskito.shutdown.timeout (PT1M) does not fit in "
					+ "spring.lifecycle.timeout-per-shutdown-phase (PT30S)")
				.contains("Set taskito.shutdown.timeout to at most PT27S");
		});
	}

	private static Duration shutdownTimeout(TaskDispatcher dispatcher) {
		// The dispatcher keeps its settings to itself; read what it was built with.
		return (Duration) PropertyOrFieldSupport.EXTRACTION.getValueOf("settings.shutdownTimeout", dispatcher);
	}

	static class ReportTasks {

		@Task(name = "report")
		void report() {
		}

	}

}
