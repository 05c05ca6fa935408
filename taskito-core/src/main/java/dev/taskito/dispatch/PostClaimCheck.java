package dev.taskito.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;

/**
 * Step 4 of the dispatch flow (see {@link DispatchPass}): after a claim has committed, one
 * separate store call counts the claims of every capped task, queue and (task, concurrency
 * key) in the batch, the batch's own included, and decides which jobs the caps admit (the
 * caps per key through {@link KeyCaps}).
 */
final class PostClaimCheck {

	private final ClaimStore store;

	private final CapBook caps;

	PostClaimCheck(ClaimStore store, CapBook caps) {
		this.store = store;
		this.caps = caps;
	}

	/**
	 * A job is admitted while the count including it is not greater than the cap; per task
	 * and queue, the batch may fill {@code cap - (visible claims not in this batch)}, which
	 * includes this instance's own earlier claims. Caps found filled are remembered in the
	 * {@link CapBook}.
	 * @param claimed the claimed jobs, in claim order
	 * @return the admitted and rejected jobs
	 */
	DispatchPass.Admission admit(List<ClaimedJob> claimed) {
		JobTally batch = JobTally.of(claimed);
		Map<String, Integer> taskCaps = this.caps.taskCaps(batch.tasks());
		Map<String, Integer> queueCaps = this.caps.queueCaps(batch.queues());
		KeyCaps keyCaps = KeyCaps.of(claimed, this.caps);
		if (taskCaps.isEmpty() && queueCaps.isEmpty() && keyCaps.keys().isEmpty()) {
			return new DispatchPass.Admission(claimed, List.of());
		}
		// One call counts tasks, queues and keys: one round trip per batch, never one per job.
		ClaimCounts counts = keyCaps.keys().isEmpty() ? this.store.countClaims(taskCaps.keySet(), queueCaps.keySet())
				: this.store.countClaims(taskCaps.keySet(), queueCaps.keySet(), keyCaps.keys());
		JobTally admittedSoFar = new JobTally();
		List<ClaimedJob> admitted = new ArrayList<>();
		List<ClaimedJob> rejected = new ArrayList<>();
		for (ClaimedJob job : claimed) {
			boolean over = false;
			Integer taskCap = taskCaps.get(job.taskName());
			if (taskCap != null) {
				int others = counts.task(job.taskName()) - batch.task(job.taskName());
				over = exceedsCap(others + admittedSoFar.task(job.taskName()) + 1, taskCap);
			}
			Integer queueCap = queueCaps.get(job.queue());
			if (!over && queueCap != null) {
				int others = counts.queue(job.queue()) - batch.queue(job.queue());
				over = exceedsCap(others + admittedSoFar.queue(job.queue()) + 1, queueCap);
			}
			if (!over) {
				over = keyCaps.exceeds(job, counts);
			}
			if (over) {
				rejected.add(job);
			}
			else {
				admitted.add(job);
				admittedSoFar.add(job);
				keyCaps.admit(job);
			}
		}
		this.caps.markFullCaps(counts, batch, admittedSoFar);
		return new DispatchPass.Admission(admitted, rejected);
	}

	/**
	 * Strictly greater: the count includes the job's own claim, so {@code >=} would admit
	 * N - 1 jobs under a cap of N, and none under a cap of 1.
	 */
	static boolean exceedsCap(int countIncludingThisJob, int cap) {
		return countIncludingThisJob > cap;
	}

}
