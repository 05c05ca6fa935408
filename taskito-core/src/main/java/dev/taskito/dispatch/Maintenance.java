package dev.taskito.dispatch;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.ReapedJob;

/**
 * The cluster's housekeeping, which every instance takes part in: the reaper takes back
 * jobs whose lease expired a grace period ago (an instance died or stood still), the purge
 * deletes finished jobs past their retention, and the {@link StrandedWorkCheck} reports
 * pending jobs no live instance serves. Runs on a thread of its own.
 *
 * <p>The reaper never reaps while the store is failing, nor for one lease duration after
 * it came back (every instance's leases look expired then), and only leases that expired
 * before this instance's own last answered heartbeat, so a reap held up in the network
 * cannot take back live jobs.
 */
final class Maintenance {

	private static final Logger logger = LoggerFactory.getLogger(Maintenance.class);

	private static final long PURGE_INTERVAL_MILLIS = TimeUnit.MINUTES.toMillis(1);

	private final ClaimStore store;

	private final DispatcherSettings settings;

	private final LeaseKeeper leases;

	private final StoreOutage outage;

	private final WakeSignal wakeSignal;

	private final StepFailures failures;

	private final StrandedWorkCheck strandedWork;

	private ScheduledExecutorService thread;

	Maintenance(ClaimStore store, DispatcherSettings settings, LeaseKeeper leases, StoreOutage outage,
			WakeSignal wakeSignal, StepFailures failures, StrandedWorkCheck strandedWork) {
		this.store = store;
		this.settings = settings;
		this.leases = leases;
		this.outage = outage;
		this.wakeSignal = wakeSignal;
		this.failures = failures;
		this.strandedWork = strandedWork;
	}

	void start() {
		long heartbeatMillis = this.settings.heartbeatInterval().toMillis();
		this.thread = Executors.newSingleThreadScheduledExecutor(Threads.named("taskito-maintenance-", true));
		this.thread.scheduleWithFixedDelay(this.failures.guarded("reap", this::reap), heartbeatMillis,
				heartbeatMillis, TimeUnit.MILLISECONDS);
		this.thread.scheduleWithFixedDelay(this.failures.guarded("purge", this::purge), 0, PURGE_INTERVAL_MILLIS,
				TimeUnit.MILLISECONDS);
		// The first check waits one interval, so that every instance of a rolling deploy has
		// published what it serves.
		long strandedMillis = StrandedWorkCheck.INTERVAL.toMillis();
		this.thread.scheduleWithFixedDelay(this.failures.guarded("stranded-work check", this.strandedWork::run),
				strandedMillis, strandedMillis, TimeUnit.MILLISECONDS);
	}

	void stop() {
		this.thread.shutdownNow();
	}

	private void reap() {
		long recoveredAt = this.outage.recoveredAtNanos();
		if (this.outage.isFailing() || (recoveredAt >= 0
				&& System.nanoTime() - recoveredAt < this.settings.leaseDuration().toNanos())) {
			// After an outage every instance's leases look expired; give live instances one lease to renew.
			return;
		}
		try {
			Instant connected = this.leases.connectedAt();
			if (connected == null) {
				return;
			}
			List<ReapedJob> reaped = this.store.reap(this.settings.reaperGrace(), connected);
			for (ReapedJob job : reaped) {
				logger.warn("Took back job {} of task '{}' from instance {} whose lease expired: now {}", job.jobId(),
						job.taskName(), job.instanceId(), job.status());
			}
			if (!reaped.isEmpty()) {
				this.wakeSignal.wake();
			}
		}
		catch (RuntimeException ex) {
			this.outage.failed("reap", ex);
		}
	}

	private void purge() {
		try {
			int purged = this.store.purge(this.settings.retentionSucceeded(), this.settings.retentionDead());
			if (purged > 0) {
				logger.debug("Purged {} finished job(s)", purged);
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Purge failed; trying again later", ex);
		}
	}

}
