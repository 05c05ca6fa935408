package dev.taskito.store.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.store.BulkStep;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.Reschedule;
import dev.taskito.store.ServedWork;
import dev.taskito.store.StrandedWork;
import dev.taskito.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What only the Redis store does for the operations methods: its job index stays exact
 * through every transition, jobs stored before the index are swept into it at start, walks
 * go in bounded chunks, and only awaited jobs are announced when they finish.
 */
class RedisJobIndexTest {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private final String keyPrefix = TestRedis.uniqueKeyPrefix();

	private final String namespace = RedisKeys.namespaceOf(this.keyPrefix);

	private final List<AutoCloseable> opened = new ArrayList<>();

	private RedisClaimStore store;

	private RedisScripts scripts;

	private StatefulRedisConnection<String, String> admin;

	@BeforeEach
	void start() {
		this.store = startStore();
		this.admin = TestRedis.client().connect();
		this.opened.add(this.admin);
		// The scripts on a connection of their own, to run one bounded step at a time.
		RedisKeys keys = new RedisKeys(this.keyPrefix);
		RedisConnector connector = new RedisConnector(TestRedis.client(), "taskito-index-test", LEASE,
				keys.namespace());
		this.scripts = new RedisScripts(connector, keys);
		connector.open(this.scripts::load);
		this.opened.add(connector::close);
	}

	@AfterEach
	void cleanUp() throws Exception {
		for (AutoCloseable closeable : this.opened) {
			closeable.close();
		}
		TestRedis.deleteKeys(this.namespace);
	}

	private RedisClaimStore startStore() {
		RedisClaimStore started = RedisClaimStore.builder(TestRedis.client()).keyPrefix(this.keyPrefix).build();
		this.opened.add(started);
		started.start();
		return started;
	}

	@Test
	void theIndexStaysExactThroughEveryTransition() throws Exception {
		assertThat(redis().get(this.namespace + "index-sweep")).as("a new namespace has nothing to sweep")
			.isEqualTo("done");
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			jobs.add(job((i % 2 == 0) ? "a" : "b", (i % 3 == 0) ? "q1" : "q2", (i < 2) ? "key" + i : null));
		}
		jobs.add(new NewJob(JobId.newId(), "a", "q1", "[]", 0, Duration.ofHours(1), null, null, 0, null));
		this.store.enqueue(jobs);
		assertIndexExact("enqueue");

