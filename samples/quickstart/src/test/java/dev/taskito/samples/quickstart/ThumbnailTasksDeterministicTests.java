package dev.taskito.samples.quickstart;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.TaskQueue;
import dev.taskito.spring.boot.test.TaskitoTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's tasks run deterministically: with {@code taskito.dispatcher.auto-startup=false}
 * nothing runs on its own, and {@link TaskitoTestSupport#runDueJobs()} runs every due job on
 * the test's thread before it returns.
 */
@SpringBootTest(properties = { "quickstart.runner.enabled=false", "taskito.dispatcher.auto-startup=false" })
class ThumbnailTasksDeterministicTests {

	@Autowired
	TaskQueue tasks;

	@Autowired
	TaskitoTestSupport taskito;

	@Test
	void aThumbnailRendersWhenTheTestRunsTheDueJobs() {
		JobId id = this.tasks.enqueue("render-thumbnail", 7);
		assertThat(this.tasks.find(id).orElseThrow().status()).isEqualTo(JobStatus.PENDING);

		assertThat(this.taskito.runDueJobs()).isEqualTo(1);

		assertThat(this.tasks.find(id).orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(this.tasks.resultOf(id, String.class)).contains("thumbnail-7.png");
		// Nothing is left due or running: idle at once.
		this.taskito.awaitIdle(Duration.ofSeconds(1));
	}

}
