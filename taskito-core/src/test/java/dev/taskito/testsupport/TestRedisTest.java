package dev.taskito.testsupport;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The test support fails, never skips, when Redis is missing, and says how to start one.
 */
class TestRedisTest {

	@Test
	void missingRedisFailsWithHowToStartOne() {
		assertThatExceptionOfType(AssertionError.class).isThrownBy(() -> TestRedis.connect("redis://127.0.0.1:1"))
			.withMessageContaining("No Redis answers at redis://127.0.0.1:1")
			.withMessageContaining("redis-server --daemonize yes")
			.withMessageContaining(TestRedis.URL_VARIABLE);
	}

	@Test
	void resolvedRedisAnswers() {
		assertThat(TestRedis.url()).startsWith("redis://");
		assertThat(TestRedis.client()).isNotNull();
	}

}
