package dev.taskito.store.redis;

import dev.taskito.dispatch.AbstractClusterTest;
import dev.taskito.store.ClaimStore;
import dev.taskito.testsupport.TestRedis;

/**
 * Three dispatchers drain 10,000 jobs from one Redis namespace within every cap.
 */
class RedisClusterTest extends AbstractClusterTest {

	private final String keyPrefix = TestRedis.uniqueKeyPrefix();

	@Override
	protected ClaimStore newStore() {
		return RedisClaimStore.builder(TestRedis.client()).keyPrefix(this.keyPrefix).build();
	}

	@Override
	protected void dropStoreData() {
		TestRedis.deleteKeys(RedisKeys.namespaceOf(this.keyPrefix));
	}

}
