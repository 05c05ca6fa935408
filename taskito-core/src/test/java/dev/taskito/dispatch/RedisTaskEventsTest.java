package dev.taskito.dispatch;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.redis.RedisClaimStore;
import dev.taskito.testsupport.TestRedis;

class RedisTaskEventsTest extends AbstractTaskEventsTest {

	/** Such as {@code t1a2b3c4d:}; its keys start with <code>{t1a2b3c4d}:</code>. */
	private final String keyPrefix = TestRedis.uniqueKeyPrefix();

	@Override
	protected ClaimStore newStore() {
		return RedisClaimStore.builder(TestRedis.client()).keyPrefix(this.keyPrefix).build();
	}

	@Override
	protected void dropStoreData() {
		TestRedis.deleteKeys("{" + this.keyPrefix.substring(0, this.keyPrefix.length() - 1) + "}:");
	}

}
