package dev.taskito.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.taskito.AwaitTimeoutException;
import dev.taskito.BulkResult;
import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.TaskQueue;
import dev.taskito.Throughput;
import dev.taskito.JobQuery;
import dev.taskito.JobStats;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskitoException;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.RateLimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The operations of {@link dev.taskito.TaskQueue} on a real store, with real dispatchers:
 * awaiting a job woken by the store's notification, results, bulk cancel and retry, stats,
 * and pauses made from an instance that runs no dispatcher. Each store runs it through a
 * subclass of a few lines.
 */
public abstract class AbstractTaskQueueOperationsTest {

	/** Longer than any test: whatever happens in time happens because of a notification. */
	private static final Duration ONE_MINUTE = Duration.ofMinutes(1);

	private final List<TaskDispatcher> dispatchers = new CopyOnWriteArrayList<>();

	private final List<ClaimStore> stores = new CopyOnWriteArrayList<>();

	private final List<CountDownLatch> latches = new CopyOnWriteArrayList<>();

	/**
	 * @return a new store object on this test's own, empty namespace
	 */
	protected abstract ClaimStore newStore();

	/**
	 * Deletes this test's namespace, after every dispatcher and store has stopped.
	 */
	protected abstract void dropStoreData();

	@AfterEach
	void stopEverything() {
		this.latches.forEach((latch) -> {
			while (latch.getCount() > 0) {
				latch.countDown();
			}
		});
		this.dispatchers.forEach(TaskDispatcher::close);
		this.stores.forEach(ClaimStore::close);
		dropStoreData();
	}

	// awaiting

	@Test
	void awaitFinishedIsWokenByTheStoreWhenAnotherInstanceFinishesTheJob() throws Exception {
		CountDownLatch release = latch();
		// A worker that polls once a minute, and a producer that runs no dispatcher and re-reads
		// an awaited job only once a minute: only the store's notifications make this test pass.
		Worker worker = worker((registry) -> registry.register(TaskDefinition.of("slow", Handlers.noArgs((args, job) -> {
			release.await();
			return "done";
		}))), ONE_MINUTE);
		DefaultTaskQueue producer = producer((registry) -> registry.register(TaskDefinition.of("slow",
				Handlers.noArgs((args, job) -> null))));
		JobId id = producer.enqueue("slow");
		await().until(() -> producer.find(id).orElseThrow().status() == JobStatus.RUNNING);

		CompletableFuture<JobView> awaited = CompletableFuture.supplyAsync(() -> producer.awaitFinished(id, ONE_MINUTE));
		Thread.sleep(300);
		assertThat(awaited).as("still running").isNotDone();
		long released = System.nanoTime();
		release.countDown();
		JobView finished = awaited.get(20, TimeUnit.SECONDS);
		long wokenAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released);

		assertThat(finished.status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(finished.result()).isEqualTo("\"done\"");
		assertThat(wokenAfterMillis).as("woken by the notification, not the one-minute re-read").isLessThan(10_000);
		assertThat(producer.resultOf(id, String.class)).contains("done");
	}

	@Test
	void awaitFinishedReturnsAtOnceForAFinishedJobAndTimesOutNamingTheJob() {
		DefaultTaskQueue producer = producer((registry) -> registry.register(TaskDefinition.of("idle",
				Handlers.noArgs((args, job) -> null))));
		JobId pending = producer.enqueue("idle");
		assertThatThrownBy(() -> producer.awaitFinished(pending, Duration.ofMillis(200)))
			.isInstanceOf(AwaitTimeoutException.class)
			.hasMessageContaining(pending.toString())
			.hasMessageContaining("'idle'")
			.hasMessageContaining("PENDING")
			.satisfies((ex) -> assertThat(((AwaitTimeoutException) ex).getJob().id()).isEqualTo(pending));

		assertThat(producer.cancel(pending)).isTrue();
		assertThat(producer.awaitFinished(pending, Duration.ZERO).status()).isEqualTo(JobStatus.CANCELLED);

		JobId unknown = JobId.newId();
		assertThatThrownBy(() -> producer.awaitFinished(unknown, Duration.ofSeconds(1)))
			.isInstanceOf(TaskitoException.class)
			.hasMessageContaining(unknown.toString())
			.hasMessageContaining("does not exist");
	}

