package dev.taskito.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.Reschedule;

/**
 * Claims whose answer was lost in an outage: they may have committed, and nothing here runs
 * their jobs, so once the store answers again they are looked up by batch id and given
 * back, attempt intact. Thread-safe: the dispatch pass and the outcome recorder remember
 * them, the dispatch loop resolves them.
 */
final class UnresolvedClaims {

	private static final Logger logger = LoggerFactory.getLogger(UnresolvedClaims.class);

	private final ClaimStore store;

	private final String instanceId;

	private final List<UUID> batches = new ArrayList<>();

	UnresolvedClaims(ClaimStore store, String instanceId) {
		this.store = store;
		this.instanceId = instanceId;
	}

	/**
	 * @param batchId the batch id of a claim whose answer was lost
	 */
	void remember(UUID batchId) {
		synchronized (this.batches) {
			this.batches.add(batchId);
		}
	}

	/**
	 * Gives back the jobs of every remembered claim that committed; a batch stays remembered
	 * until the store has answered for it.
	 */
	void resolve() {
		List<UUID> pending;
		synchronized (this.batches) {
			if (this.batches.isEmpty()) {
				return;
			}
			pending = new ArrayList<>(this.batches);
		}
		for (UUID batchId : pending) {
			List<ClaimedJob> recovered = this.store.recoverClaim(this.instanceId, batchId);
			if (!recovered.isEmpty()) {
				logger.info("Giving back {} job(s) of a claim whose answer was lost", recovered.size());
				this.store.rollback(
						recovered.stream().map((job) -> new Reschedule(job.claim(), Duration.ZERO)).toList());
			}
			synchronized (this.batches) {
				this.batches.remove(batchId);
			}
		}
	}

}
