package dev.taskito.store;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.store.ClusterGauges.QueueGauge;
import dev.taskito.store.ClusterGauges.TaskGauge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * The promises of the observability part of {@link ClaimStore}, for every store: a job's
 * headers and due time travel with every claim that hands it over, the gauges count what
 * they say (pending up to a limit, running per task and queue, the earliest due job whatever
 * its priority), and the live instances are those whose heartbeat is current. A store's test
 * subclasses this as it does {@link ClaimStoreContractTest}.
 */
public abstract class ObservabilityContractTest {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private static final Duration PATIENCE = Duration.ofSeconds(10);

	private static final String INSTANCE = "instance-1";

	private static final Map<String, String> TRACE = Map.of("traceparent",
			"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tenant", "acme \"quoted\" ü");

	private final List<ClaimStore> stores = new ArrayList<>();

	/** The store under test, started. */
	protected ClaimStore store;

	/**
	 * Creates a store, not yet started. Every call within one test must return a store on
	 * the same data, and data must not leak between tests.
	 * @return a new store
	 */
	protected abstract ClaimStore createStore();

	/**
	 * Called after each test, once every store it created is closed.
	 */
	protected void cleanUp() {
	}

	@BeforeEach
	void startStore() {
		ClaimStore created = createStore();
		this.stores.add(created);
		created.start();
		this.store = created;
	}

	@AfterEach
	void closeStores() {
		try {
			this.stores.forEach(ClaimStore::close);
		}
		finally {
			cleanUp();
		}
	}

	// headers and due time

	@Test
	void headersAndDueTimeTravelWithAClaim() {
		Instant runAt = pastMillis(Duration.ofMinutes(5));
		JobId traced = enqueue(job("task", "default", 0, runAt, TRACE));
		JobId plain = enqueue(job("task", "default", 0, runAt.plusMillis(1), Map.of()));

		List<ClaimedJob> claimed = this.store.claim(request("task", "default", 2), UUID.randomUUID());

		assertThat(claimed).extracting(ClaimedJob::id).containsExactly(traced, plain);
		assertThat(claimed.get(0).headers()).isEqualTo(TRACE);
		assertThat(claimed.get(0).dueAt()).isEqualTo(runAt);
		assertThat(claimed.get(1).headers()).isEmpty();
		assertThat(claimed.get(1).dueAt()).isEqualTo(runAt.plusMillis(1));
	}

	@Test
	void aJobEnqueuedWithADelayIsDueWhenTheStoreSaysItRan() {
		JobId id = enqueue(new NewJob(JobId.newId(), "task", "default", "[]", 0, Duration.ZERO, null, null, 3, null,
				TRACE));
		ClaimedJob claimed = this.store.claim(request("task", "default", 1), UUID.randomUUID()).get(0);
		assertThat(claimed.id()).isEqualTo(id);
		assertThat(claimed.dueAt()).isNotNull()
			.isEqualTo(this.store.find(id).orElseThrow().runAt())
			.isBefore(claimed.leaseExpiresAt());
	}

	@Test
	void headersAndDueTimeTravelWithAClaimMadeWhileRecordingOutcomes() {
		Instant runAt = pastMillis(Duration.ofMinutes(5));
		enqueue(job("task", "default", 0, runAt, Map.of("traceparent", "first")));
		JobId second = enqueue(job("task", "default", 0, runAt.plusMillis(1), TRACE));
		ClaimedJob first = this.store.claim(request("task", "default", 1), UUID.randomUUID()).get(0);

		FinishAndClaim both = this.store.finishAndClaim(List.of(new Outcome.Succeeded(first.claim(), null)), false,
				request("task", "default", 1), UUID.randomUUID());

		assertThat(both.recorded()).containsExactly(first.claim());
		assertThat(both.claimed()).singleElement().satisfies((claimed) -> {
			assertThat(claimed.id()).isEqualTo(second);
			assertThat(claimed.headers()).isEqualTo(TRACE);
			assertThat(claimed.dueAt()).isEqualTo(runAt.plusMillis(1));
		});
	}

	@Test
	void headersAndDueTimeTravelWithARecoveredClaim() {
		Instant runAt = pastMillis(Duration.ofMinutes(5));
		JobId id = enqueue(job("task", "default", 0, runAt, TRACE));
		UUID batch = UUID.randomUUID();
		this.store.claim(request("task", "default", 1), batch);

		assertThat(this.store.recoverClaim(INSTANCE, batch)).singleElement().satisfies((recovered) -> {
			assertThat(recovered.id()).isEqualTo(id);
			assertThat(recovered.headers()).isEqualTo(TRACE);
			assertThat(recovered.dueAt()).isEqualTo(runAt);
		});
	}

