package dev.taskito.spring.boot.autoconfigure.listener;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.annotation.Order;

import dev.taskito.JobExecutionInterceptor;
import dev.taskito.JobHeadersContributor;
import dev.taskito.JobId;
import dev.taskito.Task;
import dev.taskito.TaskEvent;
import dev.taskito.TaskListener;
import dev.taskito.TaskQueue;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every {@link TaskListener}, {@link JobExecutionInterceptor} and
 * {@link JobHeadersContributor} bean is applied: a job on the embedded store reaches the
 * listeners from the queue (enqueue) and from the dispatcher (start, outcome), the
 * interceptors in order around its handler, with the headers the contributor added.
 */
class TaskitoListenerAutoConfigurationTests {

	@TempDir
	Path embedded;

	@Test
	void everyListenerInterceptorAndContributorBeanIsApplied() {
		List<String> calls = new CopyOnWriteArrayList<>();
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class,
					TaskitoListenerAutoConfiguration.class))
			.withPropertyValues("taskito.jdbc.embedded-path=" + this.embedded, "taskito.dispatcher.poll-interval=100ms")
			.withBean(Tasks.class, () -> new Tasks(calls))
			.withBean("first", TaskListener.class, () -> new Recording("first"))
			.withBean("second", TaskListener.class, () -> new Recording("second"))
			// Registered inner first: their @Order, not registration, nests them.
			.withBean("inner", JobExecutionInterceptor.class, () -> new Inner(calls))
			.withBean("outer", JobExecutionInterceptor.class, () -> new Outer(calls))
			.withBean(JobHeadersContributor.class, () -> (request) -> Map.of("origin", "test-" + request.taskName()))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				JobId id = context.getBean(TaskQueue.class).enqueue("listened", 7);
				await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					for (String name : List.of("first", "second")) {
						Recording listener = context.getBean(name, Recording.class);
						assertThat(listener.events).extracting(TaskEvent::type)
							.containsExactlyInAnyOrder(TaskEvent.Type.ENQUEUED, TaskEvent.Type.STARTED,
									TaskEvent.Type.SUCCEEDED);
						assertThat(listener.events).allSatisfy((event) -> assertThat(event.jobId()).isEqualTo(id));
					}
				});
				assertThat(calls).containsExactly("outer origin=test-listened", "inner", "handler 7");
			});
	}

	/**
	 * Records the events it is told of.
	 */
	static final class Recording implements TaskListener {

		final String name;

		final List<TaskEvent> events = new CopyOnWriteArrayList<>();

		Recording(String name) {
			this.name = name;
		}

		@Override
		public void onEvent(TaskEvent event) {
			this.events.add(event);
		}

	}

	@Order(1)
	record Outer(List<String> calls) implements JobExecutionInterceptor {

		@Override
		public Object intercept(Execution execution) throws Exception {
			this.calls.add("outer origin=" + execution.headers().get("origin"));
			return execution.proceed();
		}

	}

	@Order(2)
	record Inner(List<String> calls) implements JobExecutionInterceptor {

		@Override
		public Object intercept(Execution execution) throws Exception {
			this.calls.add("inner");
			return execution.proceed();
		}

	}

	/**
	 * The task the test runs.
	 */
	static class Tasks {

		final List<String> calls;

		Tasks(List<String> calls) {
			this.calls = calls;
		}

		@Task(name = "listened")
		void listened(int n) {
			this.calls.add("handler " + n);
		}

	}

}
