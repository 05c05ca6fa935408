package dev.taskito.spring.boot.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.TaskQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * With the dispatcher running as in production, {@link TaskitoTestSupport#awaitIdle}
 * returns once everything due has run.
 */
@SpringBootTest(classes = TestApplication.class)
class AwaitIdleTests {

	@Autowired
	TaskitoTestSupport taskito;

	@Autowired
	TaskQueue tasks;

	@Autowired
	TestApplication.Tasks handlers;

	@Test
	void awaitIdleReturnsOnceEveryDueJobHasRun() {
		List<EnqueueRequest> requests = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			requests.add(EnqueueRequest.of("greet", "guest " + i));
		}
		JobId later = this.tasks.enqueue(EnqueueRequest.of("greet", "tomorrow").delay(Duration.ofDays(1)));
		List<JobId> ids = this.tasks.enqueueAll(requests);

		this.taskito.awaitIdle(Duration.ofSeconds(20));

		assertThat(ids).allSatisfy((id) -> assertThat(this.tasks.find(id).orElseThrow().status())
			.isEqualTo(JobStatus.SUCCEEDED));
		assertThat(this.handlers.threads).doesNotContain(Thread.currentThread());
		assertThat(this.tasks.find(later).orElseThrow().status()).as("a job due later does not hold awaitIdle")
			.isEqualTo(JobStatus.PENDING);
		this.tasks.cancel(later);
	}

	@Test
	void runDueJobsRefusesWhileTheDispatcherRuns() {
		assertThatThrownBy(this.taskito::runDueJobs).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("set taskito.dispatcher.auto-startup=false");
	}

}
