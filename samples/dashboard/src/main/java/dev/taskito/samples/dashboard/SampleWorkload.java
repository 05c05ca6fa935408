package dev.taskito.samples.dashboard;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

import dev.taskito.EnqueueRequest;
import dev.taskito.TaskQueue;

/**
 * Something to look at: a burst of reports (more than the cap) and a few charges made while
 * the payment provider is down, so that they die. Off in the tests.
 */
@Component
@ConditionalOnProperty(name = "sample.workload", havingValue = "true", matchIfMissing = true)
class SampleWorkload implements ApplicationRunner {

	private final TaskQueue tasks;

	private final SampleTasks sampleTasks;

	SampleWorkload(TaskQueue tasks, SampleTasks sampleTasks) {
		this.tasks = tasks;
		this.sampleTasks = sampleTasks;
	}

	@Override
	public void run(ApplicationArguments args) {
		this.sampleTasks.providerDown(true);
		for (int i = 1; i <= 3; i++) {
			this.tasks.enqueue(EnqueueRequest.of("charge-card", "customer-" + i));
		}
		for (int i = 1; i <= 20; i++) {
			this.tasks.enqueue(EnqueueRequest.of("render-report", "monthly-" + i));
		}
	}

}
