package dev.taskito.spring.boot.test;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The deterministic mode: with {@code taskito.dispatcher.auto-startup=false}, jobs run
 * only in {@link TaskitoTestSupport#runDueJobs()}, on the test's own thread.
 */
@SpringBootTest(classes = TestApplication.class,
		properties = { "taskito.dispatcher.auto-startup=false", "taskito.retry.backoff=1h",
				"taskito.retry.max-backoff=1h" })
class RunDueJobsTests {

	@Autowired
	TaskitoTestSupport taskito;

	@Autowired
	TaskQueue tasks;

	@Autowired
	TestApplication.Tasks handlers;

	@BeforeEach
	void runWhatEarlierTestsLeft() {
		this.taskito.runDueJobs();
		this.handlers.threads.clear();
	}

	@Test
	void runDueJobsRunsEachJobOnTheCallingThread() {
		List<JobId> ids = this.tasks.enqueueAll(List.of(EnqueueRequest.of("greet", "Ada"),
				EnqueueRequest.of("greet", "Grace"), EnqueueRequest.of("greet", "Barbara")));
		assertThat(this.handlers.threads).as("nothing runs before the test asks").isEmpty();

		assertThat(this.taskito.runDueJobs()).isEqualTo(3);

		assertThat(this.handlers.threads).hasSize(3).containsOnly(Thread.currentThread());
		assertThat(ids).allSatisfy((id) -> assertThat(this.tasks.find(id).orElseThrow().status())
			.isEqualTo(JobStatus.SUCCEEDED));
		assertThat(this.tasks.resultOf(ids.get(0), String.class)).contains("Hello, Ada");
		assertThat(this.taskito.runDueJobs()).isZero();
	}

	@Test
	void runDueJobsRecordsAFailureAsTheDispatcherDoes() {
		JobId id = this.tasks.enqueue(EnqueueRequest.of("fail", "no luck").maxRetries(0));

		assertThat(this.taskito.runDueJobs()).isEqualTo(1);

		JobView dead = this.tasks.find(id).orElseThrow();
		assertThat(dead.status()).isEqualTo(JobStatus.DEAD);
		assertThat(dead.attempts()).isEqualTo(1);
		assertThat(dead.lastError()).contains("IllegalStateException: no luck");
	}

	@Test
	void aRetryWaitsForItsBackoff() {
		JobId id = this.tasks.enqueue("fail", "once more");

		assertThat(this.taskito.runDueJobs()).isEqualTo(1);

		JobView retried = this.tasks.find(id).orElseThrow();
		assertThat(retried.status()).isEqualTo(JobStatus.PENDING);
		assertThat(retried.attempts()).isEqualTo(1);
		assertThat(retried.runAt()).as("half the backoff is fixed, half random")
			.isAfter(retried.startedAt().plus(Duration.ofMinutes(29)));
		assertThat(this.taskito.runDueJobs()).as("not due before taskito.retry.backoff").isZero();
		this.tasks.cancel(id);
	}

	@Test
	void jobsDueLaterAreLeftForLater() {
		JobId later = this.tasks.enqueue(EnqueueRequest.of("greet", "tomorrow").delay(Duration.ofDays(1)));

		assertThat(this.taskito.runDueJobs()).isZero();

		assertThat(this.tasks.find(later).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		this.tasks.cancel(later);
	}

	@Test
	void awaitIdleTimesOutNamingTheJobsStillDue() {
		JobId id = this.tasks.enqueue("greet", "nobody");

		assertThatThrownBy(() -> this.taskito.awaitIdle(Duration.ofMillis(200))).isInstanceOf(AssertionError.class)
			.hasMessageContaining("Taskito was not idle after PT0.2S: 1 job(s) due and 0 running")
			.hasMessageContaining("job " + id + " of task 'greet': PENDING")
			.hasMessageContaining("taskito.dispatcher.auto-startup=false")
			.hasMessageContaining("runDueJobs()");

		assertThat(this.taskito.runDueJobs()).isEqualTo(1);
		this.taskito.awaitIdle(Duration.ofSeconds(1));
	}

}
