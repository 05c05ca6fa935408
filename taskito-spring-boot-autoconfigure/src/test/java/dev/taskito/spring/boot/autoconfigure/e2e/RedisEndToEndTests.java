package dev.taskito.spring.boot.autoconfigure.e2e;

import java.util.UUID;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.redis.RedisClaimStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application with Spring Data Redis and no DataSource: Taskito keeps its jobs in Redis
 * (under a key prefix of its own, deleted afterwards) and the cap holds. Redis comes from
 * {@code TASKITO_TEST_REDIS_URL}, else {@code redis://127.0.0.1:6379}.
 */
@SpringBootTest(classes = EndToEndApplication.WithRedis.class)
@DirtiesContext
class RedisEndToEndTests {

	static final String URL = (System.getenv("TASKITO_TEST_REDIS_URL") != null)
			? System.getenv("TASKITO_TEST_REDIS_URL") : "redis://127.0.0.1:6379";

	static final String PREFIX = "taskito-e2e-" + UUID.randomUUID().toString().substring(0, 8) + ":";

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.url", () -> URL);
		registry.add("taskito.redis.key-prefix", () -> PREFIX);
		for (String property : EndToEndChecks.PROPERTIES) {
			String[] pair = property.split("=", 2);
			registry.add(pair[0], () -> pair[1]);
		}
	}

	@AfterAll
	static void deleteKeys() {
		RedisClient client = RedisClient.create(URL);
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			ScanCursor cursor = ScanCursor.INITIAL;
			do {
				KeyScanCursor<String> page = connection.sync()
					.scan(cursor, ScanArgs.Builder.matches("{" + PREFIX.substring(0, PREFIX.length() - 1) + "}*").limit(500));
				if (!page.getKeys().isEmpty()) {
					connection.sync().del(page.getKeys().toArray(String[]::new));
				}
				cursor = page;
			}
			while (!cursor.isFinished());
		}
		finally {
			client.shutdown();
		}
	}

	@Autowired
	ApplicationContext context;

	@Test
	void capOverriddenInPropertiesHolds() {
		assertThat(this.context.getBean(ClaimStore.class)).isInstanceOf(RedisClaimStore.class);
		EndToEndChecks.capOverriddenInPropertiesHolds(this.context);
	}

}
