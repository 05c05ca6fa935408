package dev.taskito.store.redis;

import dev.taskito.dispatch.AbstractTaskDispatcherTest;
import dev.taskito.store.ClaimStore;
import dev.taskito.testsupport.TestRedis;

/**
 * The dispatcher suite on Redis: real concurrent dispatchers sharing one namespace.
 */
class RedisTaskDispatcherTest extends AbstractTaskDispatcherTest {

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
