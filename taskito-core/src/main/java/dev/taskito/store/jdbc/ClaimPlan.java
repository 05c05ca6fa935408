package dev.taskito.store.jdbc;

import java.util.ArrayList;
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

	/**
	 * How many jobs to lock at most for each task in each queue: the smallest of the task's,
	 * the queue's and the overall limit. Quotas per pair keep a queue at its limit from
	 * crowding the other queues' jobs out of a task's candidates.
	 * @return the quotas, tasks and queues in a stable order
	 */
	List<Quota> quotas() {
		List<Quota> quotas = new ArrayList<>();
		this.taskLimits.forEach((task, taskLimit) -> {
			for (String queue : this.queues) {
				int quota = Math.min(Math.min(taskLimit, this.limit), this.queueLimits.getOrDefault(queue, this.limit));
				if (quota > 0) {
					quotas.add(new Quota(task, queue, quota));
				}
			}
		});
		return quotas;
	}

	/**
	 * @param task a task
	 * @param queue a queue
	 * @param limit the most jobs of that task to lock in that queue
	 */
	record Quota(String task, String queue, int limit) {

	}

}
