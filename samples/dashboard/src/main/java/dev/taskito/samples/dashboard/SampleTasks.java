package dev.taskito.samples.dashboard;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Component;

import dev.taskito.Task;

/**
 * Two tasks worth watching: reports, capped at {@value #REPORT_CAP} at once and slow, so that
 * a burst sits at the cap; charges, which fail (and die at once, no retries) while the
 * payment provider is down.
 */
@Component
public class SampleTasks {

	/** How many reports render at once, cluster-wide. */
	public static final int REPORT_CAP = 2;

	private final AtomicBoolean reportsHeld = new AtomicBoolean();

	private final AtomicBoolean providerDown = new AtomicBoolean();

	private final AtomicInteger charged = new AtomicInteger();

	@Task(name = "render-report", maxConcurrent = REPORT_CAP)
	public String renderReport(String name) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		// A held report waits (a minute at most) for the release, so that a test sees it running.
		while (this.reportsHeld.get() && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		Thread.sleep(500);
		return "report " + name + " ready";
	}

	@Task(name = "charge-card", maxRetries = 0)
	public String chargeCard(String customer) {
		if (this.providerDown.get()) {
			throw new IllegalStateException("payment provider refused the charge of " + customer);
		}
		this.charged.incrementAndGet();
		return "charged " + customer;
	}

	/** @param held whether reports wait before they finish */
	public void holdReports(boolean held) {
		this.reportsHeld.set(held);
	}

	/** @param down whether charges fail */
	public void providerDown(boolean down) {
		this.providerDown.set(down);
	}

	/** @return the charges that went through */
	public int charged() {
		return this.charged.get();
	}

}
