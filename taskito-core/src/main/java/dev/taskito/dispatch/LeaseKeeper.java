package dev.taskito.dispatch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;

/**
 * Keeps this instance's leases: one heartbeat per interval, on a thread of its own so that
 * no slow reap or purge can hold back a renewal, renews every held claim in one store call
 * and publishes this instance's caps. A claim the store no longer has is lost: its handler
 * is interrupted and its outcome discarded. A renewal that fails or hangs is the
 * {@link LeaseWatchdog}'s to act on: it stops handlers whose lease may expire, whatever this
 * thread is doing.
 *
 * <p>The store time of the last heartbeat that was answered is the reaper's proof of
 * contact ({@link #connectedAt()}).
 */
final class LeaseKeeper {

	private static final Logger logger = LoggerFactory.getLogger(LeaseKeeper.class);

	private final ClaimStore store;

	private final DispatcherSettings settings;

	private final HeldClaims held;

	private final CapBook caps;

	private final StoreOutage outage;

	private final StepFailures failures;

	/** The store time of the last heartbeat whose answer arrived: the reaper's proof of contact. */
	private volatile Instant connectedAt;

	private volatile boolean heartbeating;

	/** When the last answered heartbeat was sent, on this JVM's monotonic clock; valid once {@link #acknowledgedAt} is set. */
	private volatile long acknowledgedSentNanos;

	/** When the last heartbeat's answer arrived, on this JVM's clock, or {@code null} before the first. */
	private volatile Instant acknowledgedAt;

	private ScheduledExecutorService heartbeatThread;

	LeaseKeeper(ClaimStore store, DispatcherSettings settings, HeldClaims held, CapBook caps, StoreOutage outage,
			StepFailures failures) {
		this.store = store;
		this.settings = settings;
		this.held = held;
		this.caps = caps;
		this.outage = outage;
		this.failures = failures;
	}

	/**
	 * Sends a first heartbeat on the calling thread, so that this instance's caps are
	 * published before its first claim (no instance admits against a cap it has not seen),
	 * then one per interval.
	 */
	void start() {
		this.heartbeating = true;
		heartbeat();
		long heartbeatMillis = this.settings.heartbeatInterval().toMillis();
		this.heartbeatThread = Executors.newSingleThreadScheduledExecutor(Threads.named("taskito-heartbeat-", true));
		this.heartbeatThread.scheduleWithFixedDelay(this.failures.guarded("heartbeat", this::heartbeat),
				heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
	}

	void stop() {
		this.heartbeating = false;
		this.heartbeatThread.shutdownNow();
	}

	/**
	 * @return the store time of the last answered heartbeat, or {@code null} before the first
	 */
	Instant connectedAt() {
		return this.connectedAt;
	}

	/**
	 * @return when the store last answered a heartbeat, on this JVM's clock, or {@code null}
	 *         before the first
	 */
	Instant acknowledgedAt() {
		return this.acknowledgedAt;
	}

	/**
	 * @return whether the last answered heartbeat was sent within lease - heartbeat, so that
	 *         this instance's leases are still safely its own
	 */
	boolean isCurrent() {
		return this.acknowledgedAt != null
				&& System.nanoTime() - this.acknowledgedSentNanos <= this.settings.leaseSafetyNanos();
	}

	private void heartbeat() {
		if (!this.heartbeating) {
			return;
		}
		List<RunningJob> snapshot = new ArrayList<>(this.held.values());
		List<ClaimRef> claims = snapshot.stream().map(RunningJob::claim).toList();
		long startedNanos = System.nanoTime();
		try {
			HeartbeatResult result = this.store.heartbeat(new Heartbeat(this.settings.instanceId(),
					this.settings.leaseDuration(), this.caps.declaredTaskCaps(), this.caps.declaredQueueCaps(),
					this.caps.served(), claims));
			this.outage.succeeded();
			this.acknowledgedSentNanos = startedNanos;
			this.acknowledgedAt = Instant.now();
			this.connectedAt = result.storeTime();
			this.caps.clusterCapsRead(result.clusterCaps());
			for (RunningJob job : snapshot) {
				if (result.renewed().contains(job.claim())) {
					job.leaseRenewedNanos = startedNanos;
				}
				else if (this.held.containsKey(job.claim())) {
					leaseLost(job);
				}
			}
		}
		catch (RuntimeException ex) {
			// The leases run on unrenewed: the LeaseWatchdog stops their handlers in time.
			this.outage.failed("heartbeat", ex);
		}
	}

	/**
	 * Stops a job whose claim the store no longer has: its outcome is discarded.
	 */
	private void leaseLost(RunningJob job) {
		if (job.outcomeSubmitted) {
			// Its outcome may have committed while the heartbeat ran; if not, the store rejects it.
			return;
		}
		logger.warn("{} lost its lease (its claim is gone from the store: reaped or taken over); "
				+ "interrupting it and discarding its outcome", job);
		job.interrupt(RunningJob.Interruption.LEASE_LOST);
		if (job.returned) {
			this.held.remove(job.claim());
		}
	}

}
