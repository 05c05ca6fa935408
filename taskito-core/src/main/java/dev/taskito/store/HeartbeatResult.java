package dev.taskito.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What a heartbeat learned.
 *
 * @param renewed the claims whose lease was extended; a claim the heartbeat named that is
 *        missing here is lost (reaped, or taken over) and its outcome will be rejected
 * @param clusterCaps the smallest cap any live instance declares, per task and queue
 * @param storeTime when the heartbeat reached the store, on the store's clock: what the
 *        instance passes to {@link ClaimStore#reap} as proof it was connected then
 */
public record HeartbeatResult(Set<ClaimRef> renewed, ClaimCounts clusterCaps, Instant storeTime) {

	/**
	 * Copies the set and checks the fields.
	 */
	public HeartbeatResult {
		renewed = Set.copyOf(renewed);
		Objects.requireNonNull(clusterCaps, "clusterCaps");
		Objects.requireNonNull(storeTime, "storeTime");
	}

}
