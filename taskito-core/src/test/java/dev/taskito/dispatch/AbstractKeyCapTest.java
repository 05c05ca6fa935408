package dev.taskito.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.dispatch.InterceptingClaimStore.CapCheck;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.ClusterGauges;
import dev.taskito.store.TaskKey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Caps per concurrency key ({@code maxConcurrentPerKey}), on a real store: the seed's three
 * regressions per key, each also run against the bug it pins to show that it fails then;
 * keys served fairly; a cap per key beside the task-wide cap; a key on an uncapped task.
 * The handlers record themselves per key ({@code key:<key>}).
 */
public abstract class AbstractKeyCapTest {

	private static final long HOLD_SECONDS = 30;

	private final List<TaskDispatcher> dispatchers = new CopyOnWriteArrayList<>();

	private final List<ClaimStore> stores = new CopyOnWriteArrayList<>();

	private final CountDownLatch hold = new CountDownLatch(1);

	private final ExecutionRecorder recorder = new ExecutionRecorder();

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
		this.hold.countDown();
		this.dispatchers.forEach(TaskDispatcher::close);
		this.stores.forEach(ClaimStore::close);
		dropStoreData();
	}

	// ------------------------------------------------------------------ the seed's regressions, per key

	/**
	 * Three jobs of one key under a cap per key of 2, claimed together past the store's gate:
	 * the post-claim count admits exactly two; the third is pending again with no attempt
	 * spent. With {@code >=} it would admit one; a job of another key is not held back.
	 */
	@ParameterizedTest
	@EnumSource(value = CapCheck.class, names = { "AFTER_CLAIM", "BROKEN_GREATER_OR_EQUAL" })
	void perKeyConcurrencyAllowsExactlyMax(CapCheck capCheck) {
		Instance instance = instance(capCheck, 0, 2);
		List<JobId> ids = enqueue(instance, "tenant-a", 3);
		JobId other = enqueue(instance, "tenant-b", 1).get(0);

		DispatchPass.Admission admission = claimUngatedThenCheck(instance, 4);

		long admittedOfA = admission.admitted().stream().filter((job) -> "tenant-a".equals(job.concurrencyKey())).count();
		if (capCheck == CapCheck.BROKEN_GREATER_OR_EQUAL) {
			assertThat(admittedOfA).as("the bug admits N - 1 under a cap of N").isEqualTo(1);
			return;
		}
		assertThat(admittedOfA).isEqualTo(2);
		assertThat(admission.admitted()).extracting(ClaimedJob::id).contains(other);
		assertThat(admission.rejected()).hasSize(1);
		JobView rejected = instance.queue.find(admission.rejected().get(0).id()).orElseThrow();
		assertThat(rejected.status()).isEqualTo(JobStatus.PENDING);
		assertThat(rejected.attempts()).as("a rejected claim consumes no attempt").isZero();
		assertThat(rejected.concurrencyKey()).isEqualTo("tenant-a");
		assertThat(instance.store.countClaims(Set.of(), Set.of(), Set.of(new TaskKey("keyed", "tenant-a")))
			.key(new TaskKey("keyed", "tenant-a"))).isEqualTo(2);
		instance.dispatcher.pass.handToWorkers(admission.admitted());
		await().until(() -> this.recorder.running("key:tenant-a") == 2);
		assertThat(this.recorder.highest("key:tenant-a")).isEqualTo(2);
		assertThat(ids.stream().filter((id) -> status(instance, id) == JobStatus.RUNNING)).hasSize(2);
		// Of the two keys, only tenant-a runs at its cap: one count per task, never a meter per key.
		assertThat(instance.store.gauges(100, Map.of("keyed", 2)).tasks())
			.containsExactly(new ClusterGauges.TaskGauge("keyed", 3, 1));
		assertThat(instance.queue.stats().tasks()).singleElement().satisfies((stats) -> {
			assertThat(stats.maxConcurrentPerKey()).isEqualTo(2);
			assertThat(stats.keysAtCap()).isEqualTo(1);
			assertThat(stats.pending()).isEqualTo(1);
			assertThat(stats.running()).isEqualTo(3);
		});
		assertThat(instance.store.gauges(100, Map.of("keyed", 2)).queues())
			.singleElement().satisfies((queue) -> assertThat(queue.pending()).isEqualTo(1));
	}

	/** A cap per key of 1 runs one job of the key, not none (the {@code >=} bug runs none). */
	@ParameterizedTest
	@EnumSource(value = CapCheck.class, names = { "AFTER_CLAIM", "BROKEN_GREATER_OR_EQUAL" })
	void perKeyMaxOneDispatchesOne(CapCheck capCheck) {
		Instance instance = instance(capCheck, 0, 1);
		List<JobId> ids = enqueue(instance, "tenant-a", 2);

		DispatchPass.Admission admission = claimUngatedThenCheck(instance, 2);

		if (capCheck == CapCheck.BROKEN_GREATER_OR_EQUAL) {
			assertThat(admission.admitted()).as("the bug runs nothing under a cap of 1").isEmpty();
			return;
		}
		assertThat(admission.admitted()).hasSize(1);
		instance.dispatcher.pass.handToWorkers(admission.admitted());
		await().until(() -> this.recorder.running("key:tenant-a") == 1);
		assertThat(ids.stream().map((id) -> status(instance, id)))
			.containsExactlyInAnyOrder(JobStatus.RUNNING, JobStatus.PENDING);
	}

	/**
	 * Two dispatchers, without the store's gate, each claim a job of one key with a cap per
	 * key of 1, and are held by a barrier between claim and count: exactly one runs. Counting
	 * before the claim lets both run.
	 */
	@ParameterizedTest
	@EnumSource(value = CapCheck.class, names = { "AFTER_CLAIM", "BROKEN_COUNT_BEFORE_CLAIM" })
	void twoDispatchersHeldBetweenClaimAndCountRunOneJobOfTheKey(CapCheck capCheck) {
		CyclicBarrier afterClaim = new CyclicBarrier(2);
		CyclicBarrier beforeClaim = new CyclicBarrier(2);
		// One worker each, so that each claims one job of the key, as the task-cap version's
		// pre-claim gate makes each claim one job.
		Instance first = instance(capCheck, 0, 1, 1);
		Instance second = instance(capCheck, 0, 1, 1);
		List<JobId> ids = enqueue(first, "tenant-a", 2);
		for (Instance instance : List.of(first, second)) {
			instance.seams.withoutAtomicCapGate();
			instance.seams.countKeysBeforeClaim(Set.of(new TaskKey("keyed", "tenant-a")));
			AtomicBoolean heldBefore = new AtomicBoolean();
			AtomicBoolean heldAfter = new AtomicBoolean();
			instance.seams.beforeClaim(() -> {
				if (heldBefore.compareAndSet(false, true)) {
					awaitBarrier(beforeClaim);
				}
			});
			instance.seams.afterClaim((claimed) -> {
				if (heldAfter.compareAndSet(false, true)) {
					// Each took one job of the key: both claims commit before either counts.
					assertThat(claimed).hasSize(1);
					awaitBarrier(afterClaim);
				}
			});
		}
		first.dispatcher.start();
		second.dispatcher.start();

		await().atMost(Duration.ofSeconds(15)).until(() -> this.recorder.running("key:tenant-a") >= 1);
		await().pollDelay(Duration.ofMillis(600)).until(() -> true);
		assertThat(afterClaim.isBroken() || beforeClaim.isBroken()).as("both dispatchers reached both barriers")
			.isFalse();
		if (capCheck == CapCheck.BROKEN_COUNT_BEFORE_CLAIM) {
			assertThat(this.recorder.highest("key:tenant-a")).as("counted before the claim, both run").isEqualTo(2);
			return;
		}
		assertThat(this.recorder.highest("key:tenant-a")).as("most ever running at once").isEqualTo(1);
		this.hold.countDown();
		await().atMost(Duration.ofSeconds(20)).until(() -> allHaveStatus(first, ids, JobStatus.SUCCEEDED));
		assertThat(this.recorder.highest("key:tenant-a")).isEqualTo(1);
	}

	// ------------------------------------------------------------------ fairness and the two caps

	/**
	 * A key with 10,000 waiting jobs at its cap must not starve a key that enqueues 10 jobs
	 * later: the later key has both its slots running within two dispatch passes.
	 */
	@Test
	void aKeyWithTenThousandWaitingJobsDoesNotStarveALaterKey() {
		Instance instance = instance(CapCheck.AFTER_CLAIM, 0, 2);
		List<EnqueueRequest> backlog = new ArrayList<>();
		for (int i = 0; i < 10_000; i++) {
			backlog.add(EnqueueRequest.of("keyed", "hot").concurrencyKey("hot"));
		}
		for (int from = 0; from < backlog.size(); from += 2_000) {
			instance.queue.enqueueAll(backlog.subList(from, from + 2_000));
		}
		AtomicBoolean enqueued = new AtomicBoolean();
		AtomicInteger passesSinceEnqueue = new AtomicInteger();
		AtomicInteger lateClaimed = new AtomicInteger();
		AtomicInteger passesUntilLateRan = new AtomicInteger(-1);
		instance.seams.beforeClaim(() -> {
			if (enqueued.get()) {
				passesSinceEnqueue.incrementAndGet();
			}
		});
		instance.seams.afterClaim((claimed) -> {
			long late = claimed.stream().filter((job) -> "late".equals(job.concurrencyKey())).count();
			if (late > 0 && lateClaimed.addAndGet((int) late) >= 2) {
				passesUntilLateRan.compareAndSet(-1, passesSinceEnqueue.get());
			}
		});
		instance.dispatcher.start();
		await().atMost(Duration.ofSeconds(15)).until(() -> this.recorder.running("key:hot") == 2);

		enqueue(instance, "late", 10);
		enqueued.set(true);
		await().atMost(Duration.ofSeconds(15)).until(() -> this.recorder.running("key:late") == 2);
		assertThat(passesUntilLateRan.get()).as("dispatch passes from the enqueue until the later key ran 2")
			.isBetween(0, 2);
		assertThat(this.recorder.highest("key:hot")).isEqualTo(2);
		assertThat(this.recorder.highest("key:late")).isEqualTo(2);
	}

	/**
	 * Both caps hold together: 3 per task across keys, 2 per key; jobs without a key count
	 * only against the task-wide cap, and fill what the key leaves of it.
	 */
	@Test
	void capPerKeyAndTaskCapBothHold() {
		Instance instance = instance(CapCheck.AFTER_CLAIM, 3, 2);
		List<JobId> ids = new ArrayList<>(enqueue(instance, "tenant-a", 4));
		ids.add(instance.queue.enqueue(EnqueueRequest.of("keyed", "none")));
		ids.add(instance.queue.enqueue(EnqueueRequest.of("keyed", "none")));
		instance.dispatcher.start();

		await().until(() -> this.recorder.running("task:keyed") == 3);
		await().pollDelay(Duration.ofMillis(400)).until(() -> true);
		assertThat(this.recorder.running("key:tenant-a")).isEqualTo(2);
		assertThat(this.recorder.running("key:none")).isEqualTo(1);
		assertThat(this.recorder.highest("task:keyed")).isEqualTo(3);
		this.hold.countDown();
		await().atMost(Duration.ofSeconds(20)).until(() -> allHaveStatus(instance, ids, JobStatus.SUCCEEDED));
		assertThat(this.recorder.highest("task:keyed")).isEqualTo(3);
		assertThat(this.recorder.highest("key:tenant-a")).isEqualTo(2);
	}

	/** A key on a task with no cap per key is stored and shown, not capped. */
	@Test
	void aKeyOnATaskWithoutACapPerKeyIsShownNotCapped() {
		Instance instance = instance(CapCheck.AFTER_CLAIM, 0, 0);
		List<JobId> ids = enqueue(instance, "tenant-a", 4);
		assertThat(instance.queue.find(ids.get(0)).orElseThrow().concurrencyKey()).isEqualTo("tenant-a");
		instance.dispatcher.start();
		await().until(() -> this.recorder.running("key:tenant-a") == 4);
		this.hold.countDown();
		await().atMost(Duration.ofSeconds(20)).until(() -> allHaveStatus(instance, ids, JobStatus.SUCCEEDED));
	}

	/** During a rolling deploy the smallest cap per key of the live instances wins. */
	@Test
	void smallestCapPerKeyOfLiveInstancesIsUsed() {
		Instance oldVersion = instance(CapCheck.AFTER_CLAIM, 0, 3);
		Instance newVersion = instance(CapCheck.AFTER_CLAIM, 0, 2);
		List<JobId> ids = enqueue(oldVersion, "tenant-a", 6);
		newVersion.dispatcher.start();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.recorder.running("key:tenant-a") == 2);
		oldVersion.dispatcher.start();
		await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5))
			.until(() -> this.recorder.running("key:tenant-a") == 2);
		this.hold.countDown();
		await().atMost(Duration.ofSeconds(20)).until(() -> allHaveStatus(oldVersion, ids, JobStatus.SUCCEEDED));
		assertThat(this.recorder.highest("key:tenant-a")).isEqualTo(2);
	}

	// ------------------------------------------------------------------ fixtures

	/** A store, a registry, a queue and a dispatcher not yet started: one application instance. */
	record Instance(ClaimStore store, InterceptingClaimStore seams, TaskRegistry registry, DefaultTaskQueue queue,
			TaskDispatcher dispatcher) {
	}

	/**
	 * An instance with the task {@code keyed}, whose jobs take their key as argument and wait
	 * for the test to release them.
	 */
	private Instance instance(CapCheck capCheck, int maxConcurrent, int maxConcurrentPerKey) {
		return instance(capCheck, maxConcurrent, maxConcurrentPerKey, 8);
	}

	private Instance instance(CapCheck capCheck, int maxConcurrent, int maxConcurrentPerKey, int concurrency) {
		ClaimStore store = newStore();
		store.start();
		this.stores.add(store);
		TaskRegistry registry = new TaskRegistry();
		registry.register(TaskDefinition
			.of("keyed", Handlers.of(List.of(new TaskHandler.Parameter("key", String.class)), (args, context) -> {
				String[] groups = { "task:keyed", "key:" + args[0] };
				this.recorder.start(context, groups);
				try {
					this.hold.await(HOLD_SECONDS, TimeUnit.SECONDS);
				}
				finally {
					this.recorder.end(groups);
				}
				return null;
			}))
			.withMaxConcurrent(maxConcurrent)
			.withMaxConcurrentPerKey(maxConcurrentPerKey));
		DefaultTaskQueue queue = new DefaultTaskQueue(store, registry);
		InterceptingClaimStore seams = InterceptingClaimStore.of(store, capCheck);
		TaskDispatcher dispatcher = TaskDispatcher.builder(seams, registry)
			.concurrency(concurrency)
			.pollInterval(Duration.ofMillis(100))
			.leaseDuration(Duration.ofSeconds(5))
			.heartbeatInterval(Duration.ofMillis(250))
			.shutdownTimeout(Duration.ofMillis(500))
			.build();
		queue.addEnqueueListener(dispatcher::wakeUp);
		this.dispatchers.add(dispatcher);
		return new Instance(store, seams, registry, queue, dispatcher);
	}

	/**
	 * Claims up to 8 jobs of the task without the store's gate per key (as racing instances
	 * would over-claim), runs the post-claim check and the rollback.
	 */
	private static DispatchPass.Admission claimUngatedThenCheck(Instance instance, int expectClaimed) {
		instance.seams.pretendPaused(instance.registry.queueNames());
		instance.dispatcher.start();
		ClaimRequest request = new ClaimRequest(instance.dispatcher.instanceId(), Duration.ofSeconds(30), 8,
				Set.of("default"), Map.of("keyed", 8), Map.of());
		List<ClaimedJob> claimed = instance.dispatcher.pass
			.claimForDispatch(new DispatchPass.PreClaimGates(request, new RateLimitTokens()));
		assertThat(claimed).hasSize(expectClaimed);
		DispatchPass.Admission admission = instance.dispatcher.pass.checkPostClaimConcurrency(claimed);
		instance.dispatcher.pass.rollbackClaimAndReschedule(admission.rejected());
		return admission;
	}

	private static List<JobId> enqueue(Instance instance, String key, int count) {
		List<EnqueueRequest> requests = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			requests.add(EnqueueRequest.of("keyed", key).concurrencyKey(key));
		}
		return instance.queue.enqueueAll(requests);
	}

	private static int claimCalls(Instance instance) {
		return instance.seams.calls("claim") + instance.seams.calls("finishAndClaim");
	}

	private static JobStatus status(Instance instance, JobId id) {
		return instance.queue.find(id).orElseThrow().status();
	}

	private static boolean allHaveStatus(Instance instance, List<JobId> ids, JobStatus status) {
		return ids.stream().allMatch((id) -> status(instance, id) == status);
	}

	private static void awaitBarrier(CyclicBarrier barrier) {
		try {
			barrier.await(10, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException("the other dispatcher never reached the barrier", ex);
		}
	}

}
