package dev.taskito.store;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The promises of {@link ClaimStore}, for every store. A store's test subclasses this (see
 * {@link StoreContract}); it adds no test of its own here, because a behaviour one store cannot
 * offer is a failing test, not a skipped one.
 * <p>Everything goes through the SPI. Time runs on the store's clock, so tests shorten
 * leases and delays and wait for conditions with a deadline rather than faking time.
 */
public abstract class ClaimStoreContractTest extends StoreContract {

	/** A lease long enough never to expire during a test. */
	protected static final Duration LEASE = Duration.ofSeconds(30);

	/** A lease short enough to watch expire. */
	protected static final Duration SHORT_LEASE = Duration.ofSeconds(1);

	/** The longest a test waits for a condition on the store's clock. */
	protected static final Duration PATIENCE = Duration.ofSeconds(10);

	private static final String INSTANCE = "instance-1";

	private static final String REAPER = "reaper-1";

	/** As many stranded jobs per pair as a test ever makes, and more. */
	private static final int STRANDED_COUNT_LIMIT = 10_000;

	// enqueue and find

	@Test
	void enqueuedJobIsFoundWithEveryField() {
		NewJob job = new NewJob(JobId.newId(), "send-email", "emails", "[\"a@b.c\",1]", 7, Duration.ZERO, null, "key-1",
				4, Duration.ofSeconds(9));
		assertThat(this.store.enqueue(List.of(job))).containsExactly(job.id());
		JobView view = this.store.find(job.id()).orElseThrow();
		assertThat(view.id()).isEqualTo(job.id());
		assertThat(view.taskName()).isEqualTo("send-email");
		assertThat(view.queue()).isEqualTo("emails");
		assertThat(view.status()).isEqualTo(JobStatus.PENDING);
		assertThat(view.attempts()).isZero();
		assertThat(view.maxRetries()).isEqualTo(4);
		assertThat(view.priority()).isEqualTo(7);
		assertThat(view.uniqueKey()).isEqualTo("key-1");
		assertThat(view.createdAt()).isNotNull();
		assertThat(view.runAt()).isEqualTo(view.createdAt());
		assertThat(view.startedAt()).isNull();
		assertThat(view.finishedAt()).isNull();
		assertThat(view.lastError()).isNull();
		assertThat(view.result()).isNull();
		ClaimedJob claimed = claimOne("send-email", "emails");
		assertThat(claimed.payload()).isEqualTo("[\"a@b.c\",1]");
		assertThat(claimed.timeout()).isEqualTo(Duration.ofSeconds(9));
		assertThat(claimed.maxRetries()).isEqualTo(4);
		assertThat(claimed.priority()).isEqualTo(7);
	}

	@Test
	void unknownJobIsNotFound() {
		assertThat(this.store.find(JobId.newId())).isEmpty();
	}

