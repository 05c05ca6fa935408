package dev.taskito.dispatch;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import dev.taskito.store.ClaimedJob;

/**
 * Claimed jobs counted per task and per queue: a claimed batch, or the part of it a cap
 * admitted. Not thread-safe; one dispatch pass fills and reads it.
 */
final class JobTally {

	private final Map<String, Integer> byTask = new HashMap<>();

	private final Map<String, Integer> byQueue = new HashMap<>();

	static JobTally of(Collection<ClaimedJob> jobs) {
		JobTally tally = new JobTally();
		jobs.forEach(tally::add);
		return tally;
	}

	void add(ClaimedJob job) {
		this.byTask.merge(job.taskName(), 1, Integer::sum);
		this.byQueue.merge(job.queue(), 1, Integer::sum);
	}

	int task(String task) {
		return this.byTask.getOrDefault(task, 0);
	}

	int queue(String queue) {
		return this.byQueue.getOrDefault(queue, 0);
	}

	Collection<String> tasks() {
		return this.byTask.keySet();
	}

	Collection<String> queues() {
		return this.byQueue.keySet();
	}

}
