package dev.taskito.store.jdbc;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A claim request with its limits normalised: only tasks and queues that may yield jobs,
 * no task limit above the overall limit.
 *
 * @param instanceId the claiming instance
 * @param batchId the caller's id for this claim
 * @param leaseMillis the lease from the store's now
 * @param limit the most jobs in all
 * @param queues the queues to claim from, none with a limit of 0
 * @param taskLimits positive limits per task, in a stable order
 * @param queueLimits limits per queue, for the queues that have one
 */
record ClaimPlan(String instanceId, UUID batchId, long leaseMillis, int limit, List<String> queues,
		Map<String, Integer> taskLimits, Map<String, Integer> queueLimits) {

}
