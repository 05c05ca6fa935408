package dev.taskito.spring.boot.autoconfigure.actuate;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

import dev.taskito.JobContext;
import dev.taskito.Task;

/**
 * A web application with Actuator and Taskito on the embedded H2 store (the application's
 * own DataSource and Redis left out, so that the embedded default is what runs).
 */
@SpringBootConfiguration
@EnableAutoConfiguration(excludeName = { "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
		"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration" })
@Import(ActuatorTestApplication.Tasks.class)
class ActuatorTestApplication {

	/**
	 * A capped, rate-limited task that fails unless its argument was healed, a task that
	 * always fails, one that does nothing in a queue of its own, and a periodic one that
	 * never ticks during a test.
	 */
	static class Tasks {

		static final Set<Integer> healed = ConcurrentHashMap.newKeySet();

		@Task(name = "flaky", queue = "ops", maxConcurrent = 2, rateLimit = "100/m", maxRetries = 0)
		String flaky(int n) {
			if (!healed.contains(n)) {
				throw new IllegalStateException("flaky " + n + " failed on purpose");
			}
			return "healed " + n;
		}

		@Task(name = "doomed", maxRetries = 0)
		void doomed(int n) {
			throw new IllegalStateException("doomed " + n + " always fails");
		}

		@Task(name = "later", queue = "held")
		void later() {
		}

		@Task(name = "nightly", cron = "0 30 2 * * *", zone = "Europe/Paris")
		void nightly(JobContext context) {
		}

	}

}
