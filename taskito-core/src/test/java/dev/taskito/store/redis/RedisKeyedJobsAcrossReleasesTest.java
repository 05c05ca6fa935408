package dev.taskito.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.ReapedJob;
import dev.taskito.store.TaskKey;
import dev.taskito.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rolling deploy: instances of the previous release (0.3, whose {@code lib.lua},
 * {@code dequeue.lua}, {@code reap.lua} and {@code retry.lua} are kept as test fixtures)
 * share the namespace with this version. The old claim must never take a keyed job, due or
 * delayed, while it goes on taking unkeyed ones; the old reaper must leave an expired keyed
 * claim to this version's; a keyed job an old instance retried is claimed within its cap;
 * this version then claims the keyed ones within their caps, and nothing is left of a key
 * once its jobs are done.
 */
class RedisKeyedJobsAcrossReleasesTest {

	private static final TaskKey TENANT = new TaskKey("t", "tenant-a");

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

	@Test
	void thePreviousReleasesReaperLeavesAnExpiredKeyedClaimToThisRelease() {
		this.store.start();
		JobId first = JobId.newId();
		JobId second = JobId.newId();
		this.store.enqueue(List.of(keyedJob(first, 1), keyedJob(second, 1)));
		List<ClaimedJob> claimed = this.store.claim(request(1, Duration.ofMillis(50)), UUID.randomUUID());
		assertThat(claimed).extracting(ClaimedJob::id).containsExactly(first);
		await().pollDelay(Duration.ofMillis(150)).until(() -> true);

		// Its sweep for RUNNING jobs without a lease, through the whole namespace, with no lease
		// range (connected at 0); then its lease range alone, as if connected long after.
		List<Object> oldReaped = new ArrayList<>();
		int sweeps = 0;
		do {
			oldReaped.addAll(runPreviousRelease("reap.lua", "0", "500", "10000", "0"));
		}
		while (!"0".equals(redis((commands) -> commands.get(namespace() + "sweep"))) && ++sweeps < 10_000);
		oldReaped.addAll(runPreviousRelease("reap.lua", "0", "500", "0", Long.toString(Long.MAX_VALUE / 2)));
		assertThat(oldReaped).as("jobs the previous release's reaper took back").isEmpty();
		assertThat(this.store.find(first).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
		assertThat(this.<Long>redis((commands) -> commands.exists(namespace() + "ready:7:default:t", namespace() + "delayed")))
			.as("unkeyed ready and delayed sets").isZero();
		assertThat(runPreviousReleaseDequeue(16)).isEmpty();
		assertThat(this.store.claim(request(1, Duration.ofSeconds(30)), UUID.randomUUID()))
			.as("the expired claim still holds the key's place until it is reaped")
			.isEmpty();

		assertThat(this.store.reap(Duration.ZERO, Instant.now().plusSeconds(60))).extracting(ReapedJob::jobId)
			.containsExactly(first);
		assertThat(this.store.claim(request(1, Duration.ofSeconds(30)), UUID.randomUUID()))
			.as("claimed again in its place, within the key's cap")
			.extracting(ClaimedJob::id)
			.containsExactly(first);
		assertThat(this.store.countClaims(Set.of(), Set.of(), Set.of(TENANT)).key(TENANT)).isEqualTo(1);
	}

	@Test
	void aKeyedJobThePreviousReleaseRetriedIsClaimedWithinItsKeysCap() {
		this.store.start();
		JobId dead = JobId.newId();
		JobId running = JobId.newId();
		this.store.enqueue(List.of(keyedJob(dead, 0), keyedJob(running, 0)));
		ClaimedJob failed = this.store.claim(request(1, Duration.ofSeconds(30)), UUID.randomUUID()).get(0);
		assertThat(failed.id()).isEqualTo(dead);
		this.store.finish(List.of(new Outcome.Failed(failed.claim(), "boom", null)), true);
		assertThat(this.store.find(dead).orElseThrow().status()).isEqualTo(JobStatus.DEAD);
		ClaimedJob holder = this.store.claim(request(1, Duration.ofSeconds(30)), UUID.randomUUID()).get(0);
		assertThat(holder.id()).isEqualTo(running);

		// An operator's retry from an instance of the previous release, which knows no keys.
		assertThat(runPreviousRelease("retry.lua", dead.toString())).containsExactly(1L);
		assertThat(this.<Long>redis((commands) -> commands.zcard(namespace() + "ready:7:default:t")))
			.as("the old retry put it in the unkeyed ready set")
			.isEqualTo(1L);
		assertThat(this.store.claim(request(1, Duration.ofSeconds(30)), UUID.randomUUID()))
			.as("the key is at its cap")
			.isEmpty();
		assertThat(this.<Long>redis((commands) -> commands.exists(namespace() + "ready:7:default:t"))).isZero();
		assertThat(this.store.find(dead).orElseThrow().status()).isEqualTo(JobStatus.PENDING);

		this.store.finish(List.of(new Outcome.Succeeded(holder.claim(), null)), true);
		assertThat(this.store.claim(request(1, Duration.ofSeconds(30)), UUID.randomUUID())).extracting(ClaimedJob::id)
			.containsExactly(dead);
	}

	private String namespace() {
		return RedisKeys.namespaceOf(this.keyPrefix);
	}

	private <T> T redis(Function<RedisCommands<String, String>, T> command) {
		try (StatefulRedisConnection<String, String> connection = TestRedis.client().connect()) {
			return command.apply(connection.sync());
		}
	}

	private static NewJob keyedJob(JobId id, int maxRetries) {
		return new NewJob(id, "t", "default", "[]", 0, Duration.ZERO, null, null, maxRetries, null, Map.of(),
				"tenant-a");
	}

	private static ClaimRequest request(int keyCap, Duration lease) {
		return new ClaimRequest("new-release", lease, 16, Set.of("default"), Map.of("t", 16), Map.of())
			.withKeyCaps(Map.of("t", keyCap));
	}

	/** One call of a script of the previous release, with its own lib.lua in front. */
	private List<Object> runPreviousRelease(String script, String... args) {
		String source = fixture("lib.lua") + "\n" + fixture(script);
		return redis((commands) -> commands.eval(source, ScriptOutputType.MULTI, new String[] { namespace() }, args));
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