	@Test
	void batchIdsComeBackInOrder() {
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			jobs.add(job("task"));
		}
		assertThat(this.store.enqueue(jobs)).containsExactlyElementsOf(jobs.stream().map(NewJob::id).toList());
		assertThat(jobs).allSatisfy((job) -> assertThat(this.store.find(job.id())).isPresent());
	}

	@Test
	void uniqueKeyReturnsTheHoldersIdWhilePendingOrRunningAndIsFreeAfterItFinished() {
		NewJob first = uniqueJob("task", "k");
		assertThat(this.store.enqueue(List.of(first))).containsExactly(first.id());
		NewJob whilePending = uniqueJob("task", "k");
		assertThat(this.store.enqueue(List.of(whilePending))).containsExactly(first.id());
		assertThat(this.store.find(whilePending.id())).isEmpty();

		ClaimedJob running = claimOne("task", "default");
		assertThat(running.id()).isEqualTo(first.id());
		NewJob whileRunning = uniqueJob("task", "k");
		assertThat(this.store.enqueue(List.of(whileRunning))).containsExactly(first.id());
		assertThat(this.store.find(whileRunning.id())).isEmpty();

		assertThat(this.store.finish(List.of(new Outcome.Succeeded(running.claim(), null)), false))
			.containsExactly(running.claim());
		NewJob afterFinish = uniqueJob("task", "k");
		assertThat(this.store.enqueue(List.of(afterFinish))).containsExactly(afterFinish.id());
		assertThat(this.store.find(afterFinish.id()).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
	}

	@Test
	void equalUniqueKeysInOneCallTakeTheFirstJobsId() {
		NewJob a = uniqueJob("task", "k1");
		NewJob b = uniqueJob("task", "k1");
		NewJob c = job("task");
		NewJob d = uniqueJob("task", "k2");
		NewJob e = uniqueJob("task", "k2");
		NewJob f = job("task");
		assertThat(this.store.enqueue(List.of(a, b, c, d, e, f))).containsExactly(a.id(), a.id(), c.id(), d.id(),
				d.id(), f.id());
		assertThat(this.store.find(b.id())).isEmpty();
		assertThat(this.store.find(e.id())).isEmpty();
		assertThat(claimAll("task")).extracting(ClaimedJob::id).containsExactlyInAnyOrder(a.id(), c.id(), d.id(), f.id());
	}

	@Test
	void uniqueKeyHeldByAnEarlierCallStandsInWithinABatch() {
		NewJob holder = uniqueJob("task", "held");
		this.store.enqueue(List.of(holder));
		NewJob fresh = uniqueJob("task", "fresh");
		NewJob clash = uniqueJob("task", "held");
		NewJob plain = job("task");
		assertThat(this.store.enqueue(List.of(fresh, clash, plain))).containsExactly(fresh.id(), holder.id(),
				plain.id());
		assertThat(this.store.find(clash.id())).isEmpty();
	}

	@Test
	void concurrentEnqueuesOfOneUniqueKeyStoreOneJob() throws Exception {
		int threads = 4;
		List<ClaimStore> producers = List.of(this.store, newStartedStore());
		Set<JobId> answers = ConcurrentHashMap.newKeySet();
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				ClaimStore producer = producers.get(t % producers.size());
				futures.add(executor.submit(() -> {
					start.await();
					for (int i = 0; i < 10; i++) {
						answers.addAll(producer.enqueue(List.of(uniqueJob("task", "contended"), job("task"))).subList(0, 1));
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(answers).hasSize(1);
		assertThat(this.store.find(answers.iterator().next()).orElseThrow().uniqueKey()).isEqualTo("contended");
		assertThat(claimAll("task")).hasSize(threads * 10 + 1);
	}

	// due times and order

	@Test
	void delayedJobIsNotClaimedBeforeItIsDue() {
		NewJob delayed = new NewJob(JobId.newId(), "task", "default", "[]", 0, Duration.ofMillis(1500), null, null, 3,
				null);
		this.store.enqueue(List.of(delayed));
		JobView view = this.store.find(delayed.id()).orElseThrow();
		assertThat(Duration.between(view.createdAt(), view.runAt())).isBetween(Duration.ofMillis(1400),
				Duration.ofMillis(1600));
		assertThat(claimAll("task")).isEmpty();
		List<ClaimedJob> claimed = new ArrayList<>();
		await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
			claimed.addAll(claimAll("task"));
			return !claimed.isEmpty();
		});
		assertThat(claimed).extracting(ClaimedJob::id).containsExactly(delayed.id());
	}

	@Test
	void runAtIsRespected() {
		Instant future = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
		Instant past = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
		NewJob later = new NewJob(JobId.newId(), "task", "default", "[]", 0, Duration.ofHours(-5), future, null, 3,
				null);
		NewJob due = new NewJob(JobId.newId(), "task", "default", "[]", 0, Duration.ofHours(5), past, null, 3, null);
		this.store.enqueue(List.of(later, due));
		assertThat(this.store.find(later.id()).orElseThrow().runAt()).isEqualTo(future);
		assertThat(this.store.find(due.id()).orElseThrow().runAt()).isEqualTo(past);
		assertThat(claimAll("task")).extracting(ClaimedJob::id).containsExactly(due.id());
	}

	@Test
	void claimsByPriorityThenDueTimeThenAge() {
		Instant now = Instant.now();
		NewJob lowOld = dueAt("task", 0, now.minus(Duration.ofHours(3)));
		NewJob highNew = dueAt("task", 5, now.minus(Duration.ofHours(1)));
		NewJob highOld = dueAt("task", 5, now.minus(Duration.ofHours(2)));
		NewJob lowOlder = dueAt("task", 0, now.minus(Duration.ofHours(4)));
		NewJob sameTimeFirst = dueAt("task", 0, now.minus(Duration.ofHours(5)));
		NewJob sameTimeSecond = new NewJob(JobId.newId(), "task", "default", "[]", 0, Duration.ZERO,
				sameTimeFirst.runAt(), null, 3, null);
		this.store.enqueue(List.of(lowOld, highNew, highOld, lowOlder, sameTimeSecond, sameTimeFirst));
		JobId older = (sameTimeFirst.id().compareTo(sameTimeSecond.id()) < 0) ? sameTimeFirst.id() : sameTimeSecond.id();
		JobId younger = older.equals(sameTimeFirst.id()) ? sameTimeSecond.id() : sameTimeFirst.id();
		assertThat(claim(request(1, Map.of("task", 10), Set.of("default"), Map.of()))).extracting(ClaimedJob::id)
			.containsExactly(highOld.id());
		assertThat(claimAll("task")).extracting(ClaimedJob::id)
			.containsExactly(highNew.id(), older, younger, lowOlder.id(), lowOld.id());
	}

	// limits

	@Test
	void claimTakesNoMoreThanTheLimit() {
		enqueue("task", 5);
		assertThat(claim(request(3, Map.of("task", 10), Set.of("default"), Map.of()))).hasSize(3);
		assertThat(claim(request(3, Map.of("task", 10), Set.of("default"), Map.of()))).hasSize(2);
		assertThat(claim(request(3, Map.of("task", 10), Set.of("default"), Map.of()))).isEmpty();
	}

	@Test
	void claimTakesNoMoreOfATaskThanItsLimit() {
		enqueue("a", 3);
		enqueue("b", 3);
		List<ClaimedJob> claimed = claim(request(10, Map.of("a", 1, "b", 2), Set.of("default"), Map.of()));
		assertThat(claimed).filteredOn((job) -> job.taskName().equals("a")).hasSize(1);
		assertThat(claimed).filteredOn((job) -> job.taskName().equals("b")).hasSize(2);
	}

	@Test
	void claimTakesOnlyListedTasksWithALimitAboveZero() {
		enqueue("listed", 2);
		enqueue("zero", 2);
		enqueue("unlisted", 2);
		List<ClaimedJob> claimed = claim(request(10, Map.of("listed", 5, "zero", 0), Set.of("default"), Map.of()));
		assertThat(claimed).extracting(ClaimedJob::taskName).containsOnly("listed").hasSize(2);
	}

	@Test
	void claimTakesOnlyListedQueues() {
		this.store.enqueue(List.of(inQueue("task", "q1"), inQueue("task", "q1"), inQueue("task", "q2")));
		List<ClaimedJob> claimed = claim(request(10, Map.of("task", 10), Set.of("q1"), Map.of()));
		assertThat(claimed).extracting(ClaimedJob::queue).containsExactly("q1", "q1");
		assertThat(claim(request(10, Map.of("task", 10), Set.of(), Map.of()))).isEmpty();
	}

	@Test
	void claimTakesNoMoreOfAQueueThanItsLimit() {
		for (int i = 0; i < 3; i++) {
			this.store.enqueue(List.of(inQueue("task", "q1"), inQueue("task", "q2"), inQueue("task", "q3")));
		}
		List<ClaimedJob> claimed = claim(request(10, Map.of("task", 10), Set.of("q1", "q2", "q3"),
				Map.of("q1", 1, "q3", 0)));
		assertThat(claimed).filteredOn((job) -> job.queue().equals("q1")).hasSize(1);
		assertThat(claimed).filteredOn((job) -> job.queue().equals("q2")).hasSize(3);
		assertThat(claimed).filteredOn((job) -> job.queue().equals("q3")).isEmpty();
	}

	@Test
	void queueLimitLeavesRoomForOtherQueuesWithinTheOverallLimit() {
		Instant now = Instant.now();
		// The best jobs are all in q1, which may give only one.
		this.store.enqueue(List.of(dueIn("task", "q1", 9, now), dueIn("task", "q1", 9, now), dueIn("task", "q1", 9, now),
				dueIn("task", "q2", 1, now), dueIn("task", "q2", 1, now)));
		List<ClaimedJob> claimed = claim(request(3, Map.of("task", 10), Set.of("q1", "q2"), Map.of("q1", 1)));
		assertThat(claimed).extracting(ClaimedJob::queue).containsExactly("q1", "q2", "q2");
	}

	// the cap gate

	@Test
	void cappedClaimTakesOnlyWhatTheCapLeavesRoomForCountingEveryInstancesClaims() {
		this.store.enqueue(List.of(inQueue("capped", "q1"), inQueue("capped", "q1"), inQueue("capped", "q1"),
				inQueue("capped", "q1"), inQueue("other", "q1"), inQueue("other", "q1")));
		ClaimStore other = newStartedStore();
		// Another instance's claim counts, an expired one too.
		other.claim(new ClaimRequest("two", Duration.ofMillis(1), 1, Set.of("q1"), Map.of("capped", 1), Map.of()),
				UUID.randomUUID());
		List<ClaimedJob> claimed = claim(request(10, Map.of("capped", 10, "other", 10), Set.of("q1"), Map.of())
			.withCaps(Map.of("capped", 3), Map.of()));
		assertThat(claimed).filteredOn((job) -> job.taskName().equals("capped")).hasSize(2);
		assertThat(claimed).filteredOn((job) -> job.taskName().equals("other")).hasSize(2);
		assertThat(claim(request(10, Map.of("capped", 10), Set.of("q1"), Map.of()).withCaps(Map.of("capped", 3),
				Map.of()))).as("the cap is full").isEmpty();
		// A finished claim frees its room.
		ClaimedJob cappedJob = claimed.stream().filter((job) -> job.taskName().equals("capped")).findFirst()
			.orElseThrow();
		this.store.finish(List.of(new Outcome.Succeeded(cappedJob.claim(), null)), false);
		assertThat(claim(request(10, Map.of("capped", 10), Set.of("q1"), Map.of()).withCaps(Map.of("capped", 3),
				Map.of()))).hasSize(1);
	}

	@Test
	void cappedClaimOfAQueueTakesOnlyWhatItsCapLeavesRoomFor() {
		for (int i = 0; i < 3; i++) {
			this.store.enqueue(List.of(inQueue("a", "narrow"), inQueue("b", "narrow"), inQueue("a", "wide")));
		}
		claim(request(1, Map.of("b", 1), Set.of("narrow"), Map.of()));
		List<ClaimedJob> claimed = claim(request(10, Map.of("a", 10, "b", 10), Set.of("narrow", "wide"),
				Map.of("narrow", 10)).withCaps(Map.of(), Map.of("narrow", 3)));
		assertThat(claimed).filteredOn((job) -> job.queue().equals("narrow")).hasSize(2);
		assertThat(claimed).filteredOn((job) -> job.queue().equals("wide")).hasSize(3);
	}

	@Test
	void racingCappedClaimersNeverTakeMoreThanATaskCap() throws Exception {
		enqueue("capped", 60);
		enqueue("free", 60);
		assertRacingClaimersStayWithinCaps(Map.of("capped", 10, "free", 10), Map.of("capped", 3), Map.of(),
				(counts) -> counts.task("capped"), 3);
	}

	@Test
	void racingCappedClaimersNeverTakeMoreThanAQueueCap() throws Exception {
		for (int i = 0; i < 40; i++) {
			this.store.enqueue(List.of(inQueue("a", "narrow"), inQueue("b", "narrow")));
		}
		assertRacingClaimersStayWithinCaps(Map.of("a", 10, "b", 10), Map.of(), Map.of("narrow", 2),
				(counts) -> counts.queue("narrow"), 2);
	}

	/**
	 * Six claimers on three store objects (as three instances would have) claim at once,
	 * round after round, with caps; between rounds some claims finish. After every round
	 * the capped claims must fill the cap exactly: never more, whatever the interleaving,
	 * and never less, since no claim was refused for lack of room it had.
	 */
	private void assertRacingClaimersStayWithinCaps(Map<String, Integer> taskLimits, Map<String, Integer> taskCaps,
			Map<String, Integer> queueCaps, ToIntFunction<ClaimCounts> capped, int cap)
			throws Exception {
		Set<String> queues = Set.of("default", "narrow");
		List<ClaimStore> instances = List.of(this.store, newStartedStore(), newStartedStore());
		int claimers = 6;
		CyclicBarrier round = new CyclicBarrier(claimers);
		List<ClaimedJob> held = Collections.synchronizedList(new ArrayList<>());
		ExecutorService executor = Executors.newFixedThreadPool(claimers);
		try {
			for (int r = 0; r < 8; r++) {
				List<Future<?>> futures = new ArrayList<>();
				for (int t = 0; t < claimers; t++) {
					ClaimStore instance = instances.get(t % instances.size());
					String instanceId = "claimer-" + t;
					futures.add(executor.submit(() -> {
						round.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
						held.addAll(instance.claim(new ClaimRequest(instanceId, LEASE, 4, queues, taskLimits, Map.of(),
								taskCaps, queueCaps), UUID.randomUUID()));
						return null;
					}));
				}
				for (Future<?> future : futures) {
					future.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
				}
				ClaimCounts counts = this.store.countClaims(taskCaps.keySet(), queueCaps.keySet());
				assertThat(capped.applyAsInt(counts)).as("capped claims after round %d", r).isEqualTo(cap);
				// Some capped work finishes, so the next round races for the room it leaves.
				List<Outcome> finished = new ArrayList<>();
				synchronized (held) {
					List<ClaimedJob> cappedHeld = held.stream()
						.filter((job) -> taskCaps.containsKey(job.taskName()) || queueCaps.containsKey(job.queue()))
						.toList();
					for (ClaimedJob job : cappedHeld.subList(0, 1 + r % cap)) {
						finished.add(new Outcome.Succeeded(job.claim(), null));
						held.remove(job);
					}
				}
				assertThat(this.store.finish(finished, false)).hasSize(finished.size());
			}
		}
		finally {
			executor.shutdownNow();
		}
	}

	@Test
	void pausedQueuesAreSharedAndLeftOutOfTheClaim() {
		this.store.enqueue(List.of(inQueue("task", "open"), inQueue("task", "paused")));
		this.store.setQueuePaused("paused", true);
		this.store.setQueuePaused("paused", true);
		ClaimStore other = newStartedStore();
		assertThat(other.pausedQueues()).containsExactly("paused");
		Set<String> active = new HashSet<>(Set.of("open", "paused"));
		active.removeAll(other.pausedQueues());
		assertThat(claim(request(10, Map.of("task", 10), active, Map.of()))).extracting(ClaimedJob::queue)
			.containsExactly("open");
		other.setQueuePaused("paused", false);
		assertThat(this.store.pausedQueues()).isEmpty();
		assertThat(claimAll(Set.of("open", "paused"), "task")).extracting(ClaimedJob::queue).containsExactly("paused");
	}

	// claim

	@Test
	void claimMovesTheJobToRunningCountsTheAttemptAndWritesALease() {
		NewJob job = job("task");
		this.store.enqueue(List.of(job));
		ClaimedJob claimed = claimOne("task", "default");
		assertThat(claimed.attempt()).isEqualTo(1);
		JobView view = this.store.find(job.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.RUNNING);
		assertThat(view.attempts()).isEqualTo(1);
		assertThat(view.startedAt()).isNotNull();
		assertThat(claimed.leaseExpiresAt()).isCloseTo(view.startedAt().plus(LEASE), within(1, ChronoUnit.SECONDS));
		assertThat(this.store.countClaims(Set.of("task"), Set.of("default"))).satisfies((counts) -> {
			assertThat(counts.task("task")).isEqualTo(1);
			assertThat(counts.queue("default")).isEqualTo(1);
		});
	}

	@Test
	void concurrentClaimersNeverGetTheSameJob() throws Exception {
		int jobs = 300;
		enqueue("task", jobs);
		List<ClaimStore> claimers = List.of(this.store, newStartedStore());
		Set<JobId> claimed = ConcurrentHashMap.newKeySet();
		AtomicInteger duplicates = new AtomicInteger();
		AtomicInteger total = new AtomicInteger();
		int threads = 4;
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				ClaimStore claimer = claimers.get(t % claimers.size());
				String instance = "instance-" + t;
				futures.add(executor.submit(() -> {
					start.await();
					long deadline = System.nanoTime() + PATIENCE.multipliedBy(3).toNanos();
					while (total.get() < jobs && System.nanoTime() < deadline) {
						ClaimRequest request = new ClaimRequest(instance, LEASE, 7, Set.of("default"),
								Map.of("task", 7), Map.of());
						for (ClaimedJob job : claimer.claim(request, UUID.randomUUID())) {
							total.incrementAndGet();
							if (!claimed.add(job.id())) {
								duplicates.incrementAndGet();
							}
						}
					}
					return null;
				}));
			}
			start.countDown();
			for (Future<?> future : futures) {
				future.get(PATIENCE.multipliedBy(4).toSeconds(), TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(duplicates.get()).isZero();
		assertThat(claimed).hasSize(jobs);
		assertThat(this.store.countClaims(Set.of("task"), Set.of()).task("task")).isEqualTo(jobs);
	}

	@Test
	void racingDispatchersFinishEveryJobExactlyOnceWithoutErrors() throws Exception {
		int jobs = 120;
		enqueue("task", jobs);
		List<ClaimStore> instances = List.of(this.store, newStartedStore());
		AtomicInteger finished = new AtomicInteger();
		Set<JobId> seen = ConcurrentHashMap.newKeySet();
		AtomicInteger duplicates = new AtomicInteger();
		int dispatchers = 4;
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService executor = Executors.newFixedThreadPool(dispatchers + 1);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < dispatchers; t++) {
				ClaimStore instance = instances.get(t % instances.size());
				String instanceId = "dispatcher-" + t;
				futures.add(executor.submit(() -> {
					start.await();
					long deadline = System.nanoTime() + PATIENCE.multipliedBy(3).toNanos();
					while (finished.get() < jobs && System.nanoTime() < deadline) {
						List<ClaimedJob> claimed = instance.claim(new ClaimRequest(instanceId, LEASE, 10,
								Set.of("default"), Map.of("task", 10), Map.of()), UUID.randomUUID());
						instance.countClaims(Set.of("task"), Set.of("default"));
						List<ClaimRef> claims = claimed.stream().map(ClaimedJob::claim).toList();
						instance.heartbeat(new Heartbeat(instanceId, LEASE, Map.of("task", 5), Map.of(),
								ServedWork.NONE, claims));
						for (ClaimedJob job : claimed) {
							if (!seen.add(job.id())) {
								duplicates.incrementAndGet();
							}
						}
						List<Outcome> outcomes = claims.stream().map((claim) -> (Outcome) new Outcome.Succeeded(claim, "1")).toList();
						finished.addAndGet(instance.finish(outcomes, true).size());
					}
					return null;
				}));
			}
			futures.add(executor.submit(() -> {
				start.await();
				while (finished.get() < jobs && !Thread.currentThread().isInterrupted()) {
					// Nothing has expired: the reaper must take nothing while racing the others.
					assertThat(reap(Duration.ZERO)).isEmpty();
					this.store.takeTokens(List.of(new TokenRequest("task:task", RateLimit.parse("1000/s"), 5)));
				}
				return null;
			}));
			start.countDown();
			for (Future<?> future : futures) {
				future.get(PATIENCE.multipliedBy(4).toSeconds(), TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(duplicates.get()).isZero();
		assertThat(finished.get()).isEqualTo(jobs);
		assertThat(this.store.countClaims(Set.of("task"), Set.of("default")).task("task")).isZero();
	}

	@Test
	void recoverClaimFindsTheJobsOfABatch() {
		enqueue("task", 3);
		UUID batch = UUID.randomUUID();
		List<ClaimedJob> first = this.store.claim(request(2, Map.of("task", 10), Set.of("default"), Map.of()), batch);
		List<ClaimedJob> second = claimAll("task");
		assertThat(first).hasSize(2);
		assertThat(second).hasSize(1);
		assertThat(this.store.recoverClaim(INSTANCE, batch)).extracting(ClaimedJob::claim)
			.containsExactlyElementsOf(first.stream().map(ClaimedJob::claim).toList());
		assertThat(this.store.recoverClaim("another-instance", batch)).isEmpty();
		this.store.finish(List.of(new Outcome.Succeeded(first.get(0).claim(), null)), false);
		assertThat(this.store.recoverClaim(INSTANCE, batch)).extracting(ClaimedJob::claim)
			.containsExactly(first.get(1).claim());
	}

	@Test
	void countClaimsCountsEveryInstancesClaimsIncludingExpiredOnes() {
		this.store.enqueue(List.of(inQueue("a", "q1"), inQueue("a", "q2"), inQueue("b", "q1"), inQueue("c", "q1")));
		ClaimStore other = newStartedStore();
		Duration instantLease = Duration.ofMillis(1);
		this.store.claim(new ClaimRequest("one", instantLease, 10, Set.of("q1", "q2"), Map.of("a", 10), Map.of()),
				UUID.randomUUID());
		other.claim(new ClaimRequest("two", LEASE, 10, Set.of("q1", "q2"), Map.of("b", 10), Map.of()),
				UUID.randomUUID());
		// A job due 100 ms after the expiring claims becomes claimable only once the store's
		// clock is well past their leases.
		NewJob marker = new NewJob(JobId.newId(), "marker", "markers", "[]", 0, Duration.ofMillis(100), null, null, 0,
				null);
		this.store.enqueue(List.of(marker));
		await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
			.until(() -> !claimAll(Set.of("markers"), "marker").isEmpty());
		ClaimCounts counts = other.countClaims(Set.of("a", "b", "c"), Set.of("q1", "q2", "q3"));
		assertThat(counts.task("a")).isEqualTo(2);
		assertThat(counts.task("b")).isEqualTo(1);
		assertThat(counts.task("c")).isZero();
		assertThat(counts.queue("q1")).isEqualTo(2);
		assertThat(counts.queue("q2")).isEqualTo(1);
		assertThat(counts.queue("q3")).isZero();
	}

	// rollback

	@Test
	void rollbackGivesTheClaimBackWithoutConsumingTheAttempt() {
		NewJob job = job("task");
		this.store.enqueue(List.of(job));
		ClaimedJob firstAttempt = claimOne("task", "default");
		this.store.finish(List.of(new Outcome.Failed(firstAttempt.claim(), "boom", Duration.ZERO)), false);
		ClaimedJob secondAttempt = claimOne("task", "default");
		assertThat(secondAttempt.attempt()).isEqualTo(2);
		Instant startedAt = this.store.find(job.id()).orElseThrow().startedAt();

		Set<ClaimRef> rolledBack = this.store.rollback(List.of(new Reschedule(secondAttempt.claim(), Duration.ofHours(1))));

		assertThat(rolledBack).containsExactly(secondAttempt.claim());
		JobView view = this.store.find(job.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.PENDING);
		assertThat(view.attempts()).isEqualTo(1);
		assertThat(view.runAt()).isAfter(startedAt.plus(Duration.ofMinutes(59)));
		assertThat(this.store.countClaims(Set.of("task"), Set.of("default")).task("task")).isZero();
		assertThat(this.store.countClaims(Set.of("task"), Set.of("default")).queue("default")).isZero();
		assertThat(claimAll("task")).isEmpty();
		assertThat(this.store.rollback(List.of(new Reschedule(secondAttempt.claim(), Duration.ZERO)))).isEmpty();
		assertThat(this.store.find(job.id()).orElseThrow().attempts()).isEqualTo(1);
	}

	@Test
	void rolledBackJobIsClaimableAgainAfterItsDelay() {
		enqueue("task", 1);
		ClaimedJob claimed = claimOne("task", "default");
		this.store.rollback(List.of(new Reschedule(claimed.claim(), Duration.ZERO)));
		ClaimedJob again = claimOne("task", "default");
		assertThat(again.id()).isEqualTo(claimed.id());
		assertThat(again.attempt()).isEqualTo(1);
		assertThat(again.claim().token()).isNotEqualTo(claimed.claim().token());
	}

	// finish

	@Test
	void succeededStoresTheResultAndRemovesTheClaim() {
		NewJob job = job("task");
		this.store.enqueue(List.of(job));
		ClaimedJob claimed = claimOne("task", "default");
		assertThat(this.store.finish(List.of(new Outcome.Succeeded(claimed.claim(), "{\"ok\":true}")), true))
			.containsExactly(claimed.claim());
		JobView view = this.store.find(job.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(view.result()).isEqualTo("{\"ok\":true}");
		assertThat(view.finishedAt()).isNotNull();
		assertThat(view.attempts()).isEqualTo(1);
		assertThat(this.store.countClaims(Set.of("task"), Set.of("default")).task("task")).isZero();
		assertThat(this.store.recoverClaim(INSTANCE, UUID.randomUUID())).isEmpty();
	}

	@Test
	void failedWithADelayIsPendingAgainWithItsErrorAndTheAttemptKept() {
		NewJob job = job("task");
		this.store.enqueue(List.of(job));
		ClaimedJob claimed = claimOne("task", "default");
		Instant startedAt = this.store.find(job.id()).orElseThrow().startedAt();
		assertThat(this.store.finish(List.of(new Outcome.Failed(claimed.claim(), "it broke", Duration.ofHours(1))),
				false))
			.containsExactly(claimed.claim());
		JobView view = this.store.find(job.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.PENDING);
		assertThat(view.lastError()).isEqualTo("it broke");
		assertThat(view.attempts()).isEqualTo(1);
		assertThat(view.finishedAt()).isNull();
		assertThat(view.runAt()).isAfter(startedAt.plus(Duration.ofMinutes(59)));
		assertThat(this.store.countClaims(Set.of("task"), Set.of()).task("task")).isZero();
		assertThat(claimAll("task")).isEmpty();
	}

	@Test
	void failedWithoutADelayIsDead() {
		NewJob job = job("task");
		this.store.enqueue(List.of(job));
		ClaimedJob claimed = claimOne("task", "default");
		this.store.finish(List.of(new Outcome.Failed(claimed.claim(), "gave up", null)), true);
		JobView view = this.store.find(job.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.DEAD);
		assertThat(view.lastError()).isEqualTo("gave up");
		assertThat(view.finishedAt()).isNotNull();
		assertThat(this.store.countClaims(Set.of("task"), Set.of()).task("task")).isZero();
	}

	@Test
	void nulAndUnpairedSurrogatesInAnErrorAndAResultAreStoredVisiblyReplaced() {
		enqueue("task", 2);
		List<ClaimedJob> claimed = claimAll("task");
		String smile = "\uD83D\uDE00";
		Set<ClaimRef> recorded = this.store.finish(List.of(
				new Outcome.Failed(claimed.get(0).claim(), "bad record: a\u0000b \uD800 " + smile, null),
				new Outcome.Succeeded(claimed.get(1).claim(), "\"x\u0000y\uDC00" + smile + "\"")), false);

		assertThat(recorded).hasSize(2);
		JobView failed = this.store.find(claimed.get(0).id()).orElseThrow();
		assertThat(failed.status()).isEqualTo(JobStatus.DEAD);
		assertThat(failed.lastError()).isEqualTo("bad record: a\uFFFDb \uFFFD " + smile);
		JobView succeeded = this.store.find(claimed.get(1).id()).orElseThrow();
		assertThat(succeeded.status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(succeeded.result()).isEqualTo("\"x\uFFFDy\uFFFD" + smile + "\"");
	}

	@Test
	void errorLongerThanTheLimitIsCutAndSaysSo() {
		enqueue("task", 1);
		ClaimedJob claimed = claimOne("task", "default");
		String error = "e".repeat(3 * StorableText.MAX_ERROR_LENGTH);
		this.store.finish(List.of(new Outcome.Failed(claimed.claim(), error, Duration.ofHours(1))), false);

		JobView view = this.store.find(claimed.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.PENDING);
		assertThat(view.lastError()).hasSizeLessThanOrEqualTo(StorableText.MAX_ERROR_LENGTH)
			.hasSizeGreaterThan(StorableText.MAX_ERROR_LENGTH - 100)
			.startsWith("eeee")
			.endsWith("characters, the first " + view.lastError().indexOf('\n') + " kept)")
			.contains("cut by Taskito: " + error.length() + " characters");
	}

	@Test
	void resultsAndErrorsAsLongAsTheLimitsAreStoredWhole() {
		enqueue("task", 2);
		List<ClaimedJob> claimed = claimAll("task");
		// Longer than the 1,000,000 characters an H2 VARCHAR holds.
		String result = "\"" + "r".repeat(StorableText.MAX_RESULT_LENGTH - 2) + "\"";
		String error = "e".repeat(StorableText.MAX_ERROR_LENGTH);
		this.store.finish(List.of(new Outcome.Succeeded(claimed.get(0).claim(), result),
				new Outcome.Failed(claimed.get(1).claim(), error, null)), false);

		assertThat(this.store.find(claimed.get(0).id()).orElseThrow().result()).isEqualTo(result);
		assertThat(this.store.find(claimed.get(1).id()).orElseThrow().lastError()).isEqualTo(error);
	}

	@Test
	void payloadLongerThanAMillionCharactersIsStoredWhole() {
		String payload = "[\"" + "p".repeat(1_100_000) + "\"]";
		NewJob job = new NewJob(JobId.newId(), "task", "default", payload, 0, Duration.ZERO, null, null, 3, null);
		this.store.enqueue(List.of(job));
		assertThat(claimOne("task", "default").payload()).isEqualTo(payload);
	}

	@Test
	void resultLongerThanTheLimitIsRefusedBeforeItReachesAStore() {
		ClaimRef claim = new ClaimRef(JobId.newId(), UUID.randomUUID());
		String result = "\"" + "r".repeat(StorableText.MAX_RESULT_LENGTH) + "\"";
		assertThatThrownBy(() -> new Outcome.Succeeded(claim, result)).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining(Integer.toString(result.length()))
			.hasMessageContaining(Integer.toString(StorableText.MAX_RESULT_LENGTH));
	}

	@Test
	void finishRecordsABatchAndRejectsOnlyItsStaleOutcomes() {
		enqueue("task", 3);
		List<ClaimedJob> claimed = claimAll("task");
		ClaimRef stale = new ClaimRef(claimed.get(2).id(), UUID.randomUUID());
		Set<ClaimRef> recorded = this.store.finish(List.of(new Outcome.Succeeded(claimed.get(0).claim(), "1"),
				new Outcome.Failed(claimed.get(1).claim(), "no", null), new Outcome.Succeeded(stale, "3")), false);
		assertThat(recorded).containsExactlyInAnyOrder(claimed.get(0).claim(), claimed.get(1).claim());
		assertThat(this.store.find(claimed.get(0).id()).orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(this.store.find(claimed.get(1).id()).orElseThrow().status()).isEqualTo(JobStatus.DEAD);
		JobView untouched = this.store.find(claimed.get(2).id()).orElseThrow();
		assertThat(untouched.status()).isEqualTo(JobStatus.RUNNING);
		assertThat(untouched.result()).isNull();
		assertThat(this.store.countClaims(Set.of("task"), Set.of()).task("task")).isEqualTo(1);
	}

	@Test
	void finishAndClaimRefillsTheCappedSlotItsOutcomeFrees() {
		this.store.enqueue(List.of(inQueue("capped", "q1"), inQueue("capped", "q1"), inQueue("capped", "q1")));
		ClaimRequest capped = request(10, Map.of("capped", 10), Set.of("q1"), Map.of())
			.withCaps(Map.of("capped", 1), Map.of());
		ClaimedJob first = claim(capped).get(0);
		assertThat(claim(capped)).as("the cap is full").isEmpty();
		ClaimRef stale = new ClaimRef(first.id(), UUID.randomUUID());
		UUID batchId = UUID.randomUUID();
		FinishAndClaim result = this.store.finishAndClaim(
				List.of(new Outcome.Succeeded(first.claim(), "1"), new Outcome.Succeeded(stale, "2")), true, capped,
				batchId);
		assertThat(result.recorded()).containsExactly(first.claim());
		assertThat(result.claimFailure()).isNull();
		assertThat(result.claimed()).as("the slot the outcome freed, and no more").hasSize(1);
		ClaimedJob second = result.claimed().get(0);
		assertThat(second.id()).isNotEqualTo(first.id());
		assertThat(this.store.find(first.id()).orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(this.store.find(second.id()).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
		assertThat(this.store.countClaims(Set.of("capped"), Set.of()).task("capped")).isEqualTo(1);
		assertThat(this.store.recoverClaim(INSTANCE, batchId)).extracting(ClaimedJob::id).containsExactly(second.id());
		// Nothing freed, nothing claimed; the outcome is recorded all the same.
		FinishAndClaim full = this.store.finishAndClaim(List.of(new Outcome.Succeeded(stale, "3")), false, capped,
				UUID.randomUUID());
		assertThat(full.recorded()).isEmpty();
		assertThat(full.claimed()).isEmpty();
	}

	@Test
	void staleTokenAfterRollbackAndReclaimChangesNothing() {
		enqueue("task", 1);
		ClaimedJob lost = claimOne("task", "default");
		this.store.rollback(List.of(new Reschedule(lost.claim(), Duration.ZERO)));
		ClaimedJob current = claimOne("task", "default");

		assertThat(this.store.finish(List.of(new Outcome.Succeeded(lost.claim(), "stale")), true)).isEmpty();
		assertThat(this.store.rollback(List.of(new Reschedule(lost.claim(), Duration.ZERO)))).isEmpty();
		JobView view = this.store.find(current.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.RUNNING);
		assertThat(view.result()).isNull();
		assertThat(view.attempts()).isEqualTo(1);
		assertThat(this.store.countClaims(Set.of("task"), Set.of()).task("task")).isEqualTo(1);

		assertThat(this.store.finish(List.of(new Outcome.Succeeded(current.claim(), "fresh")), false))
			.containsExactly(current.claim());
		assertThat(this.store.find(current.id()).orElseThrow().result()).isEqualTo("fresh");
	}

	@Test
	void staleTokenAfterReapChangesNothing() {
		NewJob job = job("task");
		this.store.enqueue(List.of(job));
		ClaimedJob lost = claimOne("task", "default", SHORT_LEASE);
		awaitReaped(job.id());

		assertThat(this.store.finish(List.of(new Outcome.Succeeded(lost.claim(), "too late")), false)).isEmpty();
		assertThat(this.store.rollback(List.of(new Reschedule(lost.claim(), Duration.ZERO)))).isEmpty();
		JobView view = this.store.find(job.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.PENDING);
		assertThat(view.result()).isNull();
		assertThat(view.attempts()).isEqualTo(1);
	}

	// heartbeat and caps

	@Test
	void heartbeatRenewsTheNamedClaimsAndOmitsLostOnes() {
		enqueue("task", 3);
		UUID batch = UUID.randomUUID();
		List<ClaimedJob> claimed = this.store.claim(request(3, Map.of("task", 3), Set.of("default"), Map.of(),
				SHORT_LEASE), batch);
		assertThat(claimed).hasSize(3);
		this.store.finish(List.of(new Outcome.Succeeded(claimed.get(2).claim(), null)), false);
		ClaimRef neverHeld = new ClaimRef(JobId.newId(), UUID.randomUUID());
		ClaimRef wrongToken = new ClaimRef(claimed.get(1).id(), UUID.randomUUID());

		HeartbeatResult result = this.store.heartbeat(new Heartbeat(INSTANCE, LEASE, Map.of(), Map.of(), ServedWork.NONE,
				List.of(claimed.get(0).claim(), claimed.get(1).claim(), claimed.get(2).claim(), neverHeld, wrongToken)));

		assertThat(result.renewed()).containsExactlyInAnyOrder(claimed.get(0).claim(), claimed.get(1).claim());
		assertThat(this.store.recoverClaim(INSTANCE, batch)).allSatisfy((job) -> assertThat(job.leaseExpiresAt())
			.isAfter(claimed.get(0).leaseExpiresAt().plus(Duration.ofSeconds(20))));
		assertThat(reap(Duration.ZERO)).isEmpty();
	}

	@Test
	void clusterCapsAreTheSmallestThatALiveInstanceDeclares() {
		ClaimStore other = newStartedStore();
		this.store.heartbeat(new Heartbeat("a", LEASE, Map.of("t", 3, "only-a", 7), Map.of("q", 5),
				ServedWork.NONE, List.of()));
		HeartbeatResult fromB = other.heartbeat(new Heartbeat("b", LEASE, Map.of("t", 2), Map.of("q", 9),
				ServedWork.NONE, List.of()));
		assertThat(fromB.clusterCaps().byTask()).isEqualTo(Map.of("t", 2, "only-a", 7));
		assertThat(fromB.clusterCaps().byQueue()).isEqualTo(Map.of("q", 5));

		other.removeInstance("b");
		HeartbeatResult fromA = this.store.heartbeat(new Heartbeat("a", LEASE, Map.of("t", 3, "only-a", 7),
				Map.of("q", 5), ServedWork.NONE, List.of()));
		assertThat(fromA.clusterCaps().byTask()).isEqualTo(Map.of("t", 3, "only-a", 7));
	}

	@Test
	void anInstanceWhoseHeartbeatExpiredNoLongerCounts() {
		this.store.heartbeat(new Heartbeat("gone", SHORT_LEASE, Map.of("t", 1), Map.of("q", 1),
				ServedWork.NONE, List.of()));
		HeartbeatResult first = this.store.heartbeat(new Heartbeat("alive", SHORT_LEASE, Map.of("t", 4), Map.of(),
				ServedWork.NONE, List.of()));
		assertThat(first.clusterCaps().task("t")).isEqualTo(1);
		await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			HeartbeatResult later = this.store.heartbeat(new Heartbeat("alive", SHORT_LEASE, Map.of("t", 4), Map.of(),
					ServedWork.NONE, List.of()));
			assertThat(later.clusterCaps().byTask()).isEqualTo(Map.of("t", 4));
			assertThat(later.clusterCaps().byQueue()).isEmpty();
		});
	}

	@Test
	void removingAnInstanceLeavesItsClaims() {
		enqueue("task", 1);
		this.store.heartbeat(new Heartbeat(INSTANCE, LEASE, Map.of(), Map.of(), ServedWork.NONE, List.of()));
		ClaimedJob claimed = claimOne("task", "default");
		this.store.removeInstance(INSTANCE);
		assertThat(this.store.countClaims(Set.of("task"), Set.of()).task("task")).isEqualTo(1);
		assertThat(this.store.finish(List.of(new Outcome.Succeeded(claimed.claim(), null)), false)).hasSize(1);
	}

	// reap

	@Test
	void reapTakesBackOnlyLeasesExpiredLongerThanTheGrace() {
		this.store.enqueue(List.of(job("short"), job("long")));
		ClaimedJob expiring = claimOne("short", "default", SHORT_LEASE);
		ClaimedJob healthy = claimOne("long", "default", LEASE);
		assertThat(reap(Duration.ofHours(1))).isEmpty();

		List<ReapedJob> reaped = awaitReaped(expiring.id());

		assertThat(reaped).containsExactly(new ReapedJob(expiring.id(), "short", INSTANCE, JobStatus.PENDING));
		JobView view = this.store.find(expiring.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.PENDING);
		assertThat(view.attempts()).isEqualTo(1);
		assertThat(view.lastError()).contains(INSTANCE).contains("expired");
		assertThat(this.store.find(healthy.id()).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
		assertThat(this.store.countClaims(Set.of("short", "long"), Set.of()).byTask()).isEqualTo(Map.of("long", 1));
		ClaimedJob again = claimOne("short", "default");
		assertThat(again.attempt()).isEqualTo(2);
	}

	@Test
	void reapTakesBackOnlyLeasesThatExpiredBeforeTheReapersLastAcknowledgedHeartbeat() {
		enqueue("task", 1);
		Instant connectedBeforeExpiry = heartbeatAsReaper();
		ClaimedJob expiring = claimOne("task", "default", SHORT_LEASE);
		await().pollDelay(SHORT_LEASE.plusMillis(200)).until(() -> true);
		// The lease has expired, but the reaper last reached the store before that: a reap held
		// up in the network through an outage, when nobody could renew, looks just like this.
		assertThat(this.store.reap(Duration.ZERO, connectedBeforeExpiry)).isEmpty();
		assertThat(this.store.find(expiring.id()).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);

		// Once the reaper has heartbeated after the expiry, the lease is its to take back.
		assertThat(reap(Duration.ZERO)).extracting(ReapedJob::jobId).containsExactly(expiring.id());
	}

	@Test
	void reapMakesAJobWithoutRetriesLeftDead() {
		NewJob job = new NewJob(JobId.newId(), "task", "default", "[]", 0, Duration.ZERO, null, null, 0, null);
		this.store.enqueue(List.of(job));
		claimOne("task", "default", SHORT_LEASE);
		List<ReapedJob> reaped = awaitReaped(job.id());
		assertThat(reaped).extracting(ReapedJob::status).containsExactly(JobStatus.DEAD);
		JobView view = this.store.find(job.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.DEAD);
		assertThat(view.finishedAt()).isNotNull();
		assertThat(view.lastError()).contains(INSTANCE).contains("expired").contains("no retries were left");
		assertThat(this.store.countClaims(Set.of("task"), Set.of()).task("task")).isZero();
	}

	// cancel, retry, purge

	@Test
	void cancelMovesOnlyAPendingJob() {
		NewJob pending = job("task");
		NewJob running = job("other");
		this.store.enqueue(List.of(pending, running));
		claimOne("other", "default");
		assertThat(this.store.cancel(pending.id())).isTrue();
		JobView view = this.store.find(pending.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.CANCELLED);
		assertThat(view.finishedAt()).isNotNull();
		assertThat(this.store.cancel(pending.id())).isFalse();
		assertThat(this.store.cancel(running.id())).isFalse();
		assertThat(this.store.find(running.id()).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
		assertThat(this.store.cancel(JobId.newId())).isFalse();
		assertThat(claimAll("task")).isEmpty();
	}

	@Test
	void retryMovesOnlyADeadJobBackWithItsAttemptsReset() {
		NewJob job = job("task");
		NewJob pending = job("other");
		this.store.enqueue(List.of(job, pending));
		assertThat(this.store.retry(job.id())).isFalse();
		ClaimedJob claimed = claimOne("task", "default");
		assertThat(this.store.retry(job.id())).isFalse();
		this.store.finish(List.of(new Outcome.Failed(claimed.claim(), "fatal", null)), false);

		assertThat(this.store.retry(job.id())).isTrue();

		JobView view = this.store.find(job.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.PENDING);
		assertThat(view.attempts()).isZero();
		assertThat(view.lastError()).isEqualTo("fatal");
		assertThat(view.finishedAt()).isNull();
		assertThat(this.store.retry(job.id())).isFalse();
		assertThat(this.store.retry(pending.id())).isFalse();
		assertThat(claimOne("task", "default").attempt()).isEqualTo(1);
	}

	@Test
	void retryOfADeadJobWhoseUniqueKeyAnotherJobHoldsIsRefusedNamingTheKeyAndTheHolder() {
		NewJob first = uniqueJob("task", "k");
		this.store.enqueue(List.of(first));
		this.store.finish(List.of(new Outcome.Failed(claimOne("task", "default").claim(), "fatal", null)), false);
		NewJob second = uniqueJob("task", "k");
		assertThat(this.store.enqueue(List.of(second))).containsExactly(second.id());

		assertThatThrownBy(() -> this.store.retry(first.id())).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("'k'")
			.hasMessageContaining(second.id().toString())
			.hasMessageContaining(first.id().toString());

		assertThat(this.store.find(first.id()).orElseThrow().status()).isEqualTo(JobStatus.DEAD);
		assertThat(this.store.find(second.id()).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		NewJob third = uniqueJob("task", "k");
		assertThat(this.store.enqueue(List.of(third))).as("the key is still the second job's").containsExactly(second.id());
		ClaimedJob holder = claimOne("task", "default");
		assertThat(holder.id()).isEqualTo(second.id());
		assertThatThrownBy(() -> this.store.retry(first.id())).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining(second.id().toString());
		this.store.finish(List.of(new Outcome.Succeeded(holder.claim(), null)), false);

		assertThat(this.store.retry(first.id())).as("the key is free again").isTrue();
		assertThat(this.store.find(first.id()).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		assertThat(this.store.enqueue(List.of(uniqueJob("task", "k")))).containsExactly(first.id());
	}

	@Test
	void purgeDeletesMoreFinishedJobsThanOneChunkOverCallsAndNothingActive() {
		int finished = 1_500;
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < finished; i++) {
			jobs.add(job("done"));
		}
		this.store.enqueue(jobs);
		NewJob pending = job("waiting");
		NewJob running = job("busy");
		this.store.enqueue(List.of(pending, running));
		ClaimedJob busy = claimOne("busy", "default");
		List<Outcome> outcomes = new ArrayList<>();
		List<ClaimedJob> claimed;
		while (!(claimed = claimAll("done")).isEmpty()) {
			claimed.forEach((job) -> outcomes.add((outcomes.size() % 3 == 0) ? new Outcome.Failed(job.claim(), "x", null)
					: new Outcome.Succeeded(job.claim(), null)));
		}
		for (int from = 0; from < outcomes.size(); from += 500) {
			this.store.finish(outcomes.subList(from, Math.min(from + 500, outcomes.size())), false);
		}
		assertThat(outcomes).hasSize(finished);

		AtomicInteger purged = new AtomicInteger();
		await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
			.until(() -> purged.addAndGet(this.store.purge(Duration.ZERO, Duration.ZERO)) >= finished);

		assertThat(purged.get()).isEqualTo(finished);
		assertThat(jobs).allSatisfy((job) -> assertThat(this.store.find(job.id())).isEmpty());
		assertThat(this.store.find(pending.id()).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		assertThat(this.store.find(running.id()).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
		assertThat(this.store.finish(List.of(new Outcome.Succeeded(busy.claim(), null)), false)).hasSize(1);
	}

	@Test
	void purgeDeletesFinishedJobsOlderThanTheirRetention() {
		NewJob succeeded = job("s");
		NewJob cancelled = job("c");
		NewJob dead = job("d");
		NewJob pending = job("p");
		NewJob running = job("r");
		this.store.enqueue(List.of(succeeded, cancelled, dead, pending, running));
		this.store.finish(List.of(new Outcome.Succeeded(claimOne("s", "default").claim(), null)), false);
		this.store.finish(List.of(new Outcome.Failed(claimOne("d", "default").claim(), "x", null)), false);
		claimOne("r", "default");
		this.store.cancel(cancelled.id());

		assertThat(this.store.purge(Duration.ofHours(1), Duration.ofHours(1))).isZero();
		AtomicInteger purged = new AtomicInteger();
		await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
			purged.addAndGet(this.store.purge(Duration.ZERO, Duration.ofHours(1)));
			return this.store.find(succeeded.id()).isEmpty() && this.store.find(cancelled.id()).isEmpty();
		});
		assertThat(purged.get()).isEqualTo(2);
		assertThat(this.store.find(dead.id())).isPresent();
		await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
			this.store.purge(Duration.ZERO, Duration.ZERO);
			return this.store.find(dead.id()).isEmpty();
		});
		assertThat(this.store.find(pending.id())).isPresent();
		assertThat(this.store.find(running.id())).isPresent();
	}

	// rate limits

	@Test
	void tokenBucketStartsFullAndNeverHoldsMoreThanItsBurst() {
		String bucket = "task:" + UUID.randomUUID();
		RateLimit limit = RateLimit.parse("10/h");
		assertThat(this.store.takeTokens(List.of(new TokenRequest(bucket, limit, 4)))).isEqualTo(Map.of(bucket, 4));
		assertThat(this.store.takeTokens(List.of(new TokenRequest(bucket, limit, 100)))).isEqualTo(Map.of(bucket, 6));
		assertThat(this.store.takeTokens(List.of(new TokenRequest(bucket, limit, 1)))).isEqualTo(Map.of(bucket, 0));
		assertThat(this.store.takeTokens(List.of(new TokenRequest(bucket, limit, -3)))).isEqualTo(Map.of(bucket, 0));
		assertThat(this.store.takeTokens(List.of(new TokenRequest(bucket, limit, 100)))).isEqualTo(Map.of(bucket, 3));
		this.store.takeTokens(List.of(new TokenRequest(bucket, limit, -50)));
		assertThat(this.store.takeTokens(List.of(new TokenRequest(bucket, limit, 100)))).isEqualTo(Map.of(bucket, 10));
	}

	@Test
	void tokenBucketsRefillAtTheirRateUpToTheBurst() {
		String slow = "queue:" + UUID.randomUUID();
		String fast = "task:" + UUID.randomUUID();
		RateLimit slowLimit = RateLimit.parse("1/h");
		RateLimit fastLimit = RateLimit.parse("4/s");
		Map<String, Integer> first = this.store.takeTokens(
				List.of(new TokenRequest(fast, fastLimit, 4), new TokenRequest(slow, slowLimit, 5)));
		assertThat(first).isEqualTo(Map.of(fast, 4, slow, 1));
		await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
			.until(() -> this.store.takeTokens(List.of(new TokenRequest(fast, fastLimit, 1))).get(fast) == 1);
		assertThat(this.store.takeTokens(List.of(new TokenRequest(slow, slowLimit, 1)))).isEqualTo(Map.of(slow, 0));
		// After well over a second at 4/s, the bucket holds its burst of 4 and no more.
		await().pollDelay(Duration.ofMillis(1500)).atMost(PATIENCE).until(() -> true);
		assertThat(this.store.takeTokens(List.of(new TokenRequest(fast, fastLimit, 10)))).isEqualTo(Map.of(fast, 4));
	}

	// stranded work

	@Test
	void pendingJobsNoLiveInstanceServesAreReportedWithTheirCount() {
		this.store.enqueue(List.of(inQueue("renamed", "emails"), inQueue("renamed", "emails"),
				delayedJob("renamed", "emails", Duration.ofHours(1)), inQueue("renamed", "moved-away"),
				inQueue("served", "emails")));
		serve("live", LEASE, Set.of("served"), Set.of("emails"));
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).containsExactly(
				new StrandedWork("renamed", "emails", 3), new StrandedWork("renamed", "moved-away", 1));
	}

	/**
	 * A keyed job that failed with a retry waits in its key again and is claimed, within its
	 * cap per key, once its backoff is over, although the claim that took it found the key
	 * with nothing else waiting (the JDBC stores then drop the key from the round, and the
	 * retry must put it back). A batch of outcomes without a retry finishes another key's job
	 * meanwhile: the JDBC stores record the two kinds with different statements.
	 */
	@Test
	void aKeyedJobRetriedAfterAFailureIsClaimedAgainWithinItsKey() {
		JobId failing = JobId.newId();
		JobId other = JobId.newId();
		this.store.enqueue(List.of(
				new NewJob(failing, "keyed", "default", "[]", 0, Duration.ZERO, null, null, 3, null, Map.of(), "a"),
				new NewJob(other, "keyed", "default", "[]", 0, Duration.ZERO, null, null, 3, null, Map.of(), "b")));
		ClaimRequest request = request(4, Map.of("keyed", 4), Set.of("default"), Map.of())
			.withKeyCaps(Map.of("keyed", 1));
		Map<JobId, ClaimedJob> first = new HashMap<>();
		claim(request).forEach((job) -> first.put(job.id(), job));
		assertThat(first).containsOnlyKeys(failing, other);
		this.store.finish(List.of(new Outcome.Failed(first.get(failing).claim(), "boom", Duration.ofMillis(300))), true);
		this.store.finish(List.of(new Outcome.Succeeded(first.get(other).claim(), null)), true);
		assertThat(this.store.find(failing).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		assertThat(this.store.find(other).orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);
		await().atMost(PATIENCE).until(() -> !claim(request).isEmpty());
		JobView retried = this.store.find(failing).orElseThrow();
		assertThat(retried.status()).isEqualTo(JobStatus.RUNNING);
		assertThat(retried.attempts()).isEqualTo(2);
	}

	@Test
	void keyedJobsNoLiveInstanceServesAreStrandedToo() {
		this.store.enqueue(List.of(keyed("renamed", "emails", "a", Duration.ZERO),
				keyed("renamed", "emails", "a", Duration.ZERO), keyed("renamed", "emails", "b", Duration.ZERO),
				keyed("renamed", "emails", "c", Duration.ofHours(1)), inQueue("renamed", "emails"),
				keyed("renamed", "keyed-only", "a", Duration.ZERO), keyed("served", "emails", "a", Duration.ZERO)));
		serve("live", LEASE, Set.of("served"), Set.of("emails"));
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).containsExactly(
				new StrandedWork("renamed", "emails", 5), new StrandedWork("renamed", "keyed-only", 1));
		// Counted up to the limit, keyed and unkeyed jobs together.
		assertThat(this.store.strandedWork(2)).containsExactly(new StrandedWork("renamed", "emails", 2),
				new StrandedWork("renamed", "keyed-only", 1));
		serve("other", LEASE, Set.of("renamed"), Set.of("emails", "keyed-only"));
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).isEmpty();
	}

	@Test
	void aPairALiveInstanceServesIsNotStranded() {
		this.store.enqueue(List.of(inQueue("task", "emails"), inQueue("task", "reports")));
		serve("one", LEASE, Set.of("task"), Set.of("emails"));
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT))
			.containsExactly(new StrandedWork("task", "reports", 1));
		// Another instance serves the other pair: tasks and queues of different instances never combine.
		serve("two", LEASE, Set.of("task", "other"), Set.of("reports"));
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).isEmpty();
	}

	@Test
	void strandedJobsAreCountedUpToTheLimit() {
		enqueue("renamed", 5);
		assertThat(this.store.strandedWork(3)).containsExactly(new StrandedWork("renamed", "default", 3));
		assertThat(this.store.strandedWork(5)).containsExactly(new StrandedWork("renamed", "default", 5));
	}

	@Test
	void onlyPendingJobsAreStranded() {
		List<NewJob> jobs = List.of(job("renamed"), job("renamed"), job("renamed"), job("renamed"));
		this.store.enqueue(jobs);
		this.store.cancel(jobs.get(0).id());
		claimOne("renamed", "default");
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).containsExactly(
				new StrandedWork("renamed", "default", 2));
		claimAll("renamed");
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).isEmpty();
	}

	@Test
	void aDelayedJobIsCountedOnceBeforeAndAfterItIsDue() {
		Duration delay = Duration.ofMillis(300);
		this.store.enqueue(List.of(job("renamed"), delayedJob("renamed", "default", delay),
				delayedJob("probe", "default", delay)));
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).contains(new StrandedWork("renamed", "default", 2));
		// Once a job delayed as long is claimable, the renamed one is due too (and moved on, where a
		// store keeps delayed jobs apart).
		await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> !claimAll("probe").isEmpty());
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).containsExactly(
				new StrandedWork("renamed", "default", 2));
	}

	@Test
	void anExpiredInstanceNoLongerServes() {
		enqueue("renamed", 2);
		serve("short-lived", SHORT_LEASE, Set.of("renamed"), Set.of("default"));
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).isEmpty();
		await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).untilAsserted(
				() -> assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).containsExactly(
						new StrandedWork("renamed", "default", 2)));
	}

	@Test
	void aRemovedInstanceNoLongerServes() {
		enqueue("renamed", 1);
		serve("leaving", LEASE, Set.of("renamed"), Set.of("default"));
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).isEmpty();
		this.store.removeInstance("leaving");
		assertThat(this.store.strandedWork(STRANDED_COUNT_LIMIT)).containsExactly(
				new StrandedWork("renamed", "default", 1));
	}

	// helpers

	/**
	 * @param task a task name
	 * @return a job of that task in queue {@code default}, due now
	 */
	protected static NewJob job(String task) {
		return new NewJob(JobId.newId(), task, "default", "[]", 0, Duration.ZERO, null, null, 3, null);
	}

	private static NewJob uniqueJob(String task, String key) {
		return new NewJob(JobId.newId(), task, "default", "[]", 0, Duration.ZERO, null, key, 3, null);
	}

	private static NewJob inQueue(String task, String queue) {
		return new NewJob(JobId.newId(), task, queue, "[]", 0, Duration.ZERO, null, null, 3, null);
	}

	private static NewJob dueAt(String task, int priority, Instant runAt) {
		return new NewJob(JobId.newId(), task, "default", "[]", priority, Duration.ZERO, runAt, null, 3, null);
	}

	private static NewJob dueIn(String task, String queue, int priority, Instant runAt) {
		return new NewJob(JobId.newId(), task, queue, "[]", priority, Duration.ZERO, runAt.minusSeconds(60), null, 3,
				null);
	}

	private static NewJob keyed(String task, String queue, String key, Duration delay) {
		return new NewJob(JobId.newId(), task, queue, "[]", 0, delay, null, null, 3, null, Map.of(), key);
	}

	private static NewJob delayedJob(String task, String queue, Duration delay) {
		return new NewJob(JobId.newId(), task, queue, "[]", 0, delay, null, null, 3, null);
	}

	/**
	 * Heartbeats as a live instance that serves these tasks in these queues.
	 */
	private void serve(String instanceId, Duration lease, Set<String> tasks, Set<String> queues) {
		this.store.heartbeat(new Heartbeat(instanceId, lease, Map.of(), Map.of(), new ServedWork(tasks, queues),
				List.of()));
	}

	private void enqueue(String task, int count) {
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			jobs.add(job(task));
		}
		this.store.enqueue(jobs);
	}

	private static ClaimRequest request(int limit, Map<String, Integer> taskLimits, Set<String> queues,
			Map<String, Integer> queueLimits) {
		return request(limit, taskLimits, queues, queueLimits, LEASE);
	}

	private static ClaimRequest request(int limit, Map<String, Integer> taskLimits, Set<String> queues,
			Map<String, Integer> queueLimits, Duration lease) {
		return new ClaimRequest(INSTANCE, lease, limit, queues, taskLimits, queueLimits);
	}

	private List<ClaimedJob> claim(ClaimRequest request) {
		return this.store.claim(request, UUID.randomUUID());
	}

	private List<ClaimedJob> claimAll(String... tasks) {
		return claimAll(Set.of("default"), tasks);
	}

	private List<ClaimedJob> claimAll(Set<String> queues, String... tasks) {
		Map<String, Integer> limits = new HashMap<>();
		for (String task : tasks) {
			limits.put(task, 1000);
		}
		return claim(request(1000, limits, queues, Map.of()));
	}

	private ClaimedJob claimOne(String task, String queue) {
		return claimOne(task, queue, LEASE);
	}

	private ClaimedJob claimOne(String task, String queue, Duration lease) {
		List<ClaimedJob> claimed = claim(request(1, Map.of(task, 1), Set.of(queue), Map.of(), lease));
		assertThat(claimed).as("a claimable job of task %s in queue %s", task, queue).hasSize(1);
		return claimed.get(0);
	}

	/**
	 * Reaps as a live instance does: it heartbeats, then reaps.
	 */
	private List<ReapedJob> reap(Duration grace) {
		return this.store.reap(grace, heartbeatAsReaper());
	}

	private Instant heartbeatAsReaper() {
		return this.store.heartbeat(new Heartbeat(REAPER, LEASE, Map.of(), Map.of(),
				ServedWork.NONE, List.of())).storeTime();
	}

	/**
	 * Reaps with no grace until the job is taken back.
	 */
	private List<ReapedJob> awaitReaped(JobId id) {
		List<ReapedJob> reaped = Collections.synchronizedList(new ArrayList<>());
		await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
			reaped.addAll(reap(Duration.ZERO));
			return reaped.stream().anyMatch((job) -> job.jobId().equals(id));
		});
		return reaped;
	}

}
