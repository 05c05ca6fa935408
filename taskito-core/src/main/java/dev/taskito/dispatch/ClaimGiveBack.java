package dev.taskito.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.Reschedule;

/**
 * Step 5 of the dispatch flow (see {@link DispatchPass}): gives claims back in one store
 * operation. The claim goes, the job is PENDING again after a short jittered delay (so
 * racing dispatchers do not collide again in lockstep), its attempt is not consumed, and
 * its worker slot is free again whether the store call succeeded or not.
 */
final class ClaimGiveBack {

	/** How long a claim rejected by a cap waits before it is due again, at least and at most. */
	private static final long REJECTED_DELAY_MIN_MILLIS = 10;

	private static final long REJECTED_DELAY_MAX_MILLIS = 60;

	private final ClaimStore store;

	private final CapBook caps;

	private final HeldClaims held;

	private final WorkerPool workers;

	private final TaskEvents events;

	ClaimGiveBack(ClaimStore store, CapBook caps, HeldClaims held, WorkerPool workers, TaskEvents events) {
		this.store = store;
		this.caps = caps;
		this.held = held;
		this.workers = workers;
		this.events = events;
	}

	/**
	 * Gives back the claims a cap rejected, and tells the listeners once the rollback has
	 * committed.
	 * @param rejected the claims a cap rejected
	 */
	void capRejected(List<ClaimedJob> rejected) {
		giveBack(rejected, true);
	}

	/**
	 * Gives back claims the post-claim check could not check; what goes wrong doing so is
	 * added to {@code cause}, which the pass rethrows.
	 * @param claimed the unchecked claims
	 * @param cause why they could not be checked
	 */
	void unchecked(List<ClaimedJob> claimed, Throwable cause) {
		try {
			giveBack(claimed, false);
		}
		catch (Throwable ex) {
			cause.addSuppressed(ex);
			// giveBack dropped them from the heartbeat: their leases expire and the reaper
			// takes them back.
		}
	}

	private void giveBack(List<ClaimedJob> claims, boolean capRejected) {
		if (claims.isEmpty()) {
			return;
		}
		long now = System.nanoTime();
		List<Reschedule> reschedules = new ArrayList<>(claims.size());
		for (ClaimedJob job : claims) {
			long delay = ThreadLocalRandom.current().nextLong(REJECTED_DELAY_MIN_MILLIS, REJECTED_DELAY_MAX_MILLIS + 1);
			reschedules.add(new Reschedule(job.claim(), Duration.ofMillis(delay)));
			this.caps.backOffAfterRejection(job, now);
		}
		try {
			this.store.rollback(reschedules);
			if (capRejected && this.events.enabled()) {
				for (ClaimedJob job : claims) {
					this.events.publishLater(TaskEvents.capRejected(job));
				}
			}
		}
		finally {
			// Given back or not, these claims are not ours to run: if the rollback failed, they
			// expire and the reaper takes them back (an outage path, attempt consumed).
			for (ClaimedJob job : claims) {
				this.workers.releaseSlot(this.held.remove(job.claim()));
			}
		}
	}

}
