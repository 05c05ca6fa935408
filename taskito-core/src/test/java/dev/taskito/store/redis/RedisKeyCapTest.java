package dev.taskito.store.redis;

import dev.taskito.dispatch.AbstractKeyCapTest;
import dev.taskito.store.ClaimStore;
import dev.taskito.testsupport.TestRedis;

/**
 * Caps per key on Redis.
 */
class RedisKeyCapTest extends AbstractKeyCapTest {

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