	@Test
	void headersStayWithAJobThatIsRetriedAfterAFailure() {
		JobId id = enqueue(job("task", "default", 0, pastMillis(Duration.ofMinutes(1)), TRACE));
		ClaimedJob first = this.store.claim(request("task", "default", 1), UUID.randomUUID()).get(0);
		this.store.finish(List.of(new Outcome.Failed(first.claim(), "boom", Duration.ZERO)), false);

		ClaimedJob again = this.store.claim(request("task", "default", 1), UUID.randomUUID()).get(0);
		assertThat(again.id()).isEqualTo(id);
		assertThat(again.attempt()).isEqualTo(2);
		assertThat(again.headers()).isEqualTo(TRACE);
	}

	// gauges

	@Test
	void gaugesCountPendingJobsPerQueueDueOrNotUpToTheLimit() {
		Instant past = pastMillis(Duration.ofMinutes(1));
		Instant future = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
		for (int i = 0; i < 3; i++) {
			enqueue(job("alpha", "q1", i, past, Map.of()));
		}
		enqueue(job("beta", "q1", 0, past, Map.of()));
		enqueue(job("beta", "q1", 0, future, Map.of()));
		enqueue(job("alpha", "q2", 0, future, Map.of()));
		enqueue(job("alpha", "q2", 7, future, Map.of()));

		assertThat(this.store.gauges(100).queues()).containsExactly(new QueueGauge("q1", 5, 0, past),
				new QueueGauge("q2", 2, 0, null));
		assertThat(this.store.gauges(4).queues()).extracting(QueueGauge::pending).containsExactly(4L, 2L);
		// The limit applies to the queue, whatever the pairs it sums.
		assertThat(this.store.gauges(2).queues()).extracting(QueueGauge::pending).containsExactly(2L, 2L);
		assertThat(this.store.gauges(1).queues()).extracting(QueueGauge::pending).containsExactly(1L, 1L);
		assertThat(this.store.gauges(100).tasks()).isEmpty();
	}

	@Test
	void theOldestDueJobIsFoundWhateverItsPriority() {
		Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
		// Claim order puts the highest priority first: the earliest due job comes last.
		enqueue(job("alpha", "q1", 10, now.minusSeconds(10), Map.of()));
		enqueue(job("alpha", "q1", 10, now.minusSeconds(20), Map.of()));
		enqueue(job("alpha", "q1", 5, now.minusSeconds(30), Map.of()));
		enqueue(job("alpha", "q1", 0, now.minusSeconds(40), Map.of()));
		enqueue(job("alpha", "q1", -3, now.minusSeconds(120), Map.of()));
		enqueue(job("alpha", "q1", -3, now.minusSeconds(50), Map.of()));
		// Another task of the queue, due later; and delayed jobs, which are not due at all.
		enqueue(job("beta", "q1", -100, now.minusSeconds(60), Map.of()));
		enqueue(job("beta", "q1", 100, now.plus(Duration.ofHours(1)), Map.of()));
		enqueue(job("gamma", "q1", -50, now.plus(Duration.ofHours(2)), Map.of()));

		assertThat(this.store.gauges(100).queues()).containsExactly(
				new QueueGauge("q1", 9, 0, now.minusSeconds(120)));

		// Once claimed, the earliest due job no longer counts.
		List<ClaimedJob> claimed = this.store.claim(request("alpha", "q1", 6), UUID.randomUUID());
		assertThat(claimed).hasSize(6);
		assertThat(this.store.gauges(100).queues()).containsExactly(
				new QueueGauge("q1", 3, 6, now.minusSeconds(60)));
	}

	@Test
	void keyedJobsArePendingInTheirOwnQueueUpToTheLimit() {
		Instant past = pastMillis(Duration.ofMinutes(1));
		Instant future = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
		for (String key : List.of("a", "b", "c")) {
			enqueue(keyedJob("alpha", "q1", 0, past, key));
			enqueue(keyedJob("alpha", "q2", 0, past, "a"));
		}
		enqueue(job("alpha", "q1", 0, past, Map.of()));
		// A queue whose only pending job is keyed and not due yet.
		enqueue(keyedJob("beta", "q3", 0, future, "a"));

		assertThat(this.store.gauges(100).queues()).extracting(QueueGauge::queue, QueueGauge::pending)
			.containsExactly(tuple("q1", 4L), tuple("q2", 3L), tuple("q3", 1L));
		// Each queue counts its own keyed jobs up to the limit, whatever other queues hold.
		assertThat(this.store.gauges(3).queues()).extracting(QueueGauge::queue, QueueGauge::pending)
			.containsExactly(tuple("q1", 3L), tuple("q2", 3L), tuple("q3", 1L));
		assertThat(this.store.gauges(1).queues()).extracting(QueueGauge::pending).containsExactly(1L, 1L, 1L);

		List<ClaimedJob> claimed = this.store.claim(request("alpha", "q2", 2), UUID.randomUUID());
		assertThat(claimed).hasSize(2);
		assertThat(this.store.gauges(100).queues()).extracting(QueueGauge::queue, QueueGauge::pending,
				QueueGauge::running)
			.containsExactly(tuple("q1", 4L, 0L), tuple("q2", 1L, 2L), tuple("q3", 1L, 0L));
	}

