package dev.taskito.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.store.ClaimStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three dispatchers, each with its own store connections and worker pool, drain 10,000
 * jobs from one store: every job runs exactly once, and the handlers themselves record
 * that no capped task or queue ever ran more than its cap at once and that each cap was
 * reached, with the store's cap gate and without it. Run with
 * {@code -Dtaskito.test.capCheck=BROKEN_COUNT_BEFORE_CLAIM} or {@code BROKEN_GREATER_OR_EQUAL}
 * to watch it fail (the first bug only without the gate, which spares the post-claim check
 * every lost race).
 */
public abstract class AbstractClusterTest {

	private static final int SOLO_JOBS = 300;

	private static final int TRIO_JOBS = 900;

	private static final int BOUNDED_JOBS = 1_800;

	private static final int FREE_JOBS = 7_000;

	private static final int TOTAL_JOBS = SOLO_JOBS + TRIO_JOBS + BOUNDED_JOBS + FREE_JOBS;

	private final ExecutionRecorder recorder = new ExecutionRecorder();

	private final List<TaskDispatcher> dispatchers = new CopyOnWriteArrayList<>();

	private final List<ClaimStore> stores = new CopyOnWriteArrayList<>();

	/**
	 * @return a new store object on this test's own, empty namespace
	 */
	protected abstract ClaimStore newStore();

	@AfterEach
	void stopEverything() {
		this.dispatchers.forEach(TaskDispatcher::close);
		this.stores.forEach(ClaimStore::close);
		dropStoreData();
	}

	/**
	 * Deletes this test's namespace, after every dispatcher and store has stopped.
	 */
	protected abstract void dropStoreData();

	@Test
	void threeDispatchersRunEveryJobOnceWithinEveryCap() {
		runEveryJobOnceWithinEveryCap(true);
	}

	/**
	 * The same without the store's cap gate: racing dispatchers over-claim, and the
	 * post-claim check alone must hold every cap.
	 */
	@Test
	void threeDispatchersWithoutTheCapGateRunEveryJobOnceWithinEveryCap() {
		runEveryJobOnceWithinEveryCap(false);
	}

	private void runEveryJobOnceWithinEveryCap(boolean atomicCapGate) {
		List<DefaultTaskQueue> queues = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			queues.add(startInstance(i, atomicCapGate));
		}
		List<EnqueueRequest> requests = new ArrayList<>(TOTAL_JOBS);
		for (int i = 0; i < TOTAL_JOBS; i++) {
			// Interleaved, so capped and free work compete for the same slots all along.
			int kind = i % 20;
			String task = (kind == 0) ? "solo" : (kind < 3) ? "trio" : (kind < 5) ? "bulk-a" : (kind < 7) ? "bulk-b" : "free";
			requests.add(EnqueueRequest.of(task, i));
		}
		List<JobId> ids = new ArrayList<>();
		for (int from = 0; from < requests.size(); from += 500) {
			ids.addAll(queues.get(from / 500 % 3).enqueueAll(requests.subList(from, Math.min(from + 500, requests.size()))));
		}
		assertThat(ids).doesNotHaveDuplicates().hasSize(TOTAL_JOBS);

		await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
			.until(() -> this.recorder.finished() >= TOTAL_JOBS);
		await().atMost(Duration.ofSeconds(30))
			.until(() -> this.dispatchers.stream().allMatch((dispatcher) -> dispatcher.runningJobs() == 0));

		System.out.println("Last execution end per task and queue (ms): " + this.recorder.lastEndMillis());
		Map<Integer, Long> executionsPerJob = this.recorder.executions().values().stream()
			.collect(Collectors.groupingBy(AtomicInteger::get, Collectors.counting()));
		assertThat(executionsPerJob).as("executions per job -> number of jobs").isEqualTo(Map.of(1, (long) TOTAL_JOBS));
		assertThat(this.recorder.executions().keySet()).containsExactlyInAnyOrderElementsOf(ids);
		assertThat(this.recorder.highest("task:solo")).as("task capped at 1").isEqualTo(1);
		assertThat(this.recorder.highest("task:trio")).as("task capped at 3").isEqualTo(3);
		assertThat(this.recorder.highest("queue:bounded")).as("queue capped at 4").isEqualTo(4);
		assertThat(this.recorder.highest("task:free")).as("uncapped work used the other slots").isGreaterThan(4);
		DefaultTaskQueue queue = queues.get(0);
		assertThat(ids.stream().map((id) -> queue.find(id).orElseThrow().status()).distinct())
			.containsExactly(JobStatus.SUCCEEDED);
		assertThat(ids.stream().mapToInt((id) -> queue.find(id).orElseThrow().attempts()).max().orElseThrow())
			.as("no job needed a second attempt").isEqualTo(1);
	}

	private DefaultTaskQueue startInstance(int index, boolean atomicCapGate) {
		ClaimStore store = newStore();
		store.start();
		this.stores.add(store);
		TaskRegistry registry = new TaskRegistry();
		registry.register(task("solo", "default", 2).withMaxConcurrent(1));
		registry.register(task("trio", "default", 4).withMaxConcurrent(3));
		registry.register(task("bulk-a", "bounded", 3));
		registry.register(task("bulk-b", "bounded", 3));
		registry.register(task("free", "default", 1));
		registry.configureQueue(new QueueDefinition("bounded", 4, null));
		DefaultTaskQueue queue = new DefaultTaskQueue(store, registry);
		InterceptingClaimStore seams = InterceptingClaimStore.of(store);
		if (!atomicCapGate) {
			seams.withoutAtomicCapGate();
		}
		TaskDispatcher dispatcher = TaskDispatcher.builder(seams, registry)
			.instanceId("cluster-" + index + "-" + JobId.newId())
			.concurrency(8)
			.pollInterval(Duration.ofMillis(200))
			.leaseDuration(Duration.ofSeconds(30))
			.heartbeatInterval(Duration.ofSeconds(2))
			.build();
		queue.addEnqueueListener(dispatcher::wakeUp);
		this.dispatchers.add(dispatcher);
		dispatcher.start();
		return queue;
	}

	private TaskDefinition task(String name, String queue, long workMillis) {
		String[] groups = { "task:" + name, "queue:" + queue };
		return TaskDefinition.of(name, Handlers.intArg((args, context) -> {
			this.recorder.start(context, groups);
			try {
				if (workMillis > 0) {
					// Simulated work, long enough for capped executions to overlap.
					Thread.sleep(workMillis);
				}
			}
			finally {
				this.recorder.end(groups);
			}
			return null;
		})).withQueue(queue);
	}

}
