package dev.taskito.samples.dashboard;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Component;

import dev.taskito.Task;

/**
 * Tasks worth watching: reports, capped at {@value #REPORT_CAP} at once and slow, so that
 * a burst sits at the cap; charges, which fail (and die at once, no retries) while the
 * payment provider is down; a periodic refresh of exchange rates every ten seconds, in a
 * queue of its own; and a tenant's sync, one at a time per tenant (its cap per key).
 */
@Component
public class SampleTasks {

	/** How many reports render at once, cluster-wide. */
	public static final int REPORT_CAP = 2;

	private final AtomicBoolean reportsHeld = new AtomicBoolean();

	private final AtomicBoolean providerDown = new AtomicBoolean();

	private final AtomicInteger charged = new AtomicInteger();

	private final AtomicInteger rateRefreshes = new AtomicInteger();

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

	/** The periodic task: every ten seconds. */
	@Task(name = "refresh-rates", queue = "periodic", cron = "*/10 * * * * *")
	public void refreshRates() {
		this.rateRefreshes.incrementAndGet();
	}

	/**
	 * One sync per tenant at a time: enqueued with the tenant as its concurrency key (a
	 * store that takes keyed jobs: Redis, for now), two tenants' syncs run side by side.
	 */
	@Task(name = "sync-tenant", maxConcurrentPerKey = 1)
	public String syncTenant(String tenant) {
		return "synced " + tenant;
	}

	/** @param held whether reports wait before they finish */
	public void holdReports(boolean held) {
		this.reportsHeld.set(held);
	}

	/** @param down whether charges fail */
	public void providerDown(boolean down) {
		this.providerDown.set(down);
	}

	/** @return how many times the periodic task ran */
	public int rateRefreshes() {
		return this.rateRefreshes.get();
	}

	/** @return the charges that went through */
	public int charged() {
		return this.charged.get();
	}

}
