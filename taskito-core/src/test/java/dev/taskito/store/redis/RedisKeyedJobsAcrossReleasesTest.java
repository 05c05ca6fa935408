package dev.taskito.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.NewJob;
import dev.taskito.store.TaskKey;
import dev.taskito.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rolling deploy: instances of the previous release (0.3, whose {@code lib.lua} and
 * {@code dequeue.lua} are kept as test fixtures) share the namespace with this version. The
 * old claim must never take a keyed job, due or delayed, while it goes on taking unkeyed
 * ones; this version then claims the keyed ones within their caps, and nothing is left of a
 * key once its jobs are done.
 */
class RedisKeyedJobsAcrossReleasesTest {

	private final String keyPrefix = TestRedis.uniqueKeyPrefix();

	private final ClaimStore store = RedisClaimStore.builder(TestRedis.client()).keyPrefix(this.keyPrefix).build();

	@AfterEach
	void drop() {
		this.store.close();
		TestRedis.deleteKeys(RedisKeys.namespaceOf(this.keyPrefix));
	}

	@Test
	void thePreviousReleaseNeverClaimsAKeyedJob() {
		this.store.start();
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			jobs.add(job("tenant-a", Duration.ZERO));
			jobs.add(job(null, Duration.ZERO));
		}
		JobId delayedKeyed = jobs.get(0).id();
		jobs.set(0, new NewJob(delayedKeyed, "t", "default", "[]", 0, Duration.ofMillis(1), null, null, 0, null,
				Map.of(), "tenant-a"));
		this.store.enqueue(jobs);
		// The delayed keyed job is due by now: the old script promotes due jobs before claiming.
		await().pollDelay(Duration.ofMillis(20)).until(() -> true);

		List<Object> oldClaim = runPreviousReleaseDequeue(16);
		assertThat(oldClaim).as("12 fields per job the previous release claimed").hasSize(5 * 12);
		for (int i = 0; i < oldClaim.size(); i += 12) {
			JobId id = JobId.parse(oldClaim.get(i).toString());
			assertThat(this.store.find(id).orElseThrow().concurrencyKey()).as("a job the old release claimed").isNull();
		}
		assertThat(runPreviousReleaseDequeue(16)).as("nothing else for the old release").isEmpty();

		List<ClaimedJob> claimed = this.store.claim(new ClaimRequest("new-release", Duration.ofSeconds(30), 16,
				Set.of("default"), Map.of("t", 16), Map.of()).withKeyCaps(Map.of("t", 2)), UUID.randomUUID());
		assertThat(claimed).hasSize(2).allSatisfy((job) -> assertThat(job.concurrencyKey()).isEqualTo("tenant-a"));
		assertThat(this.store.countClaims(Set.of(), Set.of(), Set.of(new TaskKey("t", "tenant-a")))
			.key(new TaskKey("t", "tenant-a"))).isEqualTo(2);
		assertThat(this.store.find(delayedKeyed).orElseThrow().status()).isIn(JobStatus.PENDING, JobStatus.RUNNING);
	}

	@Test
	void nothingIsLeftOfAKeyOnceItsJobsAreDone() {
		this.store.start();
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			jobs.add(job("tenant-a", Duration.ZERO));
		}
		this.store.enqueue(jobs);
		assertThat(keyKeys()).isNotEmpty();
		for (int round = 0; round < 3; round++) {
			List<ClaimedJob> claimed = this.store.claim(new ClaimRequest("new-release", Duration.ofSeconds(30), 16,
					Set.of("default"), Map.of("t", 16), Map.of()).withKeyCaps(Map.of("t", 1)), UUID.randomUUID());
			assertThat(claimed).hasSize(1);
			this.store.finish(List.of(new dev.taskito.store.Outcome.Succeeded(claimed.get(0).claim(), null)), true);
		}
		assertThat(keyKeys()).as("keys of the key's sets left behind").isEmpty();
	}

	private List<String> keyKeys() {
		try (StatefulRedisConnection<String, String> connection = TestRedis.client().connect()) {
			String namespace = RedisKeys.namespaceOf(this.keyPrefix);
			List<String> found = new ArrayList<>();
			// The names lib.lua gives the sets of task "t", queue "default" and key "tenant-a".
			for (String name : List.of("kready:7:default:1:t:tenant-a", "kdue:7:default:1:t", "claims:key:1:t:tenant-a",
					"krunning:t", "kdelayed")) {
				if (connection.sync().exists(namespace + name) > 0) {
					found.add(name);
				}
			}
			return found;
		}
	}

	private static NewJob job(String key, Duration delay) {
		return new NewJob(JobId.newId(), "t", "default", "[]", 0, delay, null, null, 0, null, Map.of(), key);
	}

	/** One claim by the previous release's script, with its argument layout. */
	private List<Object> runPreviousReleaseDequeue(int limit) {
		String source = fixture("lib.lua") + "\n" + fixture("dequeue.lua");
		List<String> args = new ArrayList<>(List.of("old-release", "30000", Integer.toString(limit),
				UUID.randomUUID().toString(), "600000", "1", "default", "1", "t", Integer.toString(limit), "0", "0", "0"));
		for (int i = 0; i < limit; i++) {
			args.add(UUID.randomUUID().toString());
		}
		try (StatefulRedisConnection<String, String> connection = TestRedis.client().connect()) {
			return connection.sync().eval(source, ScriptOutputType.MULTI,
					new String[] { RedisKeys.namespaceOf(this.keyPrefix) }, args.toArray(String[]::new));
		}
	}

	private static String fixture(String name) {
		try (InputStream in = RedisKeyedJobsAcrossReleasesTest.class.getResourceAsStream("release-0.3/" + name)) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