	@Test
	void awaitFinishedSeesACancelMadeOnAnotherInstance() throws Exception {
		DefaultTaskQueue producer = producer((registry) -> registry.register(TaskDefinition.of("later",
				Handlers.noArgs((args, job) -> null))));
		DefaultTaskQueue other = producer((registry) -> registry.register(TaskDefinition.of("later",
				Handlers.noArgs((args, job) -> null))));
		JobId id = producer.enqueue(EnqueueRequest.of("later").delay(Duration.ofHours(1)));
		CompletableFuture<JobView> awaited = CompletableFuture.supplyAsync(() -> producer.awaitFinished(id, ONE_MINUTE));
		// Time for the waiter to mark the job and go to sleep: the cancel comes after.
		Thread.sleep(300);
		assertThat(awaited).isNotDone();
		assertThat(other.cancel(id)).isTrue();
		assertThat(awaited.get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.CANCELLED);
	}

	@Test
	void resultOfDecodesWithTheApplicationsMapperAndNamesTheJobWhenItCannot() {
		Worker worker = worker((registry) -> registry.register(TaskDefinition.of("sum",
				Handlers.noArgs((args, job) -> Map.of("total", 42, "items", List.of(1, 2))))));
		JobId id = worker.queue.enqueue("sum");
		worker.queue.awaitFinished(id, Duration.ofSeconds(10));
		record Sum(int total, List<Integer> items) {
		}
		assertThat(worker.queue.resultOf(id, Sum.class)).contains(new Sum(42, List.of(1, 2)));
		assertThatThrownBy(() -> worker.queue.resultOf(id, Integer.class)).isInstanceOf(TaskitoException.class)
			.hasMessageContaining(id.toString())
			.hasMessageContaining("'sum'")
			.hasMessageContaining("java.lang.Integer");
		assertThat(worker.queue.resultOf(JobId.newId(), Sum.class)).isEmpty();
	}

	// bulk changes

