package dev.taskito.spring.boot.autoconfigure.metrics;

import org.junit.jupiter.api.AfterAll;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.redis.RedisClaimStore;
import dev.taskito.testsupport.TestRedis;

/**
 * The meters on Redis, under a key prefix of this class's own, deleted afterwards.
 */
class RedisMetricsTests extends AbstractMetricsStoreTests {

	static final String PREFIX = TestRedis.uniqueKeyPrefix();

	@AfterAll
	static void deleteKeys() {
		TestRedis.deleteKeys("{" + PREFIX.substring(0, PREFIX.length() - 1) + "}:");
	}

	@Override
	ApplicationContextRunner withUngatedStore(ApplicationContextRunner runner) {
		// The auto-configured Redis store must stay a RedisClaimStore: give the instance its own.
		return runner.withBean(ClaimStore.class, () -> {
			RedisClaimStore store = RedisClaimStore.builder(TestRedis.client()).keyPrefix(PREFIX).build();
			store.start();
			return UngatedClaimStore.wrap(store);
		});
	}

	@Override
	ApplicationContextRunner withStore(ApplicationContextRunner runner) {
		return runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.url=" + TestRedis.url(), "taskito.redis.key-prefix=" + PREFIX);
	}

}
