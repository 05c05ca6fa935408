package dev.taskito.store.redis;

import dev.taskito.dispatch.AbstractScheduleClusterTest;
import dev.taskito.store.ClaimStore;
import dev.taskito.testsupport.TestRedis;

class RedisScheduleClusterTest extends AbstractScheduleClusterTest {

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
