package dev.taskito.store.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.KillArgs;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobContext;
import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.dispatch.TaskHandler;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.NewJob;
import dev.taskito.store.StoreUnavailableException;
import dev.taskito.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Faults between the store and Redis: connections killed mid-run, and a claim whose answer
 * never arrives. Neither may cost a job, run one twice, or consume an attempt.
 */
class RedisClaimStoreFaultTest {

	private final List<AutoCloseable> toClose = new ArrayList<>();

	private final List<String> namespaces = new ArrayList<>();

	@AfterEach
	void cleanUp() throws Exception {
		for (int i = this.toClose.size() - 1; i >= 0; i--) {
			this.toClose.get(i).close();
		}
		this.namespaces.forEach(TestRedis::deleteKeys);
	}

	@Test
	void killedConnectionsCostNoJobRunNoneTwiceAndConsumeNoAttempt() throws Exception {
		String clientName = "taskito-fault-" + UUID.randomUUID().toString().substring(0, 8);
		RedisClaimStore store = newStore(clientName, null);
		Map<JobId, AtomicInteger> executions = new ConcurrentHashMap<>();
		TaskRegistry registry = new TaskRegistry();
		registry.register(TaskDefinition.of("capped", recording(executions)).withMaxConcurrent(2));
		registry.register(TaskDefinition.of("free", recording(executions)));
		DefaultTaskQueue queue = new DefaultTaskQueue(store, registry);
		List<JobId> ids = new ArrayList<>();
		List<EnqueueRequest> requests = new ArrayList<>();
		for (int i = 0; i < 1_500; i++) {
			requests.add(EnqueueRequest.of((i % 5 == 0) ? "capped" : "free"));
		}
		for (int from = 0; from < requests.size(); from += 250) {
			ids.addAll(queue.enqueueAll(requests.subList(from, from + 250)));
		}
		TaskDispatcher dispatcher = TaskDispatcher.builder(store, registry)
			.instanceId("fault-" + UUID.randomUUID())
			.concurrency(8)
			.pollInterval(Duration.ofMillis(100))
			.leaseDuration(Duration.ofSeconds(20))
			.heartbeatInterval(Duration.ofMillis(500))
			.build();
		this.toClose.add(dispatcher);

		AtomicBoolean killing = new AtomicBoolean(true);
		AtomicInteger kills = new AtomicInteger();
		Thread killer = new Thread(() -> {
			try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
				// Spaced so that work goes on between kills: each one drops every connection
				// of the store (commands, wake-ups) in whatever state they are.
				while (killing.get() && kills.get() < 60) {
					kills.addAndGet(killConnectionsNamed(admin.sync(), clientName));
					Thread.sleep(100);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "redis-killer");
		dispatcher.start();
		killer.start();
		try {
			await().atMost(Duration.ofSeconds(60)).until(() -> executions.size() >= ids.size() * 9 / 10);
		}
		finally {
			killing.set(false);
			killer.join();
		}
		await().atMost(Duration.ofSeconds(60))
			.until(() -> executions.size() == ids.size() && dispatcher.runningJobs() == 0);

		assertThat(kills.get()).as("connections killed").isGreaterThanOrEqualTo(5);
		assertThat(executions.keySet()).containsExactlyInAnyOrderElementsOf(ids);
		assertThat(executions.values()).allSatisfy((count) -> assertThat(count.get()).as("executions").isEqualTo(1));
		for (JobId id : ids) {
			JobView view = store.find(id).orElseThrow();
			assertThat(view.status()).isEqualTo(JobStatus.SUCCEEDED);
			assertThat(view.attempts()).as("attempts of %s", id).isEqualTo(1);
		}
		assertThat(store.countClaims(Set.of("capped", "free"), Set.of("default")).queue("default")).isZero();
	}

	@Test
	void claimWhoseAnswerWasLostIsFoundByItsBatchId() throws Exception {
		RedisClaimStore store = newStore("taskito-lost-" + UUID.randomUUID().toString().substring(0, 8),
				Duration.ofMillis(200));
		JobId id = JobId.newId();
		store.enqueue(List.of(new NewJob(id, "a", "default", "[]", 0, null, null, null, 3, null)));
		UUID batch = UUID.randomUUID();
		ClaimRequest request = new ClaimRequest("i1", Duration.ofSeconds(30), 5, Set.of("default"), Map.of("a", 5),
				Map.of());
		Thread busy = new Thread(() -> {
			try (StatefulRedisConnection<String, String> admin = TestRedis.client().connect()) {
				// Holds Redis for 600 ms, so the claim behind it runs after its caller gave up.
				admin.sync().eval("local s = redis.call('TIME') local t = s "
						+ "while (t[1] - s[1]) * 1000000 + (t[2] - s[2]) < 600000 do t = redis.call('TIME') end return 1",
						ScriptOutputType.INTEGER, new String[0]);
			}
		}, "redis-busy");
		busy.start();
		Thread.sleep(100);
		assertThatExceptionOfType(StoreUnavailableException.class).isThrownBy(() -> store.claim(request, batch))
			.withMessageContaining("claim jobs");
		busy.join();
		List<ClaimedJob> recovered = await().atMost(Duration.ofSeconds(5))
			.until(() -> store.recoverClaim("i1", batch), (jobs) -> !jobs.isEmpty());
		assertThat(recovered).extracting(ClaimedJob::id).containsExactly(id);
		assertThat(recovered.get(0).attempt()).isEqualTo(1);
		assertThat(store.find(id).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
	}

	private RedisClaimStore newStore(String clientName, Duration timeout) {
		RedisClaimStore store = RedisClaimStore.builder(TestRedis.client())
			.keyPrefix(TestRedis.uniqueKeyPrefix())
			.clientName(clientName)
			.commandTimeout(timeout)
			.build();
		store.start();
		this.toClose.add(store);
		this.namespaces.add(store.namespace());
		return store;
	}

	private static int killConnectionsNamed(RedisCommands<String, String> admin, String clientName) {
		int killed = 0;
		for (String line : admin.clientList().split("\n")) {
			String name = field(line, "name");
			String id = field(line, "id");
			if (name != null && name.startsWith(clientName) && id != null) {
				try {
					killed += admin.clientKill(KillArgs.Builder.id(Long.parseLong(id))).intValue();
				}
				catch (RuntimeException ex) {
					// Gone already (it reconnected under a new id): nothing to kill.
				}
			}
		}
		return killed;
	}

	private static String field(String line, String name) {
		for (String part : line.trim().split(" ")) {
			if (part.startsWith(name + "=")) {
				return part.substring(name.length() + 1);
			}
		}
		return null;
	}

	private static TaskHandler recording(Map<JobId, AtomicInteger> executions) {
		return new TaskHandler() {

			@Override
			public List<Parameter> parameters() {
				return List.of();
			}

			@Override
			public Object handle(Object[] args, JobContext context) throws Exception {
				executions.computeIfAbsent(context.jobId(), (id) -> new AtomicInteger()).incrementAndGet();
				Thread.sleep(5);
				return null;
			}

		};
	}

}
