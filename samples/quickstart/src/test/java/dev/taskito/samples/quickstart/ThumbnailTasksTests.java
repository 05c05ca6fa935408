package dev.taskito.samples.quickstart;

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
import dev.taskito.spring.boot.test.TaskitoTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's tasks with the dispatcher running as in production: enqueue, then wait
 * until Taskito is idle. The test context keeps its jobs in a temporary embedded store of
 * its own (taskito-spring-boot-test), never in {@code ./.taskito}.
 */
@SpringBootTest(properties = "quickstart.runner.enabled=false")
class ThumbnailTasksTests {

	@Autowired
	TaskQueue tasks;

	@Autowired
	TaskitoTestSupport taskito;

	@Autowired
	ThumbnailTasks thumbnails;

	@Test
	void everyThumbnailRendersAndTheCapHolds() {
		List<EnqueueRequest> requests = new ArrayList<>();
		for (int image = 1; image <= 9; image++) {
			requests.add(EnqueueRequest.of("render-thumbnail", image));
		}
		List<JobId> ids = this.tasks.enqueueAll(requests);

		this.taskito.awaitIdle(Duration.ofSeconds(30));

		assertThat(ids).allSatisfy((id) -> assertThat(this.tasks.find(id).orElseThrow().status())
			.isEqualTo(JobStatus.SUCCEEDED));
		assertThat(this.tasks.resultOf(ids.get(0), String.class)).contains("thumbnail-1.png");
		assertThat(this.thumbnails.maxRunning()).isBetween(1, ThumbnailTasks.CAP);
	}

}