	@Test
	void theOldestDueJobIncludesKeyedJobs() {
		Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
		enqueue(job("alpha", "q1", 0, now.minusSeconds(60), Map.of()));
		// Keyed jobs due earlier than every unkeyed one, in keys of several priorities, and one
		// that is not due yet.
		enqueue(keyedJob("alpha", "q1", 0, now.minusSeconds(120), "a"));
		enqueue(keyedJob("alpha", "q1", 0, now.minusSeconds(100), "a"));
		enqueue(keyedJob("alpha", "q1", 5, now.minusSeconds(30), "b"));
		enqueue(keyedJob("beta", "q1", -5, now.minusSeconds(20), "a"));
		enqueue(keyedJob("alpha", "q1", 0, now.plus(Duration.ofHours(1)), "c"));
		// A queue of keyed jobs only, and one whose keyed job is not due.
		enqueue(keyedJob("alpha", "q2", 3, now.minusSeconds(90), "a"));
		enqueue(keyedJob("alpha", "q2", 0, now.minusSeconds(10), "d"));
		enqueue(keyedJob("alpha", "q3", 0, now.plus(Duration.ofHours(1)), "a"));

		assertThat(this.store.gauges(100).queues()).containsExactly(new QueueGauge("q1", 6, 0, now.minusSeconds(120)),
				new QueueGauge("q2", 2, 0, now.minusSeconds(90)), new QueueGauge("q3", 1, 0, null));

		// Once the keyed jobs are claimed, the oldest due job is the unkeyed one.
		List<ClaimedJob> claimed = this.store.claim(new ClaimRequest(INSTANCE, LEASE, 10, Set.of("q1"),
				Map.of("alpha", 10, "beta", 10), Map.of()), UUID.randomUUID());
		assertThat(claimed).hasSize(5);
		assertThat(this.store.gauges(100).queues()).first()
			.isEqualTo(new QueueGauge("q1", 1, 5, null));
	}

	@Test
	void gaugesCountRunningJobsPerTaskAndQueue() {
		Instant past = pastMillis(Duration.ofMinutes(1));
		for (int i = 0; i < 3; i++) {
			enqueue(job("alpha", "q1", 0, past, Map.of()));
		}
		enqueue(job("beta", "q1", 0, past, Map.of()));
		enqueue(job("beta", "q2", 0, past, Map.of()));
		List<ClaimedJob> claimed = this.store.claim(new ClaimRequest(INSTANCE, LEASE, 10, Set.of("q1", "q2"),
				Map.of("alpha", 10, "beta", 10), Map.of()), UUID.randomUUID());
		assertThat(claimed).hasSize(5);

		ClusterGauges gauges = this.store.gauges(100);
		assertThat(gauges.queues()).containsExactly(new QueueGauge("q1", 0, 4, null), new QueueGauge("q2", 0, 1, null));
		assertThat(gauges.tasks()).containsExactly(new TaskGauge("alpha", 3), new TaskGauge("beta", 2));

		ClaimedJob alpha = claimed.stream().filter((job) -> job.taskName().equals("alpha")).findFirst().orElseThrow();
		this.store.finish(List.of(new Outcome.Succeeded(alpha.claim(), null)), false);
		assertThat(this.store.gauges(100).tasks()).containsExactly(new TaskGauge("alpha", 2), new TaskGauge("beta", 2));

		this.store.finish(claimed.stream()
			.filter((job) -> !job.id().equals(alpha.id()))
			.map((job) -> (Outcome) new Outcome.Succeeded(job.claim(), null))
			.toList(), false);
		ClusterGauges idle = this.store.gauges(100);
		assertThat(idle.queues()).as("no queue has pending or running jobs").isEmpty();
		assertThat(idle.tasks()).isEmpty();
	}

	@Test
	void gaugesCarryTheStoresTimeAndRefuseALimitBelowOne() {
		Instant before = Instant.now().minus(Duration.ofMinutes(1));
		assertThat(this.store.gauges(1).storeTime()).isNotNull().isAfter(before)
			.isBefore(Instant.now().plus(Duration.ofMinutes(1)));
		assertThatIllegalArgumentException().isThrownBy(() -> this.store.gauges(0)).withMessageContaining("countLimit");
	}

	// live instances