		List<ClaimedJob> claimed = claim(8, Duration.ofMillis(50));
		assertThat(claimed).hasSize(8);
		assertIndexExact("claim");
		this.store.finish(List.of(new Outcome.Succeeded(claimed.get(0).claim(), null),
				new Outcome.Succeeded(claimed.get(1).claim(), "\"r\""),
				new Outcome.Failed(claimed.get(2).claim(), "dies", null),
				new Outcome.Failed(claimed.get(3).claim(), "again", Duration.ofHours(1))), false);
		assertIndexExact("finish");
		this.store.rollback(List.of(new Reschedule(claimed.get(4).claim(), Duration.ZERO)));
		assertIndexExact("rollback");
		// claimed 5..7 keep their 50 ms leases and are reaped: a and b have no retries left
		// or one, so some become DEAD and none stay RUNNING.
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			this.store.reap(Duration.ZERO, this.store.heartbeat(new Heartbeat("reaper", LEASE, Map.of(), Map.of(),
					ServedWork.NONE, List.of())).storeTime());
			return this.store.count(JobQuery.all().status(JobStatus.RUNNING)) == 0;
		});
		assertIndexExact("reap");

		JobId dead = claimed.get(2).id();
		assertThat(this.store.retry(dead)).isTrue();
		assertIndexExact("retry");
		assertThat(this.store.reschedule(dead, Instant.now().plusSeconds(3600))).isTrue();
		assertIndexExact("reschedule to later");
		assertThat(this.store.reschedule(dead, Instant.now().minusSeconds(1))).isTrue();
		assertIndexExact("reschedule to now");
		JobId pending = this.store.jobs(JobQuery.all().status(JobStatus.PENDING).limit(1)).get(0).id();
		assertThat(this.store.cancel(pending)).isTrue();
		assertIndexExact("cancel");

		JobQuery pendingOfA = JobQuery.all().status(JobStatus.PENDING).task("a");
		BulkStep cancelled = this.store.cancelStep(pendingOfA, this.store.newestId(pendingOfA).orElseThrow());
		assertThat(cancelled.changed()).isPositive();
		assertIndexExact("cancel step");
		List<ClaimedJob> rest = claim(20, LEASE);
		List<Outcome> deaths = new ArrayList<>();
		rest.forEach((job) -> deaths.add(new Outcome.Failed(job.claim(), "dies", null)));
		this.store.finish(deaths, false);
		assertIndexExact("finish dead");
		JobQuery deadJobs = JobQuery.all().status(JobStatus.DEAD);
		BulkStep retried = this.store.retryStep(deadJobs, this.store.newestId(deadJobs).orElseThrow());
		assertThat(retried.changed()).isPositive();
		assertIndexExact("retry step");

		for (ClaimedJob job : claim(20, LEASE)) {
			this.store.finish(List.of(new Outcome.Succeeded(job.claim(), null)), false);
		}
		this.store.cancelStep(JobQuery.all().status(JobStatus.PENDING), this.store
			.newestId(JobQuery.all().status(JobStatus.PENDING)).orElseThrow());
		assertIndexExact("everything finished");
		JobView finished = this.store.jobs(JobQuery.all().status(JobStatus.SUCCEEDED).limit(1)).get(0);
		assertThat(this.store.delete(finished.id())).isTrue();
		assertIndexExact("delete");
		assertThat(this.store.purge(Duration.ZERO, Duration.ZERO)).isPositive();
		assertIndexExact("purge");
		assertThat(this.store.count(JobQuery.all())).isZero();
		assertThat(redis().smembers(this.namespace + "index-pairs")).as("pairs without jobs are dropped").isEmpty();
	}

	@Test
	void jobsStoredBeforeTheIndexAreIndexedAtStart() {
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < 2500; i++) {
			jobs.add(job("t" + (i % 3), "q" + (i % 2), null));
		}
		for (int from = 0; from < jobs.size(); from += 500) {
			this.store.enqueue(jobs.subList(from, from + 500));
		}
		List<ClaimedJob> claimed = claim(100, LEASE);
		List<Outcome> outcomes = new ArrayList<>();
		for (int i = 0; i < claimed.size(); i++) {
			outcomes.add((i % 3 == 0) ? new Outcome.Succeeded(claimed.get(i).claim(), null)
					: new Outcome.Failed(claimed.get(i).claim(), "dies", (i % 3 == 1) ? null : Duration.ZERO));
		}
		this.store.finish(outcomes, false);
		this.store.cancel(jobs.get(jobs.size() - 1).id());
		Map<JobStatus, Long> counts = new HashMap<>();
		for (JobStatus status : JobStatus.values()) {
			counts.put(status, this.store.count(JobQuery.all().status(status)));
		}

		// As a version without the index left the namespace.
		RedisCommands<String, String> redis = redis();
		List<String> indexKeys = keys(this.namespace + "index:*");
		redis.del(indexKeys.toArray(new String[0]));
		redis.del(this.namespace + "index-pairs", this.namespace + "index-sweep");
		assertThat(this.store.count(JobQuery.all())).isZero();

		// One instance sweeps one step and stops; the next one to start goes on from there.
		assertThat(RedisScriptValues.number(this.scripts.run("index_sweep", "sweep", List.of("1000")))).isZero();
		assertThat(redis.get(this.namespace + "index-sweep")).isNotEqualTo("done").isNotEqualTo("0");
		this.store = startStore();
		assertThat(redis.get(this.namespace + "index-sweep")).isEqualTo("done");
		assertIndexExact("after the sweep");
		assertThat(this.store.count(JobQuery.all())).isEqualTo(jobs.size());
		for (JobStatus status : JobStatus.values()) {
			assertThat(this.store.count(JobQuery.all().status(status))).as("%s", status).isEqualTo(counts.get(status));
		}
		assertThat(this.store.jobs(JobQuery.all().limit(10_000))).extracting(JobView::id)
			.containsExactlyElementsOf(new TreeSet<>(jobs.stream().map(NewJob::id).toList()));
	}

	@Test
	void whatAnInstanceWithoutTheIndexChangedIsSweptInOnceItIsGone() {
		NewJob unindexed = job("t", "q", null);
		NewJob finishedByHand = job("t", "q", null);
		this.store.enqueue(List.of(unindexed, finishedByHand));
		RedisCommands<String, String> redis = redis();
		String active = this.namespace + "index:active:" + pair("q", "t");
		// An instance of a version without the index: its served set lacks the index mark, its
		// enqueue adds nothing to the index and its finish moves nothing.
		this.store.heartbeat(new Heartbeat("older", LEASE, Map.of(), Map.of(), ServedWork.NONE, List.of()));
		redis.del(this.namespace + "served:older");
		redis.sadd(this.namespace + "served:older", "=");
		redis.zrem(active, unindexed.id().toString());
		redis.hset(this.namespace + "job:" + finishedByHand.id(), "status", "SUCCEEDED");
		this.store.strandedWork(100);
		assertThat(redis.exists(this.namespace + "index-sweep")).as("the sweep starts over").isZero();
		this.store.strandedWork(100);
		assertThat(redis.exists(this.namespace + "index-sweep")).as("not while that instance lives").isZero();

		this.store.removeInstance("older");
		long reports = redis.dbsize() / 1000 + 20;
		for (int i = 0; i < reports && !"done".equals(redis.get(this.namespace + "index-sweep")); i++) {
			this.store.strandedWork(100);
		}
		assertThat(redis.get(this.namespace + "index-sweep")).isEqualTo("done");
		assertIndexExact("the sweep");
		assertThat(this.store.jobs(JobQuery.all().status(JobStatus.SUCCEEDED))).extracting(JobView::id)
			.containsExactly(finishedByHand.id());
		assertThat(this.store.jobs(JobQuery.all().status(JobStatus.PENDING))).extracting(JobView::id)
			.containsExactly(unindexed.id());
	}

	@Test
	void keyedJobsAreCountedFromTheIndexOfAnyPairOnlyWhileTheIndexIsWhole() {
		NewJob finishedByHand = job("t", "q", null);
		NewJob keyed = new NewJob(JobId.newId(), "k", "q", "[]", 0, Duration.ZERO, null, null, 1, null, Map.of(), "a");
		this.store.enqueue(List.of(finishedByHand, keyed));
		RedisCommands<String, String> redis = redis();
		// An instance of a version without the index finished a job: the index still has it active.
		this.store.heartbeat(new Heartbeat("older", LEASE, Map.of(), Map.of(), ServedWork.NONE, List.of()));
		redis.del(this.namespace + "served:older");
		redis.sadd(this.namespace + "served:older", "=");
		redis.hset(this.namespace + "job:" + finishedByHand.id(), "status", "SUCCEEDED");
		redis.zrem(this.namespace + "ready:" + pair("q", "t"), redis.hget(this.namespace + "job:" + finishedByHand.id(),
				"ready"));
		redis.zadd(this.namespace + "done", 1, finishedByHand.id().toString());

		// Only the pair with keys due is counted from the index, not the one the index has wrong.
		assertThat(this.store.gauges(100).queues()).singleElement()
			.satisfies((queue) -> assertThat(queue.pending()).isEqualTo(1));
		assertThat(this.store.strandedWork(100)).containsExactly(new StrandedWork("k", "q", 1));

		this.store.removeInstance("older");
		for (int i = 0; i < redis.dbsize() / 1000 + 20 && !"done".equals(redis.get(this.namespace + "index-sweep")); i++) {
			this.store.strandedWork(100);
		}
		assertThat(redis.get(this.namespace + "index-sweep")).isEqualTo("done");
		assertThat(redis.zrange(this.namespace + "index:active:" + pair("q", "t"), 0, -1)).isEmpty();
		assertThat(this.store.gauges(100).queues()).singleElement()
			.satisfies((queue) -> assertThat(queue.pending()).isEqualTo(1));
		assertThat(this.store.strandedWork(100)).containsExactly(new StrandedWork("k", "q", 1));
	}

	@Test
	void walksGoInBoundedChunksAndSeeEachJobOnceAcrossPairsAndStatuses() {
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < 600; i++) {
			jobs.add(job("t" + (i % 5), "q" + (i % 4), null));
		}
		this.store.enqueue(jobs);
		List<ClaimedJob> claimed = claim(200, LEASE);
		List<Outcome> outcomes = new ArrayList<>();
		for (int i = 0; i < 150; i++) {
			outcomes.add((i % 2 == 0) ? new Outcome.Succeeded(claimed.get(i).claim(), null)
					: new Outcome.Failed(claimed.get(i).claim(), "dies", null));
		}
		this.store.finish(outcomes, false);

		List<String> walked = new ArrayList<>();
		String from = "";
		int calls = 0;
		while (true) {
			calls++;
			List<Object> reply = this.scripts.run("jobs_page", "list",
					List.of("list", "", "", "", "", "", from, "", "10000", "40"));
			int matched = (int) RedisScriptValues.number(reply.get(2));
			for (int i = 0; i < matched; i++) {
				walked.add(reply.get(3 + i * (1 + RedisJobAdmin.VIEW_FIELDS.size())).toString());
			}
			if ("1".equals(reply.get(1).toString())) {
				break;
			}
			from = reply.get(0).toString();
		}
		assertThat(calls).isGreaterThan(1);
		List<String> expected = jobs.stream().map(NewJob::id).sorted().map(JobId::toString).toList();
		assertThat(walked).containsExactlyElementsOf(expected);
	}

	@Test
	void aDueRangeThatSkipsManyJobsIsWalkedInChunksThatEachStopEarly() {
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < 3000; i++) {
			jobs.add(job("t", "q", null));
		}
		Instant later = Instant.ofEpochMilli(Instant.now().plus(Duration.ofDays(1)).toEpochMilli());
		List<NewJob> due = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			due.add(new NewJob(JobId.newId(), "t", "q", "[]", 0, Duration.ZERO, later, null, 0, null));
		}
		this.store.enqueue(jobs);
		this.store.enqueue(due);
		String dueFrom = Long.toString(later.toEpochMilli());
		List<Object> first = this.scripts.run("jobs_page", "list",
				List.of("list", "PENDING", "", "", dueFrom, "", "", "", "100", "500"));
		assertThat(RedisScriptValues.number(first.get(2))).as("matched in the first chunk").isZero();
		assertThat(first.get(1)).as("exhausted").isEqualTo("0");
		List<NewJob> everything = new ArrayList<>(jobs);
		everything.addAll(due);
		assertThat(first.get(0)).as("where the chunk stopped").isEqualTo(ids(everything).get(499).toString());

		JobQuery query = JobQuery.all().dueFrom(later);
		assertThat(this.store.jobs(query)).extracting(JobView::id).containsExactlyElementsOf(ids(due));
		assertThat(this.store.count(query)).isEqualTo(3);
		assertThat(this.store.newestId(JobQuery.all().dueBefore(later))).contains(ids(jobs).get(jobs.size() - 1));
		JobId upTo = this.store.newestId(JobQuery.all().status(JobStatus.PENDING)).orElseThrow();
		BulkStep step = this.store.cancelStep(query.status(JobStatus.PENDING).limit(10), upTo);
		assertThat(step.changed()).as("the step's budget ends it before the due jobs").isZero();
		assertThat(step.last()).isNotNull();
	}

	@Test
	void onlyAwaitedJobsAreAnnounced() throws Exception {
		List<String> messages = new CopyOnWriteArrayList<>();
		StatefulRedisPubSubConnection<String, String> pubSub = TestRedis.client().connectPubSub();
		this.opened.add(pubSub);
		pubSub.addListener(new RedisPubSubAdapter<>() {

			@Override
			public void message(String channel, String message) {
				messages.add(message);
			}

		});
		pubSub.sync().subscribe(this.namespace + "finished");
		NewJob a = job("t", "q", null);
		NewJob b = job("t", "q", null);
		NewJob c = job("t", "q", null);
		NewJob d = new NewJob(JobId.newId(), "t", "q", "[]", 0, Duration.ZERO, null, null, 0, null);
		NewJob awaited = job("t", "q", null);
		NewJob reaped = new NewJob(JobId.newId(), "r", "q", "[]", 0, Duration.ZERO, null, null, 0, null);
		this.store.enqueue(List.of(a, b, c, d, awaited, reaped));
		this.store.cancel(c.id());
		List<ClaimedJob> claimed = claim(3, LEASE);
		this.store.finish(List.of(new Outcome.Succeeded(claimed.get(0).claim(), null),
				new Outcome.Failed(claimed.get(1).claim(), "dies", null)), false);
		assertThat(claimed).extracting(ClaimedJob::id).containsExactly(a.id(), b.id(), d.id());
		assertThat(messages).as("no job was awaited").isEmpty();

		this.store.watch(awaited.id());
		this.store.watch(reaped.id());
		JobQuery pendingOfT = JobQuery.all().status(JobStatus.PENDING).task("t");
		assertThat(this.store.cancelStep(pendingOfT, this.store.newestId(pendingOfT).orElseThrow()).changed())
			.isEqualTo(1);
		List<ClaimedJob> last = this.store.claim(new ClaimRequest("i1", Duration.ofMillis(20), 10, Set.of("q"),
				Map.of("t", 10, "r", 10), Map.of()), UUID.randomUUID());
		assertThat(last).extracting(ClaimedJob::id).containsExactly(reaped.id());
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			this.store.reap(Duration.ZERO, this.store.heartbeat(new Heartbeat("reaper", LEASE, Map.of(), Map.of(),
					ServedWork.NONE, List.of())).storeTime());
			return this.store.find(reaped.id()).orElseThrow().status() == JobStatus.DEAD;
		});
		await().atMost(Duration.ofSeconds(5)).until(() -> messages.size() >= 2);
		Set<String> announced = new HashSet<>();
		messages.forEach((message) -> announced.addAll(List.of(message.split(" "))));
		assertThat(announced).containsExactlyInAnyOrder(awaited.id().toString(), reaped.id().toString());
	}

	/**
	 * Every job hash is in exactly one index set, the one of its status and pair; every
	 * index entry is a job; and index-pairs lists exactly the pairs with entries.
	 */
	private void assertIndexExact(String after) {
		RedisCommands<String, String> redis = redis();
		Map<String, String> expected = new HashMap<>();
		String jobPrefix = this.namespace + "job:";
		for (String key : keys(jobPrefix + "*")) {
			Map<String, String> job = redis.hgetall(key);
			String kind = switch (JobStatus.valueOf(job.get("status"))) {
				case PENDING, RUNNING -> "active";
				case SUCCEEDED -> "succeeded";
				case DEAD -> "dead";
				case CANCELLED -> "cancelled";
			};
			expected.put(key.substring(jobPrefix.length()), this.namespace + "index:" + kind + ":"
					+ pair(job.get("queue"), job.get("task")));
		}
		Map<String, List<String>> found = new HashMap<>();
		Set<String> pairs = new HashSet<>();
		for (String key : keys(this.namespace + "index:*")) {
			List<String> members = redis.zrange(key, 0, -1);
			if (!members.isEmpty()) {
				String rest = key.substring((this.namespace + "index:").length());
				pairs.add(rest.substring(rest.indexOf(':') + 1));
			}
			for (String id : members) {
				found.computeIfAbsent(id, (k) -> new ArrayList<>()).add(key);
			}
		}
		assertThat(found.keySet()).as("indexed jobs after %s", after).isEqualTo(expected.keySet());
		expected.forEach((id, key) -> assertThat(found.get(id)).as("index of %s after %s", id, after)
			.containsExactly(key));
		assertThat(redis.smembers(this.namespace + "index-pairs")).as("index-pairs after %s", after)
			.isEqualTo(pairs);
	}

	private static String pair(String queue, String task) {
		return queue.length() + ":" + queue + ":" + task;
	}

	private List<String> keys(String pattern) {
		List<String> keys = new ArrayList<>();
		ScanCursor cursor = ScanCursor.INITIAL;
		do {
			KeyScanCursor<String> page = redis().scan(cursor, ScanArgs.Builder.matches(pattern).limit(1000));
			keys.addAll(page.getKeys());
			cursor = page;
		}
		while (!cursor.isFinished());
		return keys;
	}

	private RedisCommands<String, String> redis() {
		return this.admin.sync();
	}

	private List<ClaimedJob> claim(int limit, Duration lease) {
		Map<String, Integer> tasks = new HashMap<>();
		for (String task : List.of("a", "b", "t", "t0", "t1", "t2", "t3", "t4")) {
			tasks.put(task, limit);
		}
		return this.store.claim(new ClaimRequest("i1", lease, limit, Set.of("q", "q0", "q1", "q2", "q3"), tasks,
				Map.of()), UUID.randomUUID());
	}

	/** A job due now; those of task b have no retries, so that a reap makes them DEAD. */
	private static NewJob job(String task, String queue, String uniqueKey) {
		return new NewJob(JobId.newId(), task, queue, "[]", 0, Duration.ZERO, null, uniqueKey, task.equals("b") ? 0 : 1,
				null);
	}

	private static List<JobId> ids(List<NewJob> jobs) {
		return jobs.stream().map(NewJob::id).sorted().toList();
	}

}
