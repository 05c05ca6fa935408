package dev.taskito.dispatch;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.taskito.store.ClaimRef;

/**
 * The claims an instance holds, from the claim until its outcome is committed, with running
 * counts per task and per queue: the pre-claim gate reads those counts on every pass, and
 * counting the held claims each time cost a scan of every claim whose outcome still waits
 * for its commit (hundreds when the completer lags behind a fast drain).
 */
final class HeldClaims {

	private final Map<ClaimRef, RunningJob> byClaim = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> byTask = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> byQueue = new ConcurrentHashMap<>();

	void put(ClaimRef claim, RunningJob job) {
		if (this.byClaim.put(claim, job) == null) {
			count(this.byTask, job.job.taskName()).incrementAndGet();
			count(this.byQueue, job.job.queue()).incrementAndGet();
		}
	}

	/**
	 * @return the job that was held, or {@code null} when it was not (any more)
	 */
	RunningJob remove(ClaimRef claim) {
		RunningJob job = this.byClaim.remove(claim);
		if (job != null) {
			count(this.byTask, job.job.taskName()).decrementAndGet();
			count(this.byQueue, job.job.queue()).decrementAndGet();
		}
		return job;
	}

	RunningJob get(ClaimRef claim) {
		return this.byClaim.get(claim);
	}

	boolean containsKey(ClaimRef claim) {
		return this.byClaim.containsKey(claim);
	}

	Collection<RunningJob> values() {
		return this.byClaim.values();
	}

	int size() {
		return this.byClaim.size();
	}

	/**
	 * @return the claims held of a task
	 */
	int ofTask(String task) {
		AtomicInteger count = this.byTask.get(task);
		return (count != null) ? count.get() : 0;
	}

	/**
	 * @return the claims held of a queue
	 */
	int ofQueue(String queue) {
		AtomicInteger count = this.byQueue.get(queue);
		return (count != null) ? count.get() : 0;
	}

	private static AtomicInteger count(Map<String, AtomicInteger> counts, String name) {
		return counts.computeIfAbsent(name, (key) -> new AtomicInteger());
	}

}
