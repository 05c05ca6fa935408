package dev.taskito.spring.boot.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Jobs survive a restart on the embedded file: what one run of the application left
 * pending, the next one runs; what a stop gave back, too, within Spring Boot's shutdown
 * phase.
 */
@ExtendWith(OutputCaptureExtension.class)
class RestartEndToEndTests {

	@TempDir
	Path embedded;

	@Test
	void aRestartOnTheSameEmbeddedFileRunsTheJobsLeftPending() {
		List<JobId> ids = new ArrayList<>();
		try (ConfigurableApplicationContext first = start("--taskito.dispatcher.enabled=false")) {
			TaskQueue queue = first.getBean(TaskQueue.class);
			for (int i = 0; i < 10; i++) {
				ids.add(queue.enqueue("record", "job-" + i, List.of(i)));
			}
			assertThat(ids).allSatisfy((id) -> assertThat(queue.find(id)).map(JobView::status).contains(JobStatus.PENDING));
		}
		try (ConfigurableApplicationContext second = start()) {
			TaskQueue queue = second.getBean(TaskQueue.class);
			EndToEndApplication.Tasks tasks = second.getBean(EndToEndApplication.Tasks.class);
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ids)
				.allSatisfy((id) -> assertThat(queue.find(id)).map(JobView::status).contains(JobStatus.SUCCEEDED)));
			assertThat(tasks.ran).hasSize(10);
		}
	}

	@Test
	void shutdownGivesBackAJobStillRunningWithoutConsumingAnAttempt() throws InterruptedException {
		JobId slow;
		try (ConfigurableApplicationContext context = start("--taskito.shutdown.timeout=300ms")) {
			slow = context.getBean(TaskQueue.class).enqueue("slow");
			assertThat(context.getBean(EndToEndApplication.Tasks.class).slowStarted.await(30, TimeUnit.SECONDS))
				.isTrue();
			assertThat(context.getBean(TaskQueue.class).find(slow)).map(JobView::status).contains(JobStatus.RUNNING);
		}
		try (ConfigurableApplicationContext context = start("--taskito.dispatcher.enabled=false")) {
			JobView job = context.getBean(TaskQueue.class).find(slow).orElseThrow();
			assertThat(job.status()).isEqualTo(JobStatus.PENDING);
			assertThat(job.attempts()).isZero();
		}
	}

	@Test
	void withOnlyBootsShutdownPhaseSetTheStopGivesBackARunningJobInsideThePhase(CapturedOutput output)
			throws InterruptedException {
		JobId slow;
		try (ConfigurableApplicationContext context = start("--spring.lifecycle.timeout-per-shutdown-phase=2s")) {
			slow = context.getBean(TaskQueue.class).enqueue("slow");
			assertThat(context.getBean(EndToEndApplication.Tasks.class).slowStarted.await(30, TimeUnit.SECONDS))
				.isTrue();
		}
		assertThat(output).as("Spring Boot's shutdown phase ended before Taskito had stopped")
			.doesNotContain("still running after timeout");
		try (ConfigurableApplicationContext context = start("--taskito.dispatcher.enabled=false")) {
			JobView job = context.getBean(TaskQueue.class).find(slow).orElseThrow();
			assertThat(job.status()).isEqualTo(JobStatus.PENDING);
			assertThat(job.attempts()).isZero();
		}
	}

	@Test
	void aPauseMadeAtRuntimeSurvivesRestartsWithTheSettingItOverrodeUntilTheSettingChanges()
			throws InterruptedException {
		try (ConfigurableApplicationContext context = start("--taskito.queues.default.paused=false")) {
			TaskQueue queue = context.getBean(TaskQueue.class);
			assertThat(queue.pausedQueues()).doesNotContain("default");
			queue.pauseQueue("default");
		}
		JobId waiting;
		try (ConfigurableApplicationContext context = start("--taskito.queues.default.paused=false")) {
			TaskQueue queue = context.getBean(TaskQueue.class);
			assertThat(queue.pausedQueues()).as("the setting is the one the runtime pause overrode").contains("default");
			waiting = queue.enqueue("record", "paused", List.of(1));
			Thread.sleep(500);
			assertThat(queue.find(waiting)).map(JobView::status).contains(JobStatus.PENDING);
		}
		try (ConfigurableApplicationContext context = start("--taskito.queues.default.paused=true")) {
			assertThat(context.getBean(TaskQueue.class).pausedQueues()).contains("default");
		}
		try (ConfigurableApplicationContext context = start("--taskito.queues.default.paused=false")) {
			TaskQueue queue = context.getBean(TaskQueue.class);
			assertThat(queue.pausedQueues()).as("a changed setting applies").doesNotContain("default");
			assertThat(queue.awaitFinished(waiting, Duration.ofSeconds(30)).status()).isEqualTo(JobStatus.SUCCEEDED);
		}
	}

	private ConfigurableApplicationContext start(String... args) {
		List<String> all = new ArrayList<>(List.of("--taskito.jdbc.embedded-path=" + this.embedded,
				"--taskito.dispatcher.poll-interval=100ms"));
		all.addAll(List.of(args));
		return new SpringApplicationBuilder(EndToEndApplication.Embedded.class, BootsLifecycle.class)
			.web(WebApplicationType.NONE)
			.run(all.toArray(String[]::new));
	}

	/**
	 * Spring Boot's lifecycle processor, which applies
	 * {@code spring.lifecycle.timeout-per-shutdown-phase}.
	 */
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(LifecycleAutoConfiguration.class)
	static class BootsLifecycle {

	}

}
