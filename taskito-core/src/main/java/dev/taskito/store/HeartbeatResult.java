package dev.taskito.store;

import java.util.Set;

/**
 * What a heartbeat learned.
 *
 * @param renewed the claims whose lease was extended; a claim the heartbeat named that is
 *        missing here is lost (reaped, or taken over) and its outcome will be rejected
 * @param clusterCaps the smallest cap any live instance declares, per task and queue
 */
public record HeartbeatResult(Set<ClaimRef> renewed, ClaimCounts clusterCaps) {

	/**
	 * Copies the set.
	 */
	public HeartbeatResult {
		renewed = Set.copyOf(renewed);
	}

}
