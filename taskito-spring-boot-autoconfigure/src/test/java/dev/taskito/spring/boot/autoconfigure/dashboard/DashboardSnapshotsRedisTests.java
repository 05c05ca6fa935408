package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.dispatch.Handlers;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardOverview.InstanceRow;
import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardOverview.TaskRow;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.NewJob;
import dev.taskito.store.ServedWork;
import dev.taskito.store.redis.RedisClaimStore;
import dev.taskito.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The overview on Redis, the store that takes keyed jobs: a task's keys at their cap come
 * from the operations API's stats, and each live instance's running jobs from its heartbeat.
 * Under a key prefix of this class's own, deleted afterwards.
 */
class DashboardSnapshotsRedisTests {

	static final String PREFIX = TestRedis.uniqueKeyPrefix();

	private RedisClaimStore store;

	private DashboardSnapshots snapshots;

	@AfterAll
	static void deleteKeys() {
		TestRedis.deleteKeys("{" + PREFIX.substring(0, PREFIX.length() - 1) + "}:");
	}

	@BeforeEach
	void start() {
		this.store = RedisClaimStore.builder(TestRedis.client()).keyPrefix(PREFIX).build();
		this.store.start();
		TaskRegistry registry = new TaskRegistry();
		registry.register(TaskDefinition.of("per-tenant", Handlers.noArgs((args, job) -> null))
			.withMaxConcurrentPerKey(1));
		this.snapshots = new DashboardSnapshots(new DefaultTaskQueue(this.store, registry), this.store, null,
				Duration.ofSeconds(2), Clock.systemUTC());
	}

	@AfterEach
	void stop() {
		this.store.close();
	}

	@Test
	void tasksCountTheirKeysAtCapAndInstancesTheJobsTheyRun() {
		for (String tenant : List.of("tenant-a", "tenant-a", "tenant-b", "tenant-c")) {
			this.store.enqueue(List.of(new NewJob(JobId.newId(), "per-tenant", "default", "[]", 0, Duration.ZERO,
					null, null, 0, null, Map.of(), tenant)));
		}
		List<ClaimedJob> claimed = this.store.claim(new ClaimRequest("worker-1", Duration.ofMinutes(1), 2,
				Set.of("default"), Map.of("per-tenant", 2), Map.of(), Map.of(), Map.of(), Map.of("per-tenant", 1)),
				UUID.randomUUID());
		assertThat(claimed).as("one job per key, two at most").hasSize(2);
		this.store.heartbeat(new Heartbeat("worker-1", Duration.ofMinutes(1), Map.of(), Map.of(), ServedWork.NONE,
				claimed.stream().map(ClaimedJob::claim).toList()));

		DashboardOverview overview = this.snapshots.current();

		TaskRow task = overview.tasks().stream().filter((row) -> row.name().equals("per-tenant")).findFirst()
			.orElseThrow();
		assertThat(task.maxConcurrentPerKey()).isEqualTo(1);
		assertThat(task.keysAtCap()).isEqualTo(2);
		assertThat(task.running()).isEqualTo(2);
		assertThat(task.schedule()).isNull();
		assertThat(overview.instances()).extracting(InstanceRow::id, InstanceRow::running)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("worker-1", 2));
	}

}
