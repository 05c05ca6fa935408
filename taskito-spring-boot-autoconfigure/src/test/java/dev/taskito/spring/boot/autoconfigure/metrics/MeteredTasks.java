package dev.taskito.spring.boot.autoconfigure.metrics;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.taskito.Task;

/**
 * The tasks the metrics tests run: one that succeeds, one that dies at once, and one with
 * a cap of one that holds its worker until the test releases it.
 */
public class MeteredTasks {

	/** The queue every task here uses. */
	public static final String QUEUE = "metered";

	final CountDownLatch release = new CountDownLatch(1);

	final AtomicInteger cappedStarted = new AtomicInteger();

	@Task(name = "metered-ok", queue = QUEUE)
	void ok(int n) {
	}

	@Task(name = "metered-dead", queue = QUEUE, maxRetries = 0)
	void dead(int n) {
		throw new IllegalStateException("planned failure " + n);
	}

	@Task(name = "metered-capped", queue = QUEUE, maxConcurrent = 1)
	void capped(int n) throws InterruptedException {
		this.cappedStarted.incrementAndGet();
		this.release.await(30, TimeUnit.SECONDS);
	}

}
