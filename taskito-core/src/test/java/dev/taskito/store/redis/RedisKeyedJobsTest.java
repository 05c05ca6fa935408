package dev.taskito.store.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.TaskKey;
import dev.taskito.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A keyed job's way through every script that moves it on Redis: claimed within its key's
 * cap, given back in its place, retried after a failure, cancelled, rescheduled, reaped; a
 * key at its cap parked and brought back when a claim of its ends, and a claim that ended
 * unseen (by a script that knows no keys) not holding a place.
 */
class RedisKeyedJobsTest {

	private static final TaskKey TENANT = new TaskKey("t", "tenant-a");

	private final String keyPrefix = TestRedis.uniqueKeyPrefix();

	private final ClaimStore store = RedisClaimStore.builder(TestRedis.client()).keyPrefix(this.keyPrefix).build();

	@BeforeEach
	void start() {
		this.store.start();
	}

	@AfterEach
	void drop() {
		this.store.close();
		TestRedis.deleteKeys(RedisKeys.namespaceOf(this.keyPrefix));
	}

	@Test
	void aRejectedJobKeepsItsPlaceWithinItsKey() {
		List<JobId> ids = enqueue("tenant-a", 3);
		List<ClaimedJob> ungated = claim(8, null);
		assertThat(ungated).extracting(ClaimedJob::id).containsExactlyElementsOf(ids);
		// The post-claim check rejected the first two: they are due again at once, before the third.
		this.store.rollback(List.of(new dev.taskito.store.Reschedule(ungated.get(0).claim(), Duration.ofMillis(50)),
				new dev.taskito.store.Reschedule(ungated.get(1).claim(), Duration.ofMillis(50))));
		finish(ungated.get(2));
		assertThat(claim(8, 1)).extracting(ClaimedJob::id).containsExactly(ids.get(0));
		assertThat(this.store.find(ids.get(1)).orElseThrow().attempts()).as("no attempt used").isZero();
	}

	@Test
	void aKeyAtItsCapIsParkedAndComesBackWhenAClaimOfItsEnds() {
		List<JobId> ids = enqueue("tenant-a", 3);
		enqueue("tenant-b", 1);
		List<ClaimedJob> first = claim(8, 1);
		assertThat(first).extracting(ClaimedJob::concurrencyKey).containsExactlyInAnyOrder("tenant-a", "tenant-b");
		assertThat(claim(8, 1)).as("both keys at their cap").isEmpty();
		finish(first.stream().filter((job) -> "tenant-a".equals(job.concurrencyKey())).findFirst().orElseThrow());
		assertThat(claim(8, 1)).extracting(ClaimedJob::id).containsExactly(ids.get(1));
	}

	@Test
	void aClaimEndedUnseenDoesNotHoldItsKeysPlace() {
		List<JobId> ids = enqueue("tenant-a", 2);
		ClaimedJob held = claim(8, 1).get(0);
		// As a finish of a release that knows no keys would leave it: the job done, its id still
		// in the key's claim set.
		try (StatefulRedisConnection<String, String> connection = TestRedis.client().connect()) {
			String namespace = RedisKeys.namespaceOf(this.keyPrefix);
			connection.sync().hset(namespace + "job:" + held.id(), "status", "SUCCEEDED");
			connection.sync().srem(namespace + "claims:task:t", held.id().toString());
			connection.sync().srem(namespace + "claims:queue:default", held.id().toString());
		}
		assertThat(claim(8, 1)).extracting(ClaimedJob::id).containsExactly(ids.get(1));
		assertThat(this.store.countClaims(Set.of(), Set.of(), Set.of(TENANT)).key(TENANT)).isEqualTo(1);
	}

	@Test
	void aFailedKeyedJobIsRetriedInItsKeyAfterItsBackoff() {
		JobId id = enqueue("tenant-a", 1).get(0);
		ClaimedJob job = claim(8, 1).get(0);
		this.store.finish(List.of(new Outcome.Failed(job.claim(), "boom", Duration.ofMillis(200))), true);
		assertThat(this.store.countClaims(Set.of(), Set.of(), Set.of(TENANT)).key(TENANT)).isZero();
		assertThat(claim(8, 1)).as("not before its backoff").isEmpty();
		await().atMost(Duration.ofSeconds(5)).until(() -> !claim(8, 1).isEmpty());
		assertThat(this.store.find(id).orElseThrow().attempts()).isEqualTo(2);
	}

