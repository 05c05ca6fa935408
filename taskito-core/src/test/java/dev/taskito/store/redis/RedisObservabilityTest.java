package dev.taskito.store.redis;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.NewJob;
import dev.taskito.store.ObservabilityContractTest;
import dev.taskito.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The observability contract on Redis, each test in a key prefix of its own, deleted afterwards;
 * and what only Redis does: the earliest due keyed job is read from a bounded number of keys.
 */
class RedisObservabilityTest extends ObservabilityContractTest {

	private final String keyPrefix = TestRedis.uniqueKeyPrefix();

	@Override
	protected ClaimStore createStore() {
		return RedisClaimStore.builder(TestRedis.client()).keyPrefix(this.keyPrefix).build();
	}

	@Override
	protected void cleanUp() {
		TestRedis.deleteKeys(RedisKeys.namespaceOf(this.keyPrefix));
	}

	@Test
	void theOldestDueKeyedJobIsReadFromBothEndsOfALongRoundOfKeys() {
		Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
		// 100 keys joining the round in one enqueue: at one score, so in key order. The earliest
		// due job is in the last key, at the back of the round, where a key at its cap is parked.
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			Instant runAt = (i == 99) ? now.minusSeconds(600) : now.minusSeconds(10 + i);
			jobs.add(new NewJob(JobId.newId(), "keyed", "q", "[]", 0, Duration.ZERO, runAt, null, 3, null, Map.of(),
					"k-%03d".formatted(i)));
		}
		this.store.enqueue(jobs);
		assertThat(this.store.gauges(1000).queues()).singleElement().satisfies((queue) -> {
			assertThat(queue.pending()).isEqualTo(100);
			assertThat(queue.oldestDueAt()).isEqualTo(now.minusSeconds(600));
		});
	}

}
