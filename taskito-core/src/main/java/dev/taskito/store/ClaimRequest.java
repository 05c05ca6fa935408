package dev.taskito.store;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What one {@link ClaimStore#claim} may take: the outcome of the dispatcher's pre-claim
 * gates.
 *
 * <p>The limits ({@code limit}, {@code taskLimits}, {@code queueLimits}) are this caller's
 * own: the store claims no more than they allow, whatever other instances hold. The caps
 * ({@code taskCaps}, {@code queueCaps}) are cluster-wide: the store claims no more of a
 * capped task or queue than its cap minus the claims it has at that moment (every
 * instance's, expired ones included), and decides that atomically with every other claim
 * that names the same cap, so racing claimers never take more than the cap between them.
 * The caps are a gate that spares racing dispatchers the claim-count-rollback of an
 * over-claim; the dispatcher's post-claim count still decides admission.
 *
 * @param instanceId the claiming instance, written into every claim
 * @param lease how long each claim's lease lasts from the store's now
 * @param limit the most jobs to claim in all (the free worker slots), at least 1
 * @param queues only jobs in these queues (the active, unpaused ones)
 * @param taskLimits only jobs of these tasks, at most this many of each; a task absent
 *        from the map is not claimed
 * @param queueLimits at most this many jobs from each queue named here; a queue absent
 *        from the map is limited only by {@code limit}
 * @param taskCaps cluster caps of tasks to respect atomically, each at least 1; a task
 *        absent from the map is not gated
 * @param queueCaps cluster caps of queues to respect atomically, each at least 1; a queue
 *        absent from the map is not gated
 * @param keyCaps cluster caps per concurrency key of tasks to respect atomically, each at
 *        least 1: no key of such a task gets more claims than its cap. A task absent from the
 *        map is not gated per key; its keyed jobs are still claimed, fairly across keys
 */
public record ClaimRequest(String instanceId, Duration lease, int limit, Set<String> queues,
		Map<String, Integer> taskLimits, Map<String, Integer> queueLimits, Map<String, Integer> taskCaps,
		Map<String, Integer> queueCaps, Map<String, Integer> keyCaps) {

	/**
	 * Checks and copies the fields.
	 */
	public ClaimRequest {
		Objects.requireNonNull(instanceId, "instanceId");
		Objects.requireNonNull(lease, "lease");
		queues = Set.copyOf(queues);
		taskLimits = Map.copyOf(taskLimits);
		queueLimits = Map.copyOf(queueLimits);
		taskCaps = Map.copyOf(taskCaps);
		queueCaps = Map.copyOf(queueCaps);
		keyCaps = Map.copyOf(keyCaps);
		if (limit < 1) {
			throw new IllegalArgumentException("limit must be at least 1, was " + limit);
		}
		requirePositive(taskCaps, "task");
		requirePositive(queueCaps, "queue");
		requirePositive(keyCaps, "per-key");
	}

	/**
	 * A request without caps per key.
	 * @param instanceId the claiming instance
	 * @param lease the lease
	 * @param limit the most jobs in all
	 * @param queues the queues to claim from
	 * @param taskLimits the most jobs per task
	 * @param queueLimits the most jobs per queue
	 * @param taskCaps the task caps to respect atomically
	 * @param queueCaps the queue caps to respect atomically
	 */
	public ClaimRequest(String instanceId, Duration lease, int limit, Set<String> queues,
			Map<String, Integer> taskLimits, Map<String, Integer> queueLimits, Map<String, Integer> taskCaps,
			Map<String, Integer> queueCaps) {
		this(instanceId, lease, limit, queues, taskLimits, queueLimits, taskCaps, queueCaps, Map.of());
	}

	/**
	 * A request without caps: the store applies only the caller's own limits.
	 * @param instanceId the claiming instance
	 * @param lease the lease
	 * @param limit the most jobs in all
	 * @param queues the queues to claim from
	 * @param taskLimits the most jobs per task
	 * @param queueLimits the most jobs per queue
	 */
	public ClaimRequest(String instanceId, Duration lease, int limit, Set<String> queues,
			Map<String, Integer> taskLimits, Map<String, Integer> queueLimits) {
		this(instanceId, lease, limit, queues, taskLimits, queueLimits, Map.of(), Map.of(), Map.of());
	}

	/**
	 * @return whether the store must gate this claim by cluster caps
	 */
	public boolean isCapped() {
		return !this.taskCaps.isEmpty() || !this.queueCaps.isEmpty() || !this.keyCaps.isEmpty();
	}

	/**
	 * @param taskCaps the task caps to respect atomically
	 * @param queueCaps the queue caps to respect atomically
	 * @return this request with those caps
	 */
	public ClaimRequest withCaps(Map<String, Integer> taskCaps, Map<String, Integer> queueCaps) {
		return new ClaimRequest(this.instanceId, this.lease, this.limit, this.queues, this.taskLimits,
				this.queueLimits, taskCaps, queueCaps, this.keyCaps);
	}

	/**
	 * @param keyCaps the caps per key to respect atomically, per task
	 * @return this request with those caps per key
	 */
	public ClaimRequest withKeyCaps(Map<String, Integer> keyCaps) {
		return new ClaimRequest(this.instanceId, this.lease, this.limit, this.queues, this.taskLimits,
				this.queueLimits, this.taskCaps, this.queueCaps, keyCaps);
	}

	private static void requirePositive(Map<String, Integer> caps, String what) {
		caps.forEach((name, cap) -> {
			if (cap < 1) {
				throw new IllegalArgumentException("The " + what + " cap of '" + name + "' must be at least 1, was "
						+ cap);
			}
		});
	}

}
