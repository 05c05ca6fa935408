package dev.taskito.dispatch;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.TaskKey;

/**
 * The post-claim check of caps per concurrency key for one claimed batch, decided exactly as
 * task caps are: after the claim committed, the store counts the claims of every (task, key)
 * of the batch whose task has a cap per key, the batch's own included, in the same call as
 * the task and queue counts; a job is admitted while the count that includes it is not
 * greater than the cap. Per key, the batch may fill {@code cap - (visible claims not in this
 * batch)}, which includes this instance's earlier claims of that key.
 *
 * <p>Nothing is kept per key beyond the batch: a million keys cost nothing between passes.
 */
final class KeyCaps {

	/** Caps per key, per task, read once for the batch. */
	private final Map<String, Integer> caps;

	/** The batch's claims per capped (task, key). */
	private final Map<TaskKey, Integer> inBatch = new HashMap<>();

	/** The batch's admitted claims per capped (task, key), as the check goes. */
	private final Map<TaskKey, Integer> admitted = new HashMap<>();

	private KeyCaps(Map<String, Integer> caps) {
		this.caps = caps;
	}

	/**
	 * @param claimed the claimed batch
	 * @param book where the caps per key come from (the smallest live cap)
	 * @return the check for that batch
	 */
	static KeyCaps of(List<ClaimedJob> claimed, CapBook book) {
		Set<String> keyedTasks = new HashSet<>();
		for (ClaimedJob job : claimed) {
			if (job.concurrencyKey() != null) {
				keyedTasks.add(job.taskName());
			}
		}
		KeyCaps check = new KeyCaps(keyedTasks.isEmpty() ? Map.of() : book.keyCaps(keyedTasks));
		for (ClaimedJob job : claimed) {
			TaskKey key = check.cappedKey(job);
			if (key != null) {
				check.inBatch.merge(key, 1, Integer::sum);
			}
		}
		return check;
	}

	/**
	 * @return the (task, key) pairs to count: those of the batch whose task has a cap per key
	 */
	Set<TaskKey> keys() {
		return this.inBatch.keySet();
	}

	/**
	 * @param job a job of the batch
	 * @param counts the post-claim count
	 * @return whether admitting the job would put its key over its cap
	 */
	boolean exceeds(ClaimedJob job, ClaimCounts counts) {
		TaskKey key = cappedKey(job);
		if (key == null) {
			return false;
		}
		int others = counts.key(key) - this.inBatch.get(key);
		return PostClaimCheck.exceedsCap(others + this.admitted.getOrDefault(key, 0) + 1, this.caps.get(job.taskName()));
	}

	/**
	 * Counts a job the check admitted.
	 * @param job the admitted job
	 */
	void admit(ClaimedJob job) {
		TaskKey key = cappedKey(job);
		if (key != null) {
			this.admitted.merge(key, 1, Integer::sum);
		}
	}

	private TaskKey cappedKey(ClaimedJob job) {
		return (job.concurrencyKey() != null && this.caps.containsKey(job.taskName())) ? TaskKey.of(job) : null;
	}

}