	@Test
	void aKeyedJobCanBeCancelledAndRescheduled() {
		List<JobId> ids = enqueue("tenant-a", 2);
		assertThat(this.store.cancel(ids.get(0))).isTrue();
		assertThat(this.store.find(ids.get(0)).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
		assertThat(this.store.reschedule(ids.get(1), Instant.now().plusSeconds(3600))).isTrue();
		assertThat(claim(8, 2)).as("cancelled and not yet due").isEmpty();
		assertThat(this.store.reschedule(ids.get(1), Instant.now().minusSeconds(1))).isTrue();
		assertThat(claim(8, 2)).extracting(ClaimedJob::id).containsExactly(ids.get(1));
	}

	@Test
	void anExpiredKeyedClaimIsReapedBackIntoItsKey() {
		JobId id = enqueue("tenant-a", 1).get(0);
		List<ClaimedJob> claimed = this.store.claim(request(8, 1, Duration.ofMillis(50)), UUID.randomUUID());
		assertThat(claimed).hasSize(1);
		await().atMost(Duration.ofSeconds(5)).until(() -> !this.store.reap(Duration.ZERO, Instant.now().plusSeconds(60))
			.isEmpty());
		assertThat(this.store.countClaims(Set.of(), Set.of(), Set.of(TENANT)).key(TENANT)).isZero();
		assertThat(claim(8, 1)).extracting(ClaimedJob::id).containsExactly(id);
	}

	@Test
	void aStoreWithoutKeyedJobsClaimsTheFirstKeyedJobEnqueuedDueOrDelayed() {
		// A claim in a store without keyed work reads no key (keyed-work lists no pair).
		this.store.enqueue(List.of(new NewJob(JobId.newId(), "t", "default", "[]", 0, Duration.ZERO, null, null, 3, null,
				Map.of(), null)));
		assertThat(claim(8, 1)).hasSize(1);
		assertThat(keyedWorkExists()).as("keyed-work without keyed jobs").isFalse();
		JobId due = enqueue("tenant-a", 1).get(0);
		assertThat(claim(8, 1)).extracting(ClaimedJob::id).containsExactly(due);
		assertThat(claim(8, 1)).isEmpty();
		JobId delayed = this.store
			.enqueue(List.of(new NewJob(JobId.newId(), "t", "default", "[]", 0, Duration.ofMillis(100), null, null, 3,
					null, Map.of(), "tenant-b")))
			.get(0);
		assertThat(claim(8, 1)).as("not yet due").isEmpty();
		List<ClaimedJob> claimed = new ArrayList<>();
		await().atMost(Duration.ofSeconds(3)).until(() -> claimed.addAll(claim(8, 1)));
		assertThat(claimed).extracting(ClaimedJob::id).containsExactly(delayed);
		// The claims that found the pair's round and kdelayed empty took them off keyed-work.
		assertThat(claim(8, 1)).isEmpty();
		assertThat(keyedWorkExists()).as("keyed-work once no keyed job waits").isFalse();
	}

	private boolean keyedWorkExists() {
		try (StatefulRedisConnection<String, String> connection = TestRedis.client().connect()) {
			return connection.sync().exists(RedisKeys.namespaceOf(this.keyPrefix) + "keyed-work") > 0;
		}
	}

	private List<JobId> enqueue(String key, int count) {
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			jobs.add(new NewJob(JobId.newId(), "t", "default", "[]", 0, Duration.ZERO, null, null, 3, null, Map.of(),
					key));
		}
		return this.store.enqueue(jobs);
	}

	private List<ClaimedJob> claim(int limit, Integer keyCap) {
		return this.store.claim(request(limit, keyCap, Duration.ofSeconds(30)), UUID.randomUUID());
	}

	private static ClaimRequest request(int limit, Integer keyCap, Duration lease) {
		ClaimRequest request = new ClaimRequest("instance", lease, limit, Set.of("default"), Map.of("t", limit),
				Map.of());
		return (keyCap != null) ? request.withKeyCaps(Map.of("t", keyCap)) : request;
	}

	private void finish(ClaimedJob job) {
		this.store.finish(List.of(new Outcome.Succeeded(job.claim(), null)), true);
	}

}
