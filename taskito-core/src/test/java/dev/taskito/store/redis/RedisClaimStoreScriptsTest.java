package dev.taskito.store.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.KillArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskitoException;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.FinishAndClaim;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.RateLimit;
import dev.taskito.store.ReapedJob;
import dev.taskito.store.Reschedule;
import dev.taskito.store.ServedWork;
import dev.taskito.store.StrandedWork;
import dev.taskito.store.TokenRequest;
import dev.taskito.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Focused tests of the Redis store's scripts: what only this store does (its key layout,
 * replayed scripts, NOSCRIPT), and the SPI's semantics until the shared contract suite runs.
 */
class RedisClaimStoreScriptsTest {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private RedisClaimStore store;

	@BeforeEach
	void startStore() {
		this.store = RedisClaimStore.builder(TestRedis.client()).keyPrefix(TestRedis.uniqueKeyPrefix()).build();
		this.store.start();
	}

	@AfterEach
	void deleteKeys() {
		this.store.close();
		TestRedis.deleteKeys(this.store.namespace());
	}

	@Test
	void keyPrefixBecomesTheHashTagOfEveryKey() {
		assertThat(RedisKeys.namespaceOf("taskito:")).isEqualTo("{taskito}:");
		assertThat(RedisKeys.namespaceOf("app:taskito:")).isEqualTo("{app:taskito}:");
		assertThat(RedisKeys.namespaceOf("{x}:taskito:")).isEqualTo("{x}:taskito:");
		assertThat(RedisKeys.namespaceOf("{x}:taskito")).isEqualTo("{x}:taskito:");
		JobId id = enqueue(job("a"));
		try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
			assertThat(admin.sync().keys(this.store.namespace() + "*"))
				.isNotEmpty()
				.allSatisfy((key) -> assertThat(key).startsWith(this.store.namespace()));
			assertThat(admin.sync().exists(this.store.namespace() + "job:" + id)).isEqualTo(1);
		}
	}

	@Test
	void enqueueThenFindShowsAPendingJob() {
		JobId id = enqueue(job("a"));
		JobView view = this.store.find(id).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.PENDING);
		assertThat(view.taskName()).isEqualTo("a");
		assertThat(view.queue()).isEqualTo("default");
		assertThat(view.attempts()).isZero();
		assertThat(view.createdAt()).isNotNull();
		assertThat(this.store.find(JobId.newId())).isEmpty();
	}

	@Test
	void claimTakesHighestPriorityThenEarliestDueThenOldest() {
		JobId low = enqueue(job("a").priority(0).build());
		JobId high = enqueue(job("a").priority(5).build());
		JobId lowLater = enqueue(job("a").priority(0).build());
		JobId negative = enqueue(job("b").priority(-3).build());
		JobId highB = enqueue(job("b").priority(5).build());
		List<ClaimedJob> claimed = claim(10, Map.of("a", 10, "b", 10), Map.of());
		assertThat(claimed).extracting(ClaimedJob::id).containsExactly(high, highB, low, lowLater, negative);
		assertThat(claimed).allSatisfy((job) -> assertThat(job.attempt()).isEqualTo(1));
	}

	@Test
	void extremePrioritiesKeepTheirOrder() {
		JobId lowest = enqueue(job("a").priority(Integer.MIN_VALUE).build());
		JobId highest = enqueue(job("a").priority(Integer.MAX_VALUE).build());
		JobId zero = enqueue(job("a").priority(0).build());
		assertThat(claim(10, Map.of("a", 10), Map.of())).extracting(ClaimedJob::id)
			.containsExactly(highest, zero, lowest);
	}

	@Test
	void claimHoldsEveryLimit() {
		for (int i = 0; i < 5; i++) {
			enqueue(job("a"));
			enqueue(job("b"));
			enqueue(job("c").queue("other").build());
		}
		assertThat(claim(3, Map.of("a", 10, "b", 10), Map.of())).hasSize(3);
		assertThat(claim(10, Map.of("a", 1, "b", 2), Map.of())).hasSize(3);
		assertThat(claim(10, Map.of("a", 10, "b", 10, "c", 10), Map.of("default", 1), Set.of("default", "other")))
			.extracting(ClaimedJob::queue)
			.containsOnlyOnce("default")
			.filteredOn("other"::equals)
			.hasSize(5);
		assertThat(claim(10, Map.of("a", 10), Map.of("default", 0))).isEmpty();
		ClaimCounts counts = this.store.countClaims(Set.of("a", "b", "c", "x"), Set.of("default", "other", "y"));
		assertThat(counts.byTask()).containsEntry("c", 5).doesNotContainKey("x");
		assertThat(counts.task("a") + counts.task("b")).isEqualTo(7);
		assertThat(counts.byQueue()).containsEntry("default", 7).containsEntry("other", 5).doesNotContainKey("y");
	}

	@Test
	void delayedJobsBecomeDueOnTheStoreClock() {
		JobId later = enqueue(job("a").delay(Duration.ofMillis(300)).build());
		JobId future = enqueue(job("a").runAt(Instant.now().plus(Duration.ofHours(1))).build());
		assertThat(claim(10, Map.of("a", 10), Map.of())).isEmpty();
		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> assertThat(claim(10, Map.of("a", 10), Map.of())).extracting(ClaimedJob::id)
				.containsExactly(later));
		assertThat(this.store.find(future).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
	}

	@Test
	void finishIsFencedByTheClaimToken() {
		JobId id = enqueue(job("a"));
		ClaimedJob claimed = claim(1, Map.of("a", 1), Map.of()).get(0);
		ClaimRef stale = new ClaimRef(id, UUID.randomUUID());
		assertThat(this.store.finish(List.of(new Outcome.Succeeded(stale, "\"no\"")), false)).isEmpty();
		assertThat(this.store.find(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
		assertThat(this.store.finish(List.of(new Outcome.Succeeded(claimed.claim(), "\"yes\"")), true))
			.containsExactly(claimed.claim());
		JobView view = this.store.find(id).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(view.result()).isEqualTo("\"yes\"");
		assertThat(view.finishedAt()).isNotNull();
		assertThat(this.store.countClaims(Set.of("a"), Set.of("default")).task("a")).isZero();
		// Repeating the call whose answer was lost says "recorded" again, and changes nothing.
		assertThat(this.store.finish(List.of(new Outcome.Succeeded(claimed.claim(), "\"again\"")), false))
			.containsExactly(claimed.claim());
		assertThat(this.store.find(id).orElseThrow().result()).isEqualTo("\"yes\"");
	}

	@Test
	void failedJobRetriesThenDiesThenRetryResetsAttempts() {
		JobId id = enqueue(job("a").maxRetries(1).build());
		ClaimedJob first = claim(1, Map.of("a", 1), Map.of()).get(0);
		assertThat(this.store.finish(List.of(new Outcome.Failed(first.claim(), "boom 1", Duration.ZERO)), false))
			.hasSize(1);
		JobView pending = this.store.find(id).orElseThrow();
		assertThat(pending.status()).isEqualTo(JobStatus.PENDING);
		assertThat(pending.lastError()).isEqualTo("boom 1");
		ClaimedJob second = claim(1, Map.of("a", 1), Map.of()).get(0);
		assertThat(second.attempt()).isEqualTo(2);
		assertThat(second.claim().token()).isNotEqualTo(first.claim().token());
		this.store.finish(List.of(new Outcome.Failed(second.claim(), "boom 2", null)), false);
		JobView dead = this.store.find(id).orElseThrow();
		assertThat(dead.status()).isEqualTo(JobStatus.DEAD);
		assertThat(dead.attempts()).isEqualTo(2);
		assertThat(this.store.retry(id)).isTrue();
		assertThat(this.store.retry(id)).isFalse();
		JobView retried = this.store.find(id).orElseThrow();
		assertThat(retried.status()).isEqualTo(JobStatus.PENDING);
		assertThat(retried.attempts()).isZero();
		assertThat(retried.lastError()).isEqualTo("boom 2");
		assertThat(claim(1, Map.of("a", 1), Map.of()).get(0).attempt()).isEqualTo(1);
	}

	@Test
	void rollbackGivesTheAttemptBack() {
		JobId id = enqueue(job("a"));
		ClaimedJob claimed = claim(1, Map.of("a", 1), Map.of()).get(0);
		assertThat(this.store.rollback(List.of(new Reschedule(new ClaimRef(id, UUID.randomUUID()), Duration.ZERO))))
			.isEmpty();
		assertThat(this.store.rollback(List.of(new Reschedule(claimed.claim(), Duration.ZERO))))
			.containsExactly(claimed.claim());
		JobView view = this.store.find(id).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.PENDING);
		assertThat(view.attempts()).isZero();
		assertThat(view.startedAt()).isNull();
		assertThat(this.store.countClaims(Set.of("a"), Set.of("default")).task("a")).isZero();
		assertThat(claim(1, Map.of("a", 1), Map.of()).get(0).attempt()).isEqualTo(1);
	}

	@Test
	void uniqueKeyHeldWhilePendingOrRunning() {
		JobId first = enqueue(job("a").uniqueKey("k").build());
		List<JobId> ids = this.store.enqueue(List.of(job("a").uniqueKey("k").build(), job("a").uniqueKey("j").build(),
				job("a").uniqueKey("j").build()));
		assertThat(ids.get(0)).isEqualTo(first);
		assertThat(ids.get(2)).isEqualTo(ids.get(1));
		ClaimedJob claimed = claim(10, Map.of("a", 10), Map.of()).get(0);
		assertThat(enqueue(job("a").uniqueKey("k").build())).isEqualTo(first);
		this.store.finish(List.of(new Outcome.Succeeded(claimed.claim(), null)), false);
		assertThat(enqueue(job("a").uniqueKey("k").build())).isNotEqualTo(first);
	}

	@Test
	void enqueueOfAnExistingIdStoresNothing() {
		NewJob job = job("a").build();
		this.store.enqueue(List.of(job));
		this.store.enqueue(List.of(job));
		assertThat(claim(10, Map.of("a", 10), Map.of())).hasSize(1);
	}

	@Test
	void cancelOnlyPendingJobs() {
		JobId pending = enqueue(job("a"));
		JobId delayed = enqueue(job("b").delay(Duration.ofHours(1)).build());
		assertThat(this.store.cancel(pending)).isTrue();
		assertThat(this.store.cancel(delayed)).isTrue();
		assertThat(this.store.cancel(pending)).isFalse();
		assertThat(this.store.find(pending).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
		assertThat(claim(10, Map.of("a", 10, "b", 10), Map.of())).isEmpty();
	}

	@Test
	void pausedQueueIsNotClaimed() {
		enqueue(job("a"));
		this.store.setQueuePaused("default", true);
		assertThat(this.store.pausedQueues()).containsExactly("default");
		assertThat(claim(10, Map.of("a", 10), Map.of())).isEmpty();
		this.store.setQueuePaused("default", false);
		assertThat(this.store.pausedQueues()).isEmpty();
		assertThat(claim(10, Map.of("a", 10), Map.of())).hasSize(1);
	}

	@Test
	void replayedClaimAnswersWithItsOwnClaims() {
		for (int i = 0; i < 4; i++) {
			enqueue(job("a"));
		}
		UUID batch = UUID.randomUUID();
		ClaimRequest request = request(2, Map.of("a", 10), Map.of(), Set.of("default")).request();
		List<ClaimedJob> first = this.store.claim(request, batch);
		// The same batch again (as Lettuce re-sends it after a reconnect) claims nothing new.
		List<ClaimedJob> again = this.store.claim(request, batch);
		assertThat(again).extracting(ClaimedJob::claim).containsExactlyElementsOf(
				first.stream().map(ClaimedJob::claim).toList());
		assertThat(this.store.recoverClaim("i1", batch)).extracting(ClaimedJob::claim)
			.containsExactlyElementsOf(first.stream().map(ClaimedJob::claim).toList());
		assertThat(this.store.recoverClaim("other", batch)).isEmpty();
		this.store.finish(List.of(new Outcome.Succeeded(first.get(0).claim(), null)), false);
		assertThat(this.store.recoverClaim("i1", batch)).extracting(ClaimedJob::claim)
			.containsExactly(first.get(1).claim());
		assertThat(this.store.countClaims(Set.of("a"), Set.of()).task("a")).isEqualTo(1);
	}

	@Test
	void heartbeatRenewsHeldClaimsAndReportsSmallestCaps() {
		enqueue(job("a"));
		ClaimedJob claimed = this.store.claim(request(1, Map.of("a", 1), Map.of(), Set.of("default"))
			.withLease(Duration.ofMillis(200)), UUID.randomUUID()).get(0);
		ClaimRef lost = new ClaimRef(JobId.newId(), UUID.randomUUID());
		HeartbeatResult result = this.store.heartbeat(new Heartbeat("i1", LEASE, Map.of("a", 3, "b", 2),
				Map.of("default", 10), ServedWork.NONE, List.of(claimed.claim(), lost)));
		assertThat(result.renewed()).containsExactly(claimed.claim());
		assertThat(result.clusterCaps().byTask()).containsEntry("a", 3).containsEntry("b", 2);
		result = this.store.heartbeat(new Heartbeat("i2", LEASE, Map.of("a", 1), Map.of("default", 20),
				ServedWork.NONE, List.of()));
		assertThat(result.clusterCaps().byTask()).containsEntry("a", 1).containsEntry("b", 2);
		assertThat(result.clusterCaps().byQueue()).containsEntry("default", 10);
		this.store.removeInstance("i2");
		result = this.store.heartbeat(new Heartbeat("i1", LEASE, Map.of("a", 3), Map.of(), ServedWork.NONE, List.of()));
		assertThat(result.clusterCaps().byTask()).containsOnly(Map.entry("a", 3));
		// The lease was renewed to 30 s, so the claim outlives its original 200 ms.
		assertThat(reap(Duration.ZERO)).isEmpty();
	}

	@Test
	void reapTakesBackExpiredLeasesOnly() throws Exception {
		JobId retried = enqueue(job("a").maxRetries(1).build());
		JobId dies = enqueue(job("b").maxRetries(0).build());
		JobId kept = enqueue(job("c"));
		this.store.claim(request(2, Map.of("a", 1, "b", 1), Map.of(), Set.of("default")).withLease(Duration.ofMillis(50)),
				UUID.randomUUID());
		ClaimedJob held = claim(1, Map.of("c", 1), Map.of()).get(0);
		await().atMost(Duration.ofSeconds(5)).until(() -> !reap(Duration.ofMillis(100)).isEmpty()
				|| this.store.find(retried).orElseThrow().status() != JobStatus.RUNNING);
		assertThat(this.store.find(retried).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		assertThat(this.store.find(retried).orElseThrow().attempts()).isEqualTo(1);
		JobView dead = this.store.find(dies).orElseThrow();
		assertThat(dead.status()).isEqualTo(JobStatus.DEAD);
		assertThat(dead.lastError()).contains("i1");
		assertThat(this.store.find(kept).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
		assertThat(this.store.countClaims(Set.of("a", "b", "c"), Set.of("default")).queue("default")).isEqualTo(1);
		assertThat(this.store.finish(List.of(new Outcome.Succeeded(held.claim(), null)), false)).hasSize(1);
	}

	@Test
	void reapReportsWhatItTookBack() {
		JobId id = enqueue(job("a"));
		this.store.claim(request(1, Map.of("a", 1), Map.of(), Set.of("default")).withLease(Duration.ZERO),
				UUID.randomUUID());
		List<ReapedJob> reaped = new ArrayList<>();
		// A lease of zero expires in the claim's millisecond; the reaper's heartbeat must come after.
		await().atMost(Duration.ofSeconds(5)).until(() -> reaped.addAll(reap(Duration.ZERO)));
		assertThat(reaped).containsExactly(new ReapedJob(id, "a", "i1", JobStatus.PENDING));
	}

	@Test
	void reapTakesBackARunningJobWithoutALease() {
		JobId retried = enqueue(job("a").delay(Duration.ofHours(1)));
		JobId dies = enqueue(job("b").delay(Duration.ofHours(1)).maxRetries(0));
		try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
			// Only a hand-made change leaves a job RUNNING with no lease: no script does.
			for (JobId id : List.of(retried, dies)) {
				admin.sync().hset(this.store.namespace() + "job:" + id, Map.of("status", "RUNNING", "attempts", "1"));
			}
		}
		// The sweep goes on through the whole database a bounded number of keys per reap.
		List<ReapedJob> reaped = new ArrayList<>();
		for (int reaps = 0; reaped.size() < 2 && reaps < reapsToSweepTheDatabase(); reaps++) {
			reaped.addAll(reap(Duration.ofHours(1)));
		}
		assertThat(reaped).containsExactlyInAnyOrder(
				new ReapedJob(retried, "a", null, JobStatus.PENDING), new ReapedJob(dies, "b", null, JobStatus.DEAD));
		assertThat(this.store.find(retried).orElseThrow().lastError()).contains("RUNNING without a lease");
		assertThat(this.store.find(dies).orElseThrow().lastError()).contains("no retries were left");
		// Due now, claimed once (not also from the delayed set), with the hand-made attempt counted.
		assertThat(claim(5, Map.of("a", 5, "b", 5), Map.of())).singleElement().satisfies((claimed) -> {
			assertThat(claimed.id()).isEqualTo(retried);
			assertThat(claimed.attempt()).isEqualTo(2);
		});
		assertThat(reap(Duration.ZERO)).isEmpty();
	}

	@Test
	void reapSweepsALargeNamespaceOverSeveralCalls() {
		List<NewJob> many = new ArrayList<>();
		for (int i = 0; i < 4_000; i++) {
			many.add(job("a").build());
		}
		List<JobId> ids = this.store.enqueue(many);
		try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
			for (JobId id : ids) {
				admin.async().hset(this.store.namespace() + "job:" + id, "status", "RUNNING");
			}
			admin.sync().ping();
		}
		List<ReapedJob> first = reap(Duration.ZERO);
		// One reap looks at a bounded number of keys, and the next ones go on from there.
		assertThat(first).hasSizeBetween(1, 3_000);
		List<ReapedJob> all = new ArrayList<>(first);
		for (int reaps = 1; all.size() < ids.size() && reaps < reapsToSweepTheDatabase(); reaps++) {
			all.addAll(reap(Duration.ZERO));
		}
		assertThat(all).extracting(ReapedJob::jobId).containsExactlyInAnyOrderElementsOf(ids);
	}

	@Test
	void tokenBucketsStartFullAndRefill() {
		RateLimit limit = new RateLimit(3, Duration.ofSeconds(1));
		assertThat(this.store.takeTokens(List.of(new TokenRequest("task:a", limit, 2)))).containsEntry("task:a", 2);
		assertThat(this.store.takeTokens(List.of(new TokenRequest("task:a", limit, 5)))).containsEntry("task:a", 1);
		assertThat(this.store.takeTokens(List.of(new TokenRequest("task:a", limit, 1)))).containsEntry("task:a", 0);
		assertThat(this.store.takeTokens(List.of(new TokenRequest("task:a", limit, -2)))).containsEntry("task:a", 0);
		assertThat(this.store.takeTokens(List.of(new TokenRequest("task:a", limit, 5)))).containsEntry("task:a", 2);
		await().atMost(Duration.ofSeconds(3))
			.until(() -> this.store.takeTokens(List.of(new TokenRequest("task:a", limit, 1))).get("task:a") == 1);
	}

	@Test
	void replayedGiveBackOfTokensCreditsThemOnce() {
		RateLimit limit = new RateLimit(10, Duration.ofHours(1));
		assertThat(this.store.takeTokens(List.of(new TokenRequest("task:g", limit, 10)))).containsEntry("task:g", 10);
		RedisConnector connector = new RedisConnector(TestRedis.client(), "taskito-replay-test", null,
				this.store.namespace());
		RedisScripts scripts = new RedisScripts(connector, new RedisKeys(this.store.namespace()));
		connector.open(scripts::load);
		try {
			List<String> giveBack = List.of(UUID.randomUUID().toString(), "task:g", "10",
					Long.toString(limit.period().toMillis()), "-4");
			assertThat(RedisScriptValues.number(scripts.run("tokens", "give back tokens", giveBack))).isZero();
			// The same call again, as Lettuce re-sends it when the connection dropped before its answer.
			assertThat(RedisScriptValues.number(scripts.run("tokens", "give back tokens", giveBack))).isZero();
		}
		finally {
			connector.close();
		}
		assertThat(this.store.takeTokens(List.of(new TokenRequest("task:g", limit, 10)))).containsEntry("task:g", 4);
		// A give-back of its own (another id) still counts.
		this.store.takeTokens(List.of(new TokenRequest("task:g", limit, -3)));
		assertThat(this.store.takeTokens(List.of(new TokenRequest("task:g", limit, 10)))).containsEntry("task:g", 3);
	}

	@Test
	void purgeDeletesOnlyFinishedJobsPastRetention() {
		JobId done = enqueue(job("a"));
		JobId pending = enqueue(job("b"));
		ClaimedJob claimed = claim(1, Map.of("a", 1), Map.of()).get(0);
		this.store.finish(List.of(new Outcome.Succeeded(claimed.claim(), null)), false);
		assertThat(this.store.purge(Duration.ofHours(1), Duration.ofHours(1))).isZero();
		assertThat(this.store.purge(Duration.ZERO, Duration.ZERO)).isEqualTo(1);
		assertThat(this.store.find(done)).isEmpty();
		assertThat(this.store.find(pending)).isPresent();
	}

	@Test
	void wakeUpListenersHearEnqueuesAndFreedSlots() {
		AtomicInteger wakeUps = new AtomicInteger();
		this.store.addWakeUpListener(wakeUps::incrementAndGet);
		enqueue(job("a"));
		await().atMost(Duration.ofSeconds(5)).until(() -> wakeUps.get() >= 1);
		ClaimedJob claimed = claim(1, Map.of("a", 1), Map.of()).get(0);
		int before = wakeUps.get();
		this.store.finish(List.of(new Outcome.Succeeded(claimed.claim(), null)), true);
		await().atMost(Duration.ofSeconds(5)).until(() -> wakeUps.get() > before);
	}

	@Test
	void wakeUpListenersHearAWakeUpSentAlone() {
		assertThat(this.store.wakesOthersAlone()).isTrue();
		AtomicInteger wakeUps = new AtomicInteger();
		this.store.addWakeUpListener(wakeUps::incrementAndGet);
		enqueue(job("a"));
		await().atMost(Duration.ofSeconds(5)).until(() -> wakeUps.get() >= 1);
		int before = wakeUps.get();
		this.store.wakeOthers();
		await().atMost(Duration.ofSeconds(5)).until(() -> wakeUps.get() > before);
	}

	@Test
	void wakeUpListenersHearOfAReconnect() {
		AtomicInteger wakeUps = new AtomicInteger();
		this.store.addWakeUpListener(wakeUps::incrementAndGet);
		try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
			for (String line : admin.sync().clientList().split("\n")) {
				if (line.contains(" name=" + this.store.clientName() + "-wakeup ")) {
					String id = line.replaceAll("^id=(\\d+) .*", "$1").trim();
					admin.sync().clientKill(KillArgs.Builder.id(Long.parseLong(id)));
				}
			}
		}
		// Messages published while it was down are lost: the reconnect itself wakes.
		await().atMost(Duration.ofSeconds(5)).until(() -> wakeUps.get() >= 1);
	}

	@Test
	void lostScriptsAreLoadedAgain() {
		try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
			admin.sync().scriptFlush();
		}
		JobId id = enqueue(job("a"));
		assertThat(this.store.find(id)).isPresent();
		assertThat(claim(1, Map.of("a", 1), Map.of())).hasSize(1);
	}

	@Test
	void outcomesAndAClaimSentTogetherSurviveLostScripts() {
		enqueue(job("a"));
		enqueue(job("a"));
		ClaimedJob first = claim(1, Map.of("a", 1), Map.of()).get(0);
		try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
			admin.sync().scriptFlush();
		}
		UUID batchId = UUID.randomUUID();
		FinishAndClaim both = this.store.finishAndClaim(List.of(new Outcome.Succeeded(first.claim(), null)), true,
				request(1, Map.of("a", 1), Map.of(), Set.of("default")).request(), batchId);
		assertThat(both.recorded()).containsExactly(first.claim());
		assertThat(both.claimFailure()).isNull();
		assertThat(both.claimed()).hasSize(1);
		assertThat(this.store.find(first.id()).orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(this.store.recoverClaim("i1", batchId)).extracting(ClaimedJob::id)
			.containsExactly(both.claimed().get(0).id());
	}

	@Test
	void aClaimRedisRefusesBehindOutcomesLeavesThemRecordedAndSaysWhy() {
		enqueue(job("a"));
		enqueue(job("a"));
		ClaimedJob first = claim(1, Map.of("a", 1), Map.of()).get(0);
		UUID batchId = UUID.randomUUID();
		try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
			// The batch's record of the wrong type: the claim fails on its first read of it.
			admin.sync().set(this.store.namespace() + "batch:" + batchId, "not a list");
		}
		FinishAndClaim both = this.store.finishAndClaim(List.of(new Outcome.Succeeded(first.claim(), "done")), true,
				request(1, Map.of("a", 1), Map.of(), Set.of("default")).request(), batchId);
		assertThat(both.recorded()).containsExactly(first.claim());
		assertThat(both.claimed()).isEmpty();
		assertThat(both.claimUnknown()).as("Redis answered: the claim is known to have failed").isFalse();
		assertThat(both.claimFailure()).hasMessageContaining("claim jobs for instance i1")
			.hasMessageContaining("WRONGTYPE");
		assertThat(this.store.find(first.id()).orElseThrow().result()).isEqualTo("done");
		assertThat(claim(1, Map.of("a", 1), Map.of())).as("the other job still waits").hasSize(1);
	}

	@Test
	void outcomesRedisRefusesGiveBackTheJobsClaimedBehindThemAndFailAsAFinishWould() {
		enqueue(job("a"));
		JobId waiting = enqueue(job("a"));
		ClaimedJob first = claim(1, Map.of("a", 1), Map.of()).get(0);
		try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
			// The finished job's record of the wrong type: the outcomes fail on their first read.
			admin.sync().del(this.store.namespace() + "job:" + first.id());
			admin.sync().set(this.store.namespace() + "job:" + first.id(), "not a hash");
		}
		UUID batchId = UUID.randomUUID();
		assertThatThrownBy(() -> this.store.finishAndClaim(List.of(new Outcome.Succeeded(first.claim(), null)), true,
				request(1, Map.of("a", 1), Map.of(), Set.of("default")).request(), batchId))
			.isInstanceOf(TaskitoException.class)
			.hasMessageContaining("record 1 outcomes")
			.hasMessageContaining("WRONGTYPE");
		// The claim behind the outcomes took the waiting job; nobody will run it, so it is back.
		JobView view = this.store.find(waiting).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.PENDING);
		assertThat(view.attempts()).as("the attempt given back").isZero();
		assertThat(this.store.recoverClaim("i1", batchId)).isEmpty();
		assertThat(claim(1, Map.of("a", 1), Map.of())).extracting(ClaimedJob::id).containsExactly(waiting);
	}

	/**
	 * @return enough reaps for the sweep to cover the whole database, which other tests and
	 *         the soak share (each reap looks at about 1,000 keys), with room to spare
	 */
	private static int reapsToSweepTheDatabase() {
		try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
			return (int) (admin.sync().dbsize() / 500) + 20;
		}
	}

	/** Reaps as a live instance does: it heartbeats, then reaps. */
	private List<ReapedJob> reap(Duration grace) {
		return this.store.reap(grace,
				this.store.heartbeat(new Heartbeat("reaper", LEASE, Map.of(), Map.of(),
						ServedWork.NONE, List.of())).storeTime());
	}

	@Test
	void readySetsFromBeforePendingPairsExistedAreFoundBySweepingOnce() {
		enqueue(job("renamed"));
		enqueue(job("renamed"));
		try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
			// As a namespace written by a version that kept no set of pending pairs.
			admin.sync().del(this.store.namespace() + "pending-pairs", this.store.namespace() + "pending-pairs-sweep");
			// The sweep shares Redis with every other namespace: it may take a few calls to go round.
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(this.store.strandedWork(100))
					.containsExactly(new StrandedWork("renamed", "default", 2)));
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				this.store.strandedWork(100);
				return "done".equals(admin.sync().get(this.store.namespace() + "pending-pairs-sweep"));
			});
		}
	}

	@Test
	void aLiveInstanceOfAnOlderVersionMayServeAnything() {
		enqueue(job("renamed"));
		this.store.heartbeat(new Heartbeat("older-version", LEASE, Map.of(), Map.of(), ServedWork.NONE, List.of()));
		assertThat(this.store.strandedWork(100)).containsExactly(new StrandedWork("renamed", "default", 1));
		try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
			// An older version's heartbeat writes no set of what it serves.
			admin.sync().del(this.store.namespace() + "served:older-version");
			assertThat(this.store.strandedWork(100)).isEmpty();
			// Its scripts keep no pending pairs: once it is gone, the sweep for them starts over.
			assertThat(admin.sync().exists(this.store.namespace() + "pending-pairs-sweep")).isZero();
		}
		this.store.removeInstance("older-version");
		assertThat(this.store.strandedWork(100)).containsExactly(new StrandedWork("renamed", "default", 1));
	}

	private JobId enqueue(NewJob job) {
		return this.store.enqueue(List.of(job)).get(0);
	}

	private JobId enqueue(JobBuilder job) {
		return enqueue(job.build());
	}

	private List<ClaimedJob> claim(int limit, Map<String, Integer> taskLimits, Map<String, Integer> queueLimits) {
		return claim(limit, taskLimits, queueLimits, Set.of("default"));
	}

	private List<ClaimedJob> claim(int limit, Map<String, Integer> taskLimits, Map<String, Integer> queueLimits,
			Set<String> queues) {
		return this.store.claim(request(limit, taskLimits, queueLimits, queues).request(), UUID.randomUUID());
	}

	private static Request request(int limit, Map<String, Integer> taskLimits, Map<String, Integer> queueLimits,
			Set<String> queues) {
		return new Request(new ClaimRequest("i1", LEASE, limit, queues, taskLimits, queueLimits));
	}

	private static JobBuilder job(String task) {
		return new JobBuilder(task);
	}

	/**
	 * A claim request whose lease a test can shorten.
	 */
	private record Request(ClaimRequest request) {

		ClaimRequest withLease(Duration lease) {
			return new ClaimRequest(this.request.instanceId(), lease, this.request.limit(), this.request.queues(),
					this.request.taskLimits(), this.request.queueLimits());
		}

	}

	/**
	 * New jobs with defaults, each option changeable.
	 */
	private static final class JobBuilder {

		private final String task;

		private String queue = "default";

		private int priority;

		private Duration delay = Duration.ZERO;

		private Instant runAt;

		private String uniqueKey;

		private int maxRetries = 3;

		JobBuilder(String task) {
			this.task = task;
		}

		JobBuilder queue(String queue) {
			this.queue = queue;
			return this;
		}

		JobBuilder priority(int priority) {
			this.priority = priority;
			return this;
		}

		JobBuilder delay(Duration delay) {
			this.delay = delay;
			return this;
		}

		JobBuilder runAt(Instant runAt) {
			this.runAt = runAt;
			return this;
		}

		JobBuilder uniqueKey(String uniqueKey) {
			this.uniqueKey = uniqueKey;
			return this;
		}

		JobBuilder maxRetries(int maxRetries) {
			this.maxRetries = maxRetries;
			return this;
		}

		NewJob build() {
			return new NewJob(JobId.newId(), this.task, this.queue, "[]", this.priority, this.delay, this.runAt,
					this.uniqueKey, this.maxRetries, null);
		}

	}

}
