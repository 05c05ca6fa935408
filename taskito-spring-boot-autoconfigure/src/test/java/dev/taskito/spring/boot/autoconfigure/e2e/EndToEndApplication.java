package dev.taskito.spring.boot.autoconfigure.e2e;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.context.annotation.Import;

import dev.taskito.Task;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;

/**
 * The applications the end-to-end tests start: Taskito's auto-configuration with the
 * auto-configurations of one kind of store each, and the tasks below.
 */
final class EndToEndApplication {

	private EndToEndApplication() {
	}

	/**
	 * Nothing but Taskito: the embedded default.
	 */
	@SpringBootConfiguration
	@ImportAutoConfiguration(TaskitoAutoConfiguration.class)
	@Import(Tasks.class)
	static class Embedded {

	}

	/**
	 * An application with its own DataSource (from {@code spring.datasource.*} or a bean)
	 * and transaction manager.
	 */
	@SpringBootConfiguration
	@ImportAutoConfiguration({ DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
			TaskitoAutoConfiguration.class })
	@Import(Tasks.class)
	static class WithDataSource {

	}

	/**
	 * An application with Spring Data Redis and no DataSource: Taskito picks Redis.
	 */
	@SpringBootConfiguration
	@ImportAutoConfiguration({ DataRedisAutoConfiguration.class, TaskitoAutoConfiguration.class })
	@Import(Tasks.class)
	static class WithRedis {

	}

	/**
	 * A capped task that records how many of its jobs run at once, and a task that records
	 * what it ran.
	 */
	static class Tasks {

		final AtomicInteger running = new AtomicInteger();

		final AtomicInteger maxRunning = new AtomicInteger();

		final AtomicInteger timesAtTwo = new AtomicInteger();

		final AtomicInteger done = new AtomicInteger();

		final Map<String, Integer> ran = new ConcurrentHashMap<>();

		@Task(name = "capped", maxConcurrent = 5)
		void capped(int job) throws InterruptedException {
			int now = this.running.incrementAndGet();
			try {
				this.maxRunning.accumulateAndGet(now, Math::max);
				if (now == 2) {
					this.timesAtTwo.incrementAndGet();
				}
				Thread.sleep(40);
			}
			finally {
				this.running.decrementAndGet();
				this.done.incrementAndGet();
			}
		}

		final CountDownLatch slowStarted = new CountDownLatch(1);

		@Task(name = "slow")
		void slow() throws InterruptedException {
			this.slowStarted.countDown();
			Thread.sleep(60_000);
		}

		@Task(name = "record")
		String record(String name, List<Integer> values) {
			this.ran.merge(name, 1, Integer::sum);
			return name + values;
		}

	}

}
