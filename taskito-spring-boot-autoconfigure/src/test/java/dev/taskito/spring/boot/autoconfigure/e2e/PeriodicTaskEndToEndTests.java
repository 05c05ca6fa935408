package dev.taskito.spring.boot.autoconfigure.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.taskito.JobContext;
import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobView;
import dev.taskito.ScheduleView;
import dev.taskito.Task;
import dev.taskito.TaskQueue;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code @Task(cron)} handler in an application on the embedded store: it runs once per
 * tick and sees its tick, the job shows it, the schedule is listed with its next run, and a
 * pause stops the ticks until the resume.
 */
@SpringBootTest(classes = PeriodicTaskEndToEndTests.Application.class,
		properties = "taskito.dispatcher.poll-interval=100ms")
@DirtiesContext
class PeriodicTaskEndToEndTests {

	@TempDir
	static Path embedded;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("taskito.jdbc.embedded-path", embedded::toString);
	}

	@Autowired
	TaskQueue taskQueue;

	@Autowired
	Ticks ticks;

	@Test
	void aCronTaskRunsOncePerTickSeesItAndPausesAndResumes() throws InterruptedException {
		await().atMost(Duration.ofSeconds(10)).until(() -> this.ticks.seen.size() >= 3);
		assertThat(this.ticks.seen.values()).as("each tick ran once").containsOnly(1);
		assertThat(this.ticks.seen.keySet()).allSatisfy((tick) -> assertThat(tick.getNano()).isZero());
		List<JobView> jobs = this.taskQueue.jobs(JobQuery.all().task("every-second"));
		assertThat(jobs).extracting(JobView::scheduledFor).doesNotHaveDuplicates().doesNotContainNull();
		ScheduleView schedule = this.taskQueue.schedules().get(0);
		assertThat(schedule.task()).isEqualTo("every-second");
		assertThat(schedule.definition()).isEqualTo("cron * * * * * * zone Z");
		assertThat(schedule.nextRunAt()).isAfter(schedule.lastTick());

		this.taskQueue.pauseSchedule("every-second");
		JobId last = this.taskQueue.schedules().get(0).lastJobId();
		Thread.sleep(2_000);
		assertThat(this.taskQueue.schedules().get(0).lastJobId()).as("no tick while paused").isEqualTo(last);
		this.taskQueue.resumeSchedule("every-second");
		await().atMost(Duration.ofSeconds(5))
			.until(() -> !this.taskQueue.schedules().get(0).lastJobId().equals(last));
	}

	@SpringBootConfiguration
	@ImportAutoConfiguration(TaskitoAutoConfiguration.class)
	@Import(Ticks.class)
	static class Application {

	}

	static class Ticks {

		final Map<Instant, Integer> seen = new ConcurrentHashMap<>();

		@Task(name = "every-second", cron = "* * * * * *")
		void tick(JobContext context) {
			this.seen.merge(context.scheduledFor().orElseThrow(), 1, Integer::sum);
		}

	}

}
