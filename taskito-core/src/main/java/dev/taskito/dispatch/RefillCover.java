package dev.taskito.dispatch;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.FinishAndClaim;

/**
 * Whether a claim made with outcomes that free capped slots must wake the other instances,
 * and when.
 *
 * <p>Such outcomes wake the other instances, so that one with free workers refills the
 * slots. But the claim made with them usually refills the slots itself, and then every
 * other instance runs a pass that claims nothing, on the CPUs that the refilled jobs and
 * the next refill need. So the wake-up is left out of the outcomes when the claim may take
 * every slot they free, and sent after the claim when it took fewer:
 * <ul>
 * <li>The claim <em>may take every slot</em> when the store can wake the other instances
 * on its own ({@link ClaimStore#wakesOthersAlone()}), and each capped job among the
 * outcomes is capped by its task only (a queue's or a key's slot may suit jobs that this
 * instance does not claim), and the claim asks for its queue with room for as many jobs of
 * its task, of its queue and in all as the outcomes free.</li>
 * <li>The claim <em>took fewer</em> when, for some capped task, it claimed fewer jobs than
 * the outcomes freed, and it filled its limit (jobs of other tasks took the room, so the
 * task's jobs may still be due), or its answer was a failure or unknown. Fewer jobs of a
 * task with room to spare means that none more of them was due, for any instance, or that
 * other instances' claims hold the cap: there is nothing to wake the others for.</li>
 * </ul>
 */
final class RefillCover {

	/** The pass's logger, as the refill is one of its passes. */
	private static final Logger logger = LoggerFactory.getLogger(DispatchPass.class);

	/** The outcomes wake the other instances themselves. */
	private static final RefillCover WAKE_WITH_OUTCOMES = new RefillCover(null, null, 0);

	private final ClaimStore store;

	/** The capped slots the outcomes free, or {@code null} when the outcomes wake the others. */
	private final JobTally freed;

	private final int limit;

	private RefillCover(ClaimStore store, JobTally freed, int limit) {
		this.store = store;
		this.freed = freed;
		this.limit = limit;
	}

	/**
	 * @param finishing the jobs whose outcomes are recorded with the claim
	 * @param request the claim
	 * @param caps the caps, as the claim's gates read them
	 * @param store the store
	 * @return when to wake the other instances
	 */
	static RefillCover of(List<ClaimedJob> finishing, ClaimRequest request, CapBook caps, ClaimStore store) {
		if (!store.wakesOthersAlone()) {
			return WAKE_WITH_OUTCOMES;
		}
		JobTally freed = new JobTally();
		for (ClaimedJob job : finishing) {
			if (!caps.isCapped(job)) {
				continue;
			}
			if (job.concurrencyKey() != null || caps.queueCap(job.queue()) > 0
					|| !request.queues().contains(job.queue())) {
				return WAKE_WITH_OUTCOMES;
			}
			freed.add(job);
		}
		int freedInAll = 0;
		for (String task : freed.tasks()) {
			Integer room = request.taskLimits().get(task);
			if (room == null || room < freed.task(task)) {
				return WAKE_WITH_OUTCOMES;
			}
			freedInAll += freed.task(task);
		}
		for (String queue : freed.queues()) {
			Integer room = request.queueLimits().get(queue);
			if (room != null && room < freed.queue(queue)) {
				return WAKE_WITH_OUTCOMES;
			}
		}
		if (request.limit() < freedInAll) {
			return WAKE_WITH_OUTCOMES;
		}
		return new RefillCover(store, freed, request.limit());
	}

	/**
	 * @return whether the outcomes wake the other instances themselves
	 */
	boolean wakeOthersNow() {
		return this.freed == null;
	}

	/**
	 * Wakes the other instances when the claim made with the outcomes, which did not wake
	 * them, took fewer jobs than the slots the outcomes freed. The outcomes are recorded
	 * whatever comes of it: a wake-up that fails leaves the slots to the others' next poll.
	 * @param result what the claim with the outcomes did
	 */
	void wakeOthersIfShort(FinishAndClaim result) {
		if (!othersNeeded(result)) {
			return;
		}
		try {
			this.store.wakeOthers();
		}
		catch (RuntimeException ex) {
			logger.debug("Could not wake the other instances after a refill; their next poll finds the freed slots",
					ex);
		}
	}

	private boolean othersNeeded(FinishAndClaim result) {
		if (this.freed == null) {
			return false;
		}
		if (result.claimUnknown() || result.claimFailure() != null) {
			return true;
		}
		if (result.claimed().size() < this.limit) {
			return false;
		}
		JobTally claimed = JobTally.of(result.claimed());
		for (String task : this.freed.tasks()) {
			if (claimed.task(task) < this.freed.task(task)) {
				return true;
			}
		}
		return false;
	}

}
