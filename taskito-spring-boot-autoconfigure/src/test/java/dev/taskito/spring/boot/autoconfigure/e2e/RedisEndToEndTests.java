package dev.taskito.spring.boot.autoconfigure.e2e;

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
import dev.taskito.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application with Spring Data Redis and no DataSource: Taskito keeps its jobs in Redis
 * (under a key prefix of its own, deleted afterwards) and the cap holds. Redis comes from
 * core's {@link TestRedis}.
 */
@SpringBootTest(classes = EndToEndApplication.WithRedis.class)
@DirtiesContext
class RedisEndToEndTests {

	static final String PREFIX = TestRedis.uniqueKeyPrefix();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.data.redis.url", TestRedis::url);
		registry.add("taskito.redis.key-prefix", () -> PREFIX);
		EndToEndChecks.addProperties(registry);
	}

	@AfterAll
	static void deleteKeys() {
		TestRedis.deleteKeys("{" + PREFIX.substring(0, PREFIX.length() - 1) + "}:");
	}

	@Autowired
	ApplicationContext context;

	@Test
	void capOverriddenInPropertiesHolds() {
		assertThat(this.context.getBean(ClaimStore.class)).isInstanceOf(RedisClaimStore.class);
		EndToEndChecks.capOverriddenInPropertiesHolds(this.context);
	}

}
