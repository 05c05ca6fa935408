package dev.taskito;

import java.util.List;

import dev.taskito.store.RateLimit;

/**
 * A snapshot of the jobs per task and per queue, with the limits this instance knows.
 * Counts are read from the store at one moment per store call and may be stale by the time
 * they are read; caps and rate limits are this instance's configuration.
 *
 * @param tasks one entry per task that is registered here or has jobs, by name
 * @param queues one entry per queue that is known here or has jobs, by name
 */
public record JobStats(List<TaskStats> tasks, List<QueueStats> queues) {

	/**
	 * Copies the lists.
	 */
	public JobStats {
		tasks = List.copyOf(tasks);
		queues = List.copyOf(queues);
	}

	/**
	 * One task's jobs.
	 *
	 * @param task the task's name
	 * @param pending its {@code PENDING} jobs, due or not
	 * @param running its {@code RUNNING} jobs
	 * @param dead its {@code DEAD} jobs kept
	 * @param maxConcurrent its cap, {@code 0} for none (or when this instance does not know
	 *        the task)
	 * @param rateLimit its rate limit, or {@code null}
	 * @param maxConcurrentPerKey its cap per concurrency key, {@code 0} for none (or when this
	 *        instance does not know the task)
	 * @param keysAtCap how many of its concurrency keys run as many jobs as that cap, across
	 *        the cluster; {@code 0} without a cap per key
	 */
	public record TaskStats(String task, long pending, long running, long dead, int maxConcurrent,
			RateLimit rateLimit, int maxConcurrentPerKey, long keysAtCap) {

		/**
		 * A task without a cap per key.
		 * @param task the task's name
		 * @param pending its {@code PENDING} jobs
		 * @param running its {@code RUNNING} jobs
		 * @param dead its {@code DEAD} jobs kept
		 * @param maxConcurrent its cap, {@code 0} for none
		 * @param rateLimit its rate limit, or {@code null}
		 */
		public TaskStats(String task, long pending, long running, long dead, int maxConcurrent,
				RateLimit rateLimit) {
			this(task, pending, running, dead, maxConcurrent, rateLimit, 0, 0);
		}

	}

	/**
	 * One queue's jobs.
	 *
	 * @param queue the queue's name
	 * @param pending its {@code PENDING} jobs, due or not
	 * @param running its {@code RUNNING} jobs
	 * @param dead its {@code DEAD} jobs kept
	 * @param maxConcurrent its cap, {@code 0} for none
	 * @param rateLimit its rate limit, or {@code null}
	 * @param paused whether it is paused
	 */
	public record QueueStats(String queue, long pending, long running, long dead, int maxConcurrent,
			RateLimit rateLimit, boolean paused) {

	}

}
