package dev.taskito.store.redis;

import dev.taskito.dispatch.AbstractKeyClusterTest;
import dev.taskito.store.ClaimStore;
import dev.taskito.testsupport.TestRedis;

/**
 * Three dispatchers and caps per key on Redis.
 */
class RedisKeyClusterTest extends AbstractKeyClusterTest {

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
