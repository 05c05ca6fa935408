package dev.taskito.store.redis;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.ScheduleContractTest;
import dev.taskito.testsupport.TestRedis;

/**
 * The schedule contract on Redis, each test in a key prefix of its own, deleted afterwards.
 */
class RedisScheduleTest extends ScheduleContractTest {

	private final String keyPrefix = TestRedis.uniqueKeyPrefix();

	@Override
	protected ClaimStore createStore() {
		return RedisClaimStore.builder(TestRedis.client()).keyPrefix(this.keyPrefix).build();
	}

	@Override
	protected void cleanUp() {
		TestRedis.deleteKeys(RedisKeys.namespaceOf(this.keyPrefix));
	}

}
