package dev.taskito.spring.boot.test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.annotation.Import;

import dev.taskito.Task;

/**
 * A small application with two tasks, for the module's own tests.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(TestApplication.Tasks.class)
class TestApplication {

	/** Tasks that record which thread ran them. */
	static class Tasks {

		final List<Thread> threads = new CopyOnWriteArrayList<>();

		@Task(name = "greet")
		String greet(String name) {
			this.threads.add(Thread.currentThread());
			return "Hello, " + name;
		}

		@Task(name = "fail", maxRetries = 1)
		void fail(String reason) {
			this.threads.add(Thread.currentThread());
			throw new IllegalStateException(reason);
		}

	}

}