	@Test
	void cancelAllCancelsEveryMatchingPendingJobInBatches() {
		DefaultTaskQueue producer = producer((registry) -> {
			registry.register(TaskDefinition.of("bulk", Handlers.noArgs((args, job) -> null)));
			registry.register(TaskDefinition.of("kept", Handlers.noArgs((args, job) -> null)));
		});
		int jobs = DefaultTaskQueue.BULK_BATCH_SIZE * 2 + 17;
		List<EnqueueRequest> requests = new ArrayList<>();
		for (int i = 0; i < jobs; i++) {
			requests.add(EnqueueRequest.of("bulk").delay(Duration.ofHours(1)));
		}
		producer.enqueueAll(requests);
		JobId kept = producer.enqueue(EnqueueRequest.of("kept").delay(Duration.ofHours(1)));

		BulkResult result = producer.cancelAll(JobQuery.all().task("bulk"));
		assertThat(result).isEqualTo(new BulkResult(jobs, 0));
		assertThat(producer.count(JobQuery.all().task("bulk").status(JobStatus.CANCELLED))).isEqualTo(jobs);
		assertThat(producer.find(kept).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		assertThat(producer.cancelAll(JobQuery.all().task("bulk"))).isEqualTo(new BulkResult(0, 0));
		assertThatThrownBy(() -> producer.cancelAll(JobQuery.all().status(JobStatus.DEAD)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("cancelAll")
			.hasMessageContaining("PENDING");
	}

	@Test
	void retryAllRunsDeadJobsAgain() {
		AtomicBoolean failing = new AtomicBoolean(true);
		AtomicInteger succeeded = new AtomicInteger();
		Worker worker = worker((registry) -> registry.register(TaskDefinition.of("flaky", Handlers.noArgs((args, job) -> {
			if (failing.get()) {
				throw new IllegalStateException("down");
			}
			succeeded.incrementAndGet();
			return null;
		})).withMaxRetries(0)));
		List<JobId> ids = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			ids.add(worker.queue.enqueue("flaky"));
		}
		for (JobId id : ids) {
			assertThat(worker.queue.awaitFinished(id, Duration.ofSeconds(10)).status()).isEqualTo(JobStatus.DEAD);
		}
		failing.set(false);
		assertThat(worker.queue.retryAll(JobQuery.all().task("flaky"))).isEqualTo(new BulkResult(5, 0));
		for (JobId id : ids) {
			assertThat(worker.queue.awaitFinished(id, Duration.ofSeconds(10)).status()).isEqualTo(JobStatus.SUCCEEDED);
		}
		assertThat(succeeded).hasValue(5);
		assertThatThrownBy(() -> worker.queue.retryAll(JobQuery.all().status(JobStatus.PENDING)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("retryAll")
			.hasMessageContaining("DEAD");
	}

	@Test
	void throughputCountsFinishedJobsPerTaskInTheSliceTheyWereCreatedIn() {
		Worker worker = worker((registry) -> {
			registry.register(TaskDefinition.of("fine", Handlers.noArgs((args, job) -> null)));
			registry.register(TaskDefinition.of("broken", Handlers.noArgs((args, job) -> {
				throw new IllegalStateException("down");
			})).withMaxRetries(0));
		});
		List<JobId> ids = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			ids.add(worker.queue.enqueue("fine"));
		}
		ids.add(worker.queue.enqueue("broken"));
		JobId pending = worker.queue.enqueue(EnqueueRequest.of("fine").delay(Duration.ofHours(1)));
		for (JobId id : ids) {
			worker.queue.awaitFinished(id, Duration.ofSeconds(10));
		}
		Throughput throughput = worker.queue.throughput(Duration.ofHours(1));
		assertThat(throughput.slice()).isEqualTo(Duration.ofMinutes(1));
		assertThat(throughput.slices()).hasSize(TaskQueue.THROUGHPUT_SLICES);
		assertThat(throughput.succeeded()).isEqualTo(3);
		assertThat(throughput.dead()).isEqualTo(1);
		assertThat(throughput.tasks()).containsExactly(new Throughput.TaskThroughput("broken", 0, 1),
				new Throughput.TaskThroughput("fine", 3, 0));
		Throughput.Slice last = throughput.slices().get(TaskQueue.THROUGHPUT_SLICES - 1);
		assertThat(last.start()).isBeforeOrEqualTo(Instant.now());
		assertThat(last.start().plus(throughput.slice())).isAfter(Instant.now().minusSeconds(5));
		assertThat(worker.queue.find(pending).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		assertThatThrownBy(() -> worker.queue.throughput(Duration.ofSeconds(10)))
			.isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void rescheduleToNowRunsADelayedJobAtOnce() {
		Worker worker = worker((registry) -> registry.register(TaskDefinition.of("delayed",
				Handlers.noArgs((args, job) -> null))));
		JobId id = worker.queue.enqueue(EnqueueRequest.of("delayed").delay(Duration.ofHours(1)));
		assertThat(worker.queue.reschedule(id, Instant.now())).isTrue();
		assertThat(worker.queue.awaitFinished(id, Duration.ofSeconds(10)).status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(worker.queue.reschedule(id, Instant.now())).as("finished").isFalse();
		assertThat(worker.queue.delete(id)).isTrue();
		assertThat(worker.queue.find(id)).isEmpty();
	}

	// stats and pauses

	@Test
	void statsCountJobsPerTaskAndQueueBesideTheLimitsAndPauses() {
		CountDownLatch release = latch();
		Worker worker = worker((registry) -> {
			registry.register(TaskDefinition.of("held", Handlers.noArgs((args, job) -> {
				release.await();
				return null;
			})).withMaxConcurrent(2).withQueue("work"));
			registry.register(TaskDefinition.of("doomed", Handlers.noArgs((args, job) -> {
				throw new IllegalStateException("no");
			})).withMaxRetries(0).withRateLimit(RateLimit.parse("10/s")).withQueue("work"));
			registry.configureQueue(new QueueDefinition("work", 5, null));
		});
		for (int i = 0; i < 4; i++) {
			worker.queue.enqueue("held");
		}
		JobId doomed = worker.queue.enqueue("doomed");
		worker.queue.awaitFinished(doomed, Duration.ofSeconds(10));
		await().until(() -> worker.queue.count(JobQuery.all().status(JobStatus.RUNNING)) == 2);
		worker.queue.pauseQueue("elsewhere");

		JobStats stats = worker.queue.stats();
		assertThat(stats.tasks()).containsExactly(
				new JobStats.TaskStats("doomed", 0, 0, 1, 0, RateLimit.parse("10/s")),
				new JobStats.TaskStats("held", 2, 2, 0, 2, null));
		assertThat(stats.queues()).containsExactly(
				new JobStats.QueueStats("elsewhere", 0, 0, 0, 0, null, true),
				new JobStats.QueueStats("work", 2, 2, 1, 5, null, false));
	}

	@Test
	void aQueuePausedFromAProducerStopsEveryDispatcherAndResumingWakesThem() throws InterruptedException {
		AtomicInteger ran = new AtomicInteger();
		Worker worker = worker((registry) -> registry.register(TaskDefinition.of("pausable",
				Handlers.noArgs((args, job) -> ran.incrementAndGet())).withQueue("mail")));
		DefaultTaskQueue producer = producer((registry) -> registry.register(TaskDefinition.of("pausable",
				Handlers.noArgs((args, job) -> null)).withQueue("mail")));
		producer.pauseQueue("mail");
		assertThat(producer.pausedQueues()).containsExactly("mail");
		// The worker reads pauses once per poll interval, which is short in this test.
		Thread.sleep(300);
		JobId id = producer.enqueue("pausable");
		worker.dispatcher.wakeUp();
		assertThatThrownBy(() -> producer.awaitFinished(id, Duration.ofMillis(700)))
			.isInstanceOf(AwaitTimeoutException.class);
		assertThat(ran).hasValue(0);

		worker.queue.resumeQueue("mail");
		assertThat(producer.awaitFinished(id, Duration.ofSeconds(10)).status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(producer.pausedQueues()).isEmpty();
		assertThatThrownBy(() -> producer.pauseQueue(" ")).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("pauseQueue");
	}

	// fixtures

	private record Worker(DefaultTaskQueue queue, TaskDispatcher dispatcher) {
	}

	private Worker worker(Consumer<TaskRegistry> tasks) {
		return worker(tasks, Duration.ofMillis(100));
	}

	private Worker worker(Consumer<TaskRegistry> tasks, Duration pollInterval) {
		ClaimStore store = store();
		TaskRegistry registry = new TaskRegistry();
		tasks.accept(registry);
		DefaultTaskQueue queue = new DefaultTaskQueue(store, registry);
		queue.setAwaitRecheckInterval(ONE_MINUTE);
		TaskDispatcher dispatcher = TaskDispatcher.builder(store, registry)
			.concurrency(4)
			.pollInterval(pollInterval)
			.retryBackoff(Duration.ofMillis(20))
			.shutdownTimeout(Duration.ofMillis(500))
			.build();
		queue.addEnqueueListener(dispatcher::wakeUp);
		queue.addQueuePauseListener(dispatcher::refreshQueuePauses);
		this.dispatchers.add(dispatcher);
		dispatcher.start();
		return new Worker(queue, dispatcher);
	}

	private DefaultTaskQueue producer(Consumer<TaskRegistry> tasks) {
		TaskRegistry registry = new TaskRegistry();
		tasks.accept(registry);
		DefaultTaskQueue queue = new DefaultTaskQueue(store(), registry);
		queue.setAwaitRecheckInterval(ONE_MINUTE);
		return queue;
	}

	private ClaimStore store() {
		ClaimStore store = newStore();
		store.start();
		this.stores.add(store);
		return store;
	}

	private CountDownLatch latch() {
		CountDownLatch latch = new CountDownLatch(1);
		this.latches.add(latch);
		return latch;
	}

}