	@Test
	void anInstanceIsLiveFromItsHeartbeatUntilItIsRemoved() {
		assertThat(this.store.liveInstances()).isEmpty();
		this.store.heartbeat(new Heartbeat("instance-a", LEASE, Map.of("alpha", 2), Map.of("q1", 3),
				new ServedWork(Set.of("alpha", "beta"), Set.of("q1", "default")), List.of()));
		this.store.heartbeat(new Heartbeat("instance-b", LEASE, Map.of(), Map.of(), ServedWork.NONE, List.of()));

		List<InstanceView> live = this.store.liveInstances();
		assertThat(live).extracting(InstanceView::instanceId).containsExactly("instance-a", "instance-b");
		InstanceView a = live.get(0);
		assertThat(a.taskCaps()).isEqualTo(Map.of("alpha", 2));
		assertThat(a.queueCaps()).isEqualTo(Map.of("q1", 3));
		assertThat(a.tasks()).containsExactlyInAnyOrder("alpha", "beta");
		assertThat(a.queues()).containsExactlyInAnyOrder("q1", "default");
		// Both read the store's clock as it wrote the record, which may tick in between.
		assertThat(Duration.between(a.heartbeatAt(), a.expiresAt())).isBetween(LEASE, LEASE.plusSeconds(1));
		InstanceView b = live.get(1);
		assertThat(b.taskCaps()).isEmpty();
		assertThat(b.queueCaps()).isEmpty();
		assertThat(b.tasks()).isEmpty();
		assertThat(b.queues()).isEmpty();

		this.store.removeInstance("instance-a");
		assertThat(this.store.liveInstances()).extracting(InstanceView::instanceId).containsExactly("instance-b");
	}

	@Test
	void anInstanceRecordsHowManyJobsItRunsWithEachHeartbeat() {
		Instant past = pastMillis(Duration.ofMinutes(1));
		for (int i = 0; i < 3; i++) {
			enqueue(job("alpha", "q1", 0, past, Map.of()));
		}
		List<ClaimedJob> claimed = this.store.claim(request("alpha", "q1", 3), UUID.randomUUID());
		assertThat(claimed).hasSize(3);
		this.store.heartbeat(new Heartbeat(INSTANCE, LEASE, Map.of(), Map.of(), ServedWork.NONE,
				claimed.stream().map(ClaimedJob::claim).toList()));
		this.store.heartbeat(new Heartbeat("idle", LEASE, Map.of(), Map.of(), ServedWork.NONE, List.of()));
		assertThat(this.store.liveInstances()).extracting(InstanceView::instanceId, InstanceView::running)
			.containsExactly(tuple("idle", 0), tuple(INSTANCE, 3));

		this.store.finish(List.of(new Outcome.Succeeded(claimed.get(0).claim(), null)), false);
		this.store.heartbeat(new Heartbeat(INSTANCE, LEASE, Map.of(), Map.of(), ServedWork.NONE,
				claimed.subList(1, 3).stream().map(ClaimedJob::claim).toList()));
		assertThat(this.store.liveInstances()).extracting(InstanceView::instanceId, InstanceView::running)
			.containsExactly(tuple("idle", 0), tuple(INSTANCE, 2));
	}

	@Test
	void anInstanceWhoseHeartbeatExpiredIsNoLongerLive() {
		this.store.heartbeat(new Heartbeat("short-lived", Duration.ofMillis(500), Map.of("alpha", 1), Map.of(),
				ServedWork.NONE, List.of()));
		this.store.heartbeat(new Heartbeat("long-lived", LEASE, Map.of(), Map.of(), ServedWork.NONE, List.of()));
		assertThat(this.store.liveInstances()).extracting(InstanceView::instanceId).contains("long-lived");

		await().atMost(PATIENCE)
			.untilAsserted(() -> assertThat(this.store.liveInstances()).extracting(InstanceView::instanceId)
				.containsExactly("long-lived"));
	}

	// helpers

	private JobId enqueue(NewJob job) {
		return this.store.enqueue(List.of(job)).get(0);
	}

	private static NewJob job(String task, String queue, int priority, Instant runAt, Map<String, String> headers) {
		return new NewJob(JobId.newId(), task, queue, "[]", priority, Duration.ZERO, runAt, null, 3, null, headers);
	}

	private static NewJob keyedJob(String task, String queue, int priority, Instant runAt, String key) {
		return new NewJob(JobId.newId(), task, queue, "[]", priority, Duration.ZERO, runAt, null, 3, null, Map.of(),
				key);
	}

	private static ClaimRequest request(String task, String queue, int limit) {
		return new ClaimRequest(INSTANCE, LEASE, limit, Set.of(queue), Map.of(task, limit), Map.of());
	}

	/**
	 * @return an instant this long ago, in whole milliseconds (the finest time every store keeps)
	 */
	private static Instant pastMillis(Duration ago) {
		return Instant.now().minus(ago).truncatedTo(ChronoUnit.MILLIS);
	}

}
