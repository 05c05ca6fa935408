package dev.taskito.store.redis;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.ObservabilityContractTest;
import dev.taskito.testsupport.TestRedis;

/**
 * The observability contract on Redis, each test in a key prefix of its own, deleted afterwards.
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

}
