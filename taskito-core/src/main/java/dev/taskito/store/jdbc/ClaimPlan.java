package dev.taskito.store.jdbc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A claim request with its limits normalised: only tasks and queues that may yield jobs,
 * no task limit above the overall limit, caps only for tasks and queues that are claimed.
 *
 * @param instanceId the claiming instance
 * @param batchId the caller's id for this claim
 * @param leaseMillis the lease from the store's now
 * @param limit the most jobs in all
 * @param queues the queues to claim from, none with a limit of 0
 * @param taskLimits positive limits per task, in a stable order
 * @param queueLimits limits per queue, for the queues that have one
 * @param taskCaps cluster caps to respect atomically, for claimed tasks that have one
 * @param queueCaps cluster caps to respect atomically, for claimed queues that have one
 * @param capLockKeys the keys of the database locks of those caps, in the order to take
 *        them (see {@link #capLockKeys(String, Map, Map)})
 */
record ClaimPlan(String instanceId, UUID batchId, long leaseMillis, int limit, List<String> queues,
		Map<String, Integer> taskLimits, Map<String, Integer> queueLimits, Map<String, Integer> taskCaps,
		Map<String, Integer> queueCaps, List<Long> capLockKeys) {

	/**
	 * @return whether the claim must respect cluster caps atomically
	 */
	boolean isCapped() {
		return !this.taskCaps.isEmpty() || !this.queueCaps.isEmpty();
	}

	/**
	 * This plan limited to what the caps leave room for.
	 * @param taskClaims the claims each capped task has now
	 * @param queueClaims the claims each capped queue has now
	 * @return the plan with each capped task's and queue's limit at most its cap minus its
	 *         claims; tasks and queues left without room are dropped
	 */
	ClaimPlan withinCaps(Map<String, Integer> taskClaims, Map<String, Integer> queueClaims) {
		Map<String, Integer> tasks = new LinkedHashMap<>();
		this.taskLimits.forEach((task, taskLimit) -> {
			Integer cap = this.taskCaps.get(task);
			int room = (cap != null) ? Math.min(taskLimit, cap - taskClaims.getOrDefault(task, 0)) : taskLimit;
			if (room > 0) {
				tasks.put(task, room);
			}
		});
		Map<String, Integer> queueLimits = new LinkedHashMap<>(this.queueLimits);
		this.queueCaps.forEach((queue, cap) -> queueLimits.put(queue,
				Math.min(queueLimits.getOrDefault(queue, this.limit), cap - queueClaims.getOrDefault(queue, 0))));
		List<String> queues = this.queues.stream().filter((queue) -> queueLimits.getOrDefault(queue, 1) > 0).toList();
		return new ClaimPlan(this.instanceId, this.batchId, this.leaseMillis, this.limit, queues, tasks, queueLimits,
				this.taskCaps, this.queueCaps, this.capLockKeys);
	}

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
	 * The keys of the database locks that serialise claims gated by the same cap: one per
	 * capped task and queue, distinct, in ascending order, so that every claimer takes them in
	 * the same order and none waits for another in a cycle.
	 * @param tablePrefix the table prefix, so stores on other tables do not share a lock
	 * @param taskCaps the capped tasks
	 * @param queueCaps the capped queues
	 * @return the keys
	 */
	static List<Long> capLockKeys(String tablePrefix, Map<String, Integer> taskCaps, Map<String, Integer> queueCaps) {
		TreeSet<Long> keys = new TreeSet<>();
		taskCaps.keySet().forEach((task) -> keys.add(lockKey(tablePrefix + "|task|" + task)));
		queueCaps.keySet().forEach((queue) -> keys.add(lockKey(tablePrefix + "|queue|" + queue)));
		return List.copyOf(keys);
	}

	/**
	 * A 64-bit key from a name: the first eight bytes of its SHA-256, so that keys spread over
	 * the whole space of advisory locks and are unlikely to meet an application's own.
	 */
	private static long lockKey(String name) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256")
				.digest(("taskito-cap|" + name).getBytes(StandardCharsets.UTF_8));
			return ByteBuffer.wrap(digest).getLong();
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Every JVM has SHA-256", ex);
		}
	}

	/**
	 * @param task a task
	 * @param queue a queue
	 * @param limit the most jobs of that task to lock in that queue
	 */
	record Quota(String task, String queue, int limit) {

	}

}
