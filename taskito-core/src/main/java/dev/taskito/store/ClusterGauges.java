package dev.taskito.store;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of the whole cluster's queues, read in one store call for the gauges every
 * instance reports (each reports the same figures: aggregate them with {@code max}).
 *
 * @param queues per queue that has pending or running jobs, by name
 * @param tasks per task that has running jobs, by name
 * @param storeTime the store's clock when it was read
 */
public record ClusterGauges(List<QueueGauge> queues, List<TaskGauge> tasks, Instant storeTime) {

	/**
	 * Copies the lists.
	 */
	public ClusterGauges {
		queues = List.copyOf(queues);
		tasks = List.copyOf(tasks);
	}

	/**
	 * One queue.
	 *
	 * @param queue the queue
	 * @param pending its PENDING jobs, due or not, counted up to the call's limit (a queue
	 *        with more reports exactly the limit)
	 * @param running its RUNNING jobs
	 * @param oldestDueAt the earliest due time among its due PENDING jobs, on the store's
	 *        clock, or {@code null} when none is due
	 */
	public record QueueGauge(String queue, long pending, long running, Instant oldestDueAt) {

	}

	/**
	 * One task.
	 *
	 * @param task the task
	 * @param running its RUNNING jobs
	 * @param keysAtCap how many of its concurrency keys run as many jobs as its cap per key
	 *        (or more, after the cap shrank), 0 when it has no cap per key or none was asked for
	 */
	public record TaskGauge(String task, long running, long keysAtCap) {

		/**
		 * A task without a count of keys at their cap.
		 * @param task the task
		 * @param running its RUNNING jobs
		 */
		public TaskGauge(String task, long running) {
			this(task, running, 0);
		}

	}

}
