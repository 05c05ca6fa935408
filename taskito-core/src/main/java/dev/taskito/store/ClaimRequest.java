package dev.taskito.store;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What one {@link ClaimStore#claim} may take: the outcome of the dispatcher's pre-claim
 * gates.
 *
 * @param instanceId the claiming instance, written into every claim
 * @param lease how long each claim's lease lasts from the store's now
 * @param limit the most jobs to claim in all (the free worker slots), at least 1
 * @param queues only jobs in these queues (the active, unpaused ones)
 * @param taskLimits only jobs of these tasks, at most this many of each; a task absent
 *        from the map is not claimed
 * @param queueLimits at most this many jobs from each queue named here; a queue absent
 *        from the map is limited only by {@code limit}
 */
public record ClaimRequest(String instanceId, Duration lease, int limit, Set<String> queues,
		Map<String, Integer> taskLimits, Map<String, Integer> queueLimits) {

	/**
	 * Checks and copies the fields.
	 */
	public ClaimRequest {
		Objects.requireNonNull(instanceId, "instanceId");
		Objects.requireNonNull(lease, "lease");
		queues = Set.copyOf(queues);
		taskLimits = Map.copyOf(taskLimits);
		queueLimits = Map.copyOf(queueLimits);
		if (limit < 1) {
			throw new IllegalArgumentException("limit must be at least 1, was " + limit);
		}
	}

}
