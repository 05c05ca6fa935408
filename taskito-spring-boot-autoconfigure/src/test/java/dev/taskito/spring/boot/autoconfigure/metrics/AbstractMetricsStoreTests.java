package dev.taskito.spring.boot.autoconfigure.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.TaskQueue;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;
import dev.taskito.spring.boot.autoconfigure.listener.TaskitoListenerAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The meters after real jobs on a real store, with a {@link SimpleMeterRegistry} per
 * instance: counters and timers of this instance's jobs, and cluster gauges that two
 * instances on one store report alike. A second instance whose claims skip the store's
 * atomic cap gate makes a cap rejection happen on purpose. Subclasses give the store.
 */
abstract class AbstractMetricsStoreTests {

	private static final Duration DEADLINE = Duration.ofSeconds(30);

	/**
	 * @param runner a runner with Taskito's auto-configuration and this instance's registry
	 * @return the runner with the store's settings and beans
	 */
	abstract ApplicationContextRunner withStore(ApplicationContextRunner runner);

	/**
	 * @param runner an instance's runner
	 * @return the runner with its store wrapped in an {@link UngatedClaimStore}
	 */
	ApplicationContextRunner withUngatedStore(ApplicationContextRunner runner) {
		return runner.withBean(UngatedClaimStore.class);
	}

	private ApplicationContextRunner instance() {
		return withStore(new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class,
					TaskitoListenerAutoConfiguration.class, TaskitoMetricsAutoConfiguration.class))
			.withPropertyValues("taskito.metrics.gauge-interval=100ms", "taskito.dispatcher.poll-interval=100ms",
					"taskito.worker.concurrency=4", "taskito.shutdown.timeout=5s")
			.withBean(SimpleMeterRegistry.class)
			.withBean(MeteredTasks.class));
	}

	@Test
	void countersAndTimersFollowTheJobs() {
		instance().run((context) -> {
			assertThat(context).hasNotFailed();
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			TaskQueue queue = context.getBean(TaskQueue.class);
			for (int i = 0; i < 3; i++) {
				queue.enqueue("metered-ok", i);
			}
			queue.enqueue("metered-dead", 1);
			JobId later = queue.enqueue(EnqueueRequest.of("metered-ok", 9).delay(Duration.ofHours(1)));
			assertThat(queue.cancel(later)).isTrue();
			await().atMost(DEADLINE).untilAsserted(() -> {
				assertThat(count(registry.find("taskito.jobs.finished")
					.tags("task", "metered-ok", "queue", MeteredTasks.QUEUE, "outcome", "succeeded"))).isEqualTo(3);
				assertThat(count(registry.find("taskito.jobs.finished").tags("task", "metered-dead", "outcome", "dead")))
					.isEqualTo(1);
				assertThat(count(registry.find("taskito.jobs.finished").tags("task", "metered-ok", "outcome", "cancelled")))
					.isEqualTo(1);
				assertThat(count(registry.find("taskito.jobs.enqueued").tags("task", "metered-ok"))).isEqualTo(4);
				assertThat(count(registry.find("taskito.jobs.enqueued").tags("task", "metered-dead"))).isEqualTo(1);
			});
			assertThat(registry.find("taskito.job.execution").tags("task", "metered-ok", "outcome", "succeeded")
				.timer()
				.count()).isEqualTo(3);
			assertThat(registry.find("taskito.job.execution").tags("task", "metered-dead", "outcome", "dead")
				.timer()
				.count()).isEqualTo(1);
			assertThat(registry.find("taskito.job.wait").tags("task", "metered-ok").timer().count())
				.as("every start records its wait").isEqualTo(3);
			assertThat(count(registry.find("taskito.jobs.finished").tags("outcome", "failed")))
				.as("no attempt of these failed with a retry left").isZero();
			assertThat(registry.getMeters()).allSatisfy((meter) -> assertThat(meter.getId().getTags())
				.allSatisfy((tag) -> assertThat(tag.getKey()).isIn("task", "queue", "outcome", "reason")));
		});
	}

	@Test
	void clusterGaugesAndACapRejection() {
		instance().run((first) -> {
			assertThat(first).hasNotFailed();
			MeteredTasks tasks = first.getBean(MeteredTasks.class);
			TaskQueue queue = first.getBean(TaskQueue.class);
			MeterRegistry firstRegistry = first.getBean(MeterRegistry.class);
			try {
				queue.enqueue("metered-capped", 1);
				await().atMost(DEADLINE).until(() -> tasks.cappedStarted.get() == 1);
				queue.enqueue("metered-capped", 2);
				queue.enqueue("metered-capped", 3);
				await().atMost(DEADLINE).untilAsserted(() -> {
					assertThat(gauge(firstRegistry, "taskito.jobs.running", "queue", MeteredTasks.QUEUE)).isEqualTo(1);
					assertThat(gauge(firstRegistry, "taskito.task.running", "task", "metered-capped")).isEqualTo(1);
					assertThat(gauge(firstRegistry, "taskito.jobs.pending", "queue", MeteredTasks.QUEUE)).isEqualTo(2);
					assertThat(gauge(firstRegistry, "taskito.queue.oldest.pending", "queue", MeteredTasks.QUEUE))
						.as("due jobs wait behind the cap").isGreaterThan(0);
				});
				withUngatedStore(instance()).run((second) -> {
					assertThat(second).hasNotFailed();
					MeterRegistry secondRegistry = second.getBean(MeterRegistry.class);
					await().atMost(DEADLINE).untilAsserted(() -> {
						assertThat(count(secondRegistry.find("taskito.jobs.rejected")
							.tags("task", "metered-capped", "queue", MeteredTasks.QUEUE, "reason", "cap")))
							.as("the second instance over-claimed the cap and gave the claim back")
							.isGreaterThan(0);
						assertThat(gauge(secondRegistry, "taskito.jobs.pending", "queue", MeteredTasks.QUEUE))
							.as("every instance reports the cluster's figure")
							.isEqualTo(2);
						assertThat(gauge(secondRegistry, "taskito.task.running", "task", "metered-capped")).isEqualTo(1);
					});
					assertThat(second.getBean(MeteredTasks.class).cappedStarted.get())
						.as("the cap of one held: the second instance ran none").isZero();
				});
			}
			finally {
				tasks.release.countDown();
			}
			await().atMost(DEADLINE).untilAsserted(() -> {
				assertThat(gauge(firstRegistry, "taskito.jobs.pending", "queue", MeteredTasks.QUEUE)).isZero();
				assertThat(gauge(firstRegistry, "taskito.jobs.running", "queue", MeteredTasks.QUEUE)).isZero();
				assertThat(gauge(firstRegistry, "taskito.queue.oldest.pending", "queue", MeteredTasks.QUEUE)).isZero();
			});
		});
	}

	private static double count(Search search) {
		return search.counters().stream().mapToDouble((counter) -> counter.count()).sum();
	}

	private static double gauge(MeterRegistry registry, String name, String key, String value) {
		Gauge gauge = registry.find(name).tag(key, value).gauge();
		return (gauge != null) ? gauge.value() : -1;
	}

}
