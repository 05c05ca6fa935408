package dev.taskito.spring.boot.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.taskito.JobContext;
import dev.taskito.Misfire;
import dev.taskito.Task;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.ClaimStore;

import static dev.taskito.spring.boot.autoconfigure.TaskBeanPostProcessorTests.taskitoFailure;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@code @Task(cron, zone)} and {@code taskito.tasks.<name>.cron}, {@code .zone} and
 * {@code .misfire} make a task periodic, and the startup errors they raise, each naming the
 * task and the property or annotation to fix.
 */
class PeriodicTaskConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class))
		.withBean(ClaimStore.class, RecordingClaimStore::new)
		.withPropertyValues("taskito.dispatcher.enabled=false");

	@Test
	void theAnnotationsCronAndZoneMakeTheTaskPeriodicRunOnceByDefault() {
		this.runner.withBean("reports", Reports.class).run((context) -> {
			TaskRegistry registry = context.getBean(TaskRegistry.class);
			TaskDefinition nightly = registry.require("nightly");
			assertThat(nightly.schedule().definition()).isEqualTo("cron 0 30 2 * * * zone Europe/Paris");
			assertThat(nightly.misfire()).isEqualTo(Misfire.RUN_ONCE);
			assertThat(registry.require("hourly").schedule().definition()).as("blank zone is UTC")
				.isEqualTo("cron 0 0 * * * * zone Z");
			assertThat(registry.require("plain").isPeriodic()).isFalse();
		});
	}

	@Test
	void propertiesOverrideCronZoneAndMisfireAndADashSwitchesTheScheduleOff() {
		this.runner.withBean("reports", Reports.class)
			.withPropertyValues("taskito.tasks.nightly.cron=0 0 4 * * *", "taskito.tasks.nightly.misfire=skip",
					"taskito.tasks.hourly.cron=-", "taskito.tasks.plain.cron=0 */5 * * * *",
					"taskito.tasks.plain.zone=America/New_York")
			.run((context) -> {
				TaskRegistry registry = context.getBean(TaskRegistry.class);
				TaskDefinition nightly = registry.require("nightly");
				assertThat(nightly.schedule().definition()).as("the annotation's zone stays")
					.isEqualTo("cron 0 0 4 * * * zone Europe/Paris");
				assertThat(nightly.misfire()).isEqualTo(Misfire.SKIP);
				assertThat(registry.require("hourly").isPeriodic()).isFalse();
				assertThat(registry.require("plain").schedule().definition())
					.isEqualTo("cron 0 */5 * * * * zone America/New_York");
			});
	}

	@Test
	void aZoneAloneMovesTheAnnotationsCron() {
		this.runner.withBean("reports", Reports.class)
			.withPropertyValues("taskito.tasks.hourly.zone=Asia/Tokyo")
			.run((context) -> assertThat(context.getBean(TaskRegistry.class).require("hourly").schedule().definition())
				.isEqualTo("cron 0 0 * * * * zone Asia/Tokyo"));
	}

	@Test
	void aBadCronInTheAnnotationFailsStartupNamingTheTaskAndHowToWriteIt() {
		this.runner.withBean("badCron", BadCron.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(taskitoFailure(context)).hasMessageContaining("bean 'badCron' method BadCron.run")
				.hasMessageContaining("cron '*/5 * * * *' is not a cron expression")
				.hasMessageContaining("six fields, seconds first");
		});
	}

	@Test
	void aBadCronOrZoneInPropertiesFailsStartupNamingTheProperty() {
		this.runner.withBean("reports", Reports.class)
			.withPropertyValues("taskito.tasks.nightly.cron=every day")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(taskitoFailure(context)).hasMessageContaining("taskito.tasks.nightly.cron")
					.hasMessageContaining("'every day' is not a cron expression");
			});
		this.runner.withBean("reports", Reports.class)
			.withPropertyValues("taskito.tasks.nightly.zone=Paris")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(taskitoFailure(context)).hasMessageContaining("taskito.tasks.nightly.zone")
					.hasMessageContaining("zone 'Paris' is not a time zone");
			});
	}

	@Test
	void aCronOnAHandlerWithParametersFailsStartupNamingTheTask() {
		this.runner.withBean("withArguments", WithArguments.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(taskitoFailure(context)).hasMessageContaining("Task 'greet'")
				.hasMessageContaining("bean 'withArguments' method WithArguments.greet")
				.hasMessageContaining("declare no parameters other than a JobContext");
		});
		this.runner.withBean("reports", Reports.class)
			.withBean("withArguments", NotYetPeriodic.class)
			.withPropertyValues("taskito.tasks.greet.cron=0 * * * * *")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(taskitoFailure(context)).hasMessageContaining("Task 'greet'")
					.hasMessageContaining("taskito.tasks.greet.cron");
			});
	}

	@Test
	void aMisfireOnATaskThatIsNotPeriodicFailsStartup() {
		this.runner.withBean("reports", Reports.class)
			.withPropertyValues("taskito.tasks.plain.misfire=skip")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(taskitoFailure(context))
					.hasMessageContaining("taskito.tasks.plain.misfire is set but the task is not periodic");
			});
	}

	static class Reports {

		@Task(name = "nightly", cron = "0 30 2 * * *", zone = "Europe/Paris")
		void nightly(JobContext context) {
		}

		@Task(name = "hourly", cron = "0 0 * * * *")
		void hourly() {
		}

		@Task(name = "plain")
		void plain() {
		}

	}

	static class BadCron {

		@Task(cron = "*/5 * * * *")
		void run() {
		}

	}

	static class WithArguments {

		@Task(name = "greet", cron = "0 * * * * *")
		void greet(String name) {
		}

	}

	static class NotYetPeriodic {

		@Task(name = "greet")
		void greet(String name) {
		}

	}

}
