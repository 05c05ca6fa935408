package dev.taskito.store.jdbc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * @param capLocks the database locks of those caps, each with the pairs it gates, in the
 *        order to take them (see {@link #capLocks(String, Map, Map, Collection, List)})
 */
record ClaimPlan(String instanceId, UUID batchId, long leaseMillis, int limit, List<String> queues,
		Map<String, Integer> taskLimits, Map<String, Integer> queueLimits, Map<String, Integer> taskCaps,
		Map<String, Integer> queueCaps, List<CapLock> capLocks) {

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
				this.taskCaps, this.queueCaps, this.capLocks);
	}

	/**
	 * This plan for what is left once some jobs were claimed in the same claim.
	 * @param taken the jobs claimed already
	 * @return the plan with the overall, task and queue limits reduced by the jobs taken, or
	 *         {@code null} when nothing is left to claim
	 */
	ClaimPlan after(List<dev.taskito.store.ClaimedJob> taken) {
		int left = this.limit - taken.size();
		Map<String, Integer> tasks = new LinkedHashMap<>();
		this.taskLimits.forEach((task, n) -> {
			int room = Math.min(left, n - (int) taken.stream().filter((job) -> job.taskName().equals(task)).count());
			if (room > 0) {
				tasks.put(task, room);
			}
		});
		Map<String, Integer> queueLimits = new LinkedHashMap<>();
		this.queueLimits.forEach((queue, n) -> queueLimits.put(queue,
				n - (int) taken.stream().filter((job) -> job.queue().equals(queue)).count()));
		List<String> queues = this.queues.stream().filter((queue) -> queueLimits.getOrDefault(queue, 1) > 0).toList();
		if (left <= 0 || tasks.isEmpty() || queues.isEmpty()) {
			return null;
		}
		return new ClaimPlan(this.instanceId, this.batchId, this.leaseMillis, left, queues, tasks, queueLimits,
				this.taskCaps, this.queueCaps, this.capLocks);
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
	 * The database locks that serialise claims gated by the same cap: one key per capped
	 * task and queue, listed once for each (task, queue) pair of the claim it gates, so that
	 * the store can take it only when one of those pairs has work. Ordered by key, so that
	 * every claimer takes its locks in the same order and none waits for another in a cycle.
	 * @param tablePrefix the table prefix, so stores on other tables do not share a lock
	 * @param taskCaps the capped tasks
	 * @param queueCaps the capped queues
	 * @param tasks every task the claim takes
	 * @param queues every queue the claim takes from
	 * @return the locks with the pairs they gate
	 */
	static List<CapLock> capLocks(String tablePrefix, Map<String, Integer> taskCaps, Map<String, Integer> queueCaps,
			Collection<String> tasks, List<String> queues) {
		List<CapLock> locks = new ArrayList<>();
		for (String task : taskCaps.keySet()) {
			long key = lockKey(tablePrefix + "|task|" + task);
			queues.forEach((queue) -> locks.add(new CapLock(key, task, queue)));
		}
		for (String queue : queueCaps.keySet()) {
			long key = lockKey(tablePrefix + "|queue|" + queue);
			tasks.forEach((task) -> locks.add(new CapLock(key, task, queue)));
		}
		locks.sort(Comparator.comparingLong(CapLock::key));
		return List.copyOf(locks);
	}

	/**
	 * A 64-bit key from a name: the first eight bytes of its SHA-256, so that keys spread over
	 * the whole space of advisory locks and are unlikely to meet an application's own.
	 */
	static long lockKey(String name) {
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
	 * @param tablePrefix the table prefix
	 * @param task a task with a cap per key
	 * @return the database lock that serialises the claims of that task's keyed jobs
	 */
	static long keyLock(String tablePrefix, String task) {
		return lockKey(tablePrefix + "|keys|" + task);
	}

	/**
	 * @param task a task
	 * @param queue a queue
	 * @param limit the most jobs of that task to lock in that queue
	 */
	record Quota(String task, String queue, int limit) {

	}

	/**
	 * A cap's database lock and one (task, queue) pair it gates.
	 * @param key the lock's key
	 * @param task a task of the claim
	 * @param queue a queue of the claim
	 */
	record CapLock(long key, String task, String queue) {

	}

}
