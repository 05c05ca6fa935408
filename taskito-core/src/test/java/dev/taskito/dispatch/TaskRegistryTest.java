package dev.taskito.dispatch;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.taskito.JobContext;
import dev.taskito.Task;
import dev.taskito.TaskitoException;
import dev.taskito.store.RateLimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TaskRegistryTest {

	private final TaskRegistry registry = new TaskRegistry();

	@Test
	void registersAnnotatedMethodsWithTheirLimits() {
		List<TaskDefinition> tasks = this.registry.registerBean(new EmailTasks());
		assertThat(tasks).extracting(TaskDefinition::name).containsExactlyInAnyOrder("send-email", "EmailTasks.digest");
		TaskDefinition send = this.registry.require("send-email");
		assertThat(send.queue()).isEqualTo("emails");
		assertThat(send.maxConcurrent()).isEqualTo(2);
		assertThat(send.timeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(send.rateLimit()).isEqualTo(new RateLimit(100, Duration.ofMinutes(1)));
		assertThat(send.handler().parameters()).extracting(TaskHandler.Parameter::name).containsExactly("to", "subject");
		assertThat(this.registry.maxRetries(send)).as("the configured default").isEqualTo(3);
		assertThat(this.registry.queueNames()).containsExactly("default", "emails");
	}

	@Test
	void servesEveryTaskInEveryKnownQueue() {
		this.registry.registerBean(new EmailTasks());
		this.registry.configureQueue(new QueueDefinition("bulk", 5, null));
		// A job may be enqueued into any known queue, and the dispatcher claims it there.
		assertThat(this.registry.served().tasks()).containsExactlyInAnyOrder("send-email", "EmailTasks.digest");
		assertThat(this.registry.served().queues()).containsExactlyInAnyOrder("default", "emails", "bulk");
	}

	@Test
	void jobContextParameterIsFilledInNotBound() throws Exception {
		this.registry.registerBean(new EmailTasks());
		TaskDefinition digest = this.registry.require("EmailTasks.digest");
		assertThat(digest.handler().parameters()).extracting(TaskHandler.Parameter::name).containsExactly("day");
		JobContext context = new JobContext() {

			@Override
			public dev.taskito.JobId jobId() {
				return dev.taskito.JobId.newId();
			}

			@Override
			public String taskName() {
				return "EmailTasks.digest";
			}

			@Override
			public int attempt() {
				return 4;
			}

			@Override
			public boolean isLeaseLost() {
				return false;
			}

		};
		assertThat(digest.handler().handle(new Object[] { "monday" }, context)).isEqualTo("monday@4");
	}

	@Test
	void twoHandlersWithOneNameFailNamingBoth() {
		this.registry.registerBean(new EmailTasks());
		assertThatThrownBy(() -> this.registry.registerBean(new DuplicateTasks(), DuplicateTasks.class, "dupes",
				(task) -> task))
			.isInstanceOf(TaskitoException.class)
			.hasMessageContaining("Two handlers are named 'send-email'")
			.hasMessageContaining("bean 'EmailTasks' method EmailTasks.send")
			.hasMessageContaining("bean 'dupes' method DuplicateTasks.other");
	}

	@Test
	void negativeCapFailsNamingBeanMethodAndTask() {
		assertThatThrownBy(() -> this.registry.registerBean(new NegativeCap(), NegativeCap.class, "negative",
				(task) -> task))
			.isInstanceOf(TaskitoException.class)
			.hasMessageContaining("bean 'negative' method NegativeCap.run")
			.hasMessageContaining("maxConcurrent = -1");
	}

	@Test
	void unreadableTimeoutAndRateLimitFailNamingTheTask() {
		assertThatThrownBy(() -> this.registry.registerBean(new BadTimeout()))
			.hasMessageContaining("BadTimeout.run")
			.hasMessageContaining("Cannot read duration 'soon'");
		assertThatThrownBy(() -> this.registry.registerBean(new BadRate()))
			.hasMessageContaining("BadRate.run")
			.hasMessageContaining("Cannot read rate limit 'lots'");
	}

	@Test
	void overridesApplyBeforeRegistration() {
		this.registry.registerBean(new EmailTasks(), EmailTasks.class, "emailTasks",
				(task) -> task.name().equals("send-email") ? task.withMaxConcurrent(5) : task);
		assertThat(this.registry.require("send-email").maxConcurrent()).isEqualTo(5);
	}

	@Test
	void rateLimitsAndDurationsParse() {
		assertThat(RateLimit.parse("5/10s")).isEqualTo(new RateLimit(5, Duration.ofSeconds(10)));
		assertThat(RateLimit.parse(" 3 / h ")).isEqualTo(new RateLimit(3, Duration.ofHours(1)));
		assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
		assertThat(Durations.parse("PT2M")).isEqualTo(Duration.ofMinutes(2));
		assertThat(Durations.parse("30")).as("a plain number is milliseconds, as in Spring Boot")
			.isEqualTo(Duration.ofMillis(30));
		assertThat(Durations.parse(" ")).isNull();
		assertThatThrownBy(() -> RateLimit.parse("0/s")).hasMessageContaining("at least 1 permit");
	}

	@Test
	void retryDelayGrowsExponentiallyWithJitterUpToTheCap() {
		RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(1), Duration.ofMinutes(5));
		for (int i = 0; i < 50; i++) {
			assertThat(backoff.delay(1)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
			assertThat(backoff.delay(4)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
			assertThat(backoff.delay(40)).isBetween(Duration.ofMillis(150_000), Duration.ofMinutes(5));
		}
	}

	static class EmailTasks {

		@Task(name = "send-email", queue = "emails", maxConcurrent = 2, timeout = "30s", rateLimit = "100/m")
		void send(String to, String subject) {
		}

		@Task
		String digest(JobContext context, String day) {
			return day + "@" + context.attempt();
		}

	}

	static class DuplicateTasks {

		@Task(name = "send-email")
		void other() {
		}

	}

	static class NegativeCap {

		@Task(maxConcurrent = -1)
		void run() {
		}

	}

	static class BadTimeout {

		@Task(timeout = "soon")
		void run() {
		}

	}

	static class BadRate {

		@Task(rateLimit = "lots")
		void run() {
		}

	}

}
