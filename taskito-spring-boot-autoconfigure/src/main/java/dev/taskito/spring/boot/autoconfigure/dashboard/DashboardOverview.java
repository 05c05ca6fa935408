package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * What every page of the dashboard shows besides jobs: one reading of the operations API,
 * shared by every open page for one refresh interval. Times are ISO-8601 text.
 *
 * @param generatedAt when this reading was taken
 * @param instanceId the instance that took it, {@code null} on a producer-only instance
 * @param tasks every task registered here or with jobs
 * @param queues every queue known here or with jobs
 * @param throughput the finished jobs of the last hour
 * @param instances the instances whose heartbeat is current
 * @param dispatcher this instance's dispatcher, {@code null} on a producer-only instance
 */
public record DashboardOverview(String generatedAt, @Nullable String instanceId, List<TaskRow> tasks,
		List<QueueRow> queues, ThroughputView throughput, List<InstanceRow> instances,
		@Nullable DispatcherView dispatcher) {

	/**
	 * One task. New columns go here as fields, filled in {@link DashboardSnapshots}, and
	 * appear once the page's task table names them.
	 *
	 * @param name the task's name
	 * @param pending its pending jobs, due or not
	 * @param running its running jobs
	 * @param dead its dead jobs kept
	 * @param maxConcurrent its cap as this instance knows it, {@code 0} for none
	 * @param atCap whether it runs as many jobs as its cap allows
	 * @param rateLimit its rate limit ({@code permits/period}), or {@code null}
	 * @param succeededLastHour its jobs of the last hour that succeeded
	 * @param deadLastHour its jobs of the last hour that died
	 * @param maxConcurrentPerKey its cap per concurrency key as this instance knows it,
	 *        {@code 0} for none
	 * @param keysAtCap how many of its concurrency keys run as many jobs as that cap
	 * @param schedule its schedule when it is periodic, or {@code null}
	 */
	public record TaskRow(String name, long pending, long running, long dead, int maxConcurrent, boolean atCap,
			@Nullable String rateLimit, long succeededLastHour, long deadLastHour, int maxConcurrentPerKey,
			long keysAtCap, @Nullable ScheduleRow schedule) {

	}

	/**
	 * A periodic task's schedule, as the store records it for the cluster.
	 *
	 * @param definition the schedule every instance follows
	 * @param nextRunAt when the next job is enqueued, or {@code null} when this instance does
	 *        not know the schedule
	 * @param lastTick the latest tick enqueued or passed over
	 * @param lastJobId the job the latest enqueued tick made, or {@code null}
	 * @param paused whether it is paused on every instance
	 * @param skippedTicks the ticks passed over because the previous tick's job still waited
	 */
	public record ScheduleRow(String definition, @Nullable String nextRunAt, String lastTick,
			@Nullable String lastJobId, boolean paused, long skippedTicks) {

	}

	/**
	 * One queue.
	 *
	 * @param name the queue's name
	 * @param pending its pending jobs, due or not: its depth
	 * @param running its running jobs
	 * @param dead its dead jobs kept
	 * @param maxConcurrent its cap, {@code 0} for none
	 * @param atCap whether it runs as many jobs as its cap allows
	 * @param rateLimit its rate limit, or {@code null}
	 * @param paused whether it is paused on every instance
	 * @param oldestDueAt the earliest due time of its due pending jobs, or {@code null}
	 */
	public record QueueRow(String name, long pending, long running, long dead, int maxConcurrent, boolean atCap,
			@Nullable String rateLimit, boolean paused, @Nullable String oldestDueAt) {

	}

	/**
	 * The finished jobs of the last hour, by the minute they were created in.
	 *
	 * @param from the start of the first slice
	 * @param sliceSeconds the length of each slice
	 * @param succeeded the succeeded jobs per slice, oldest first
	 * @param dead the dead jobs per slice, oldest first
	 * @param totalSucceeded the succeeded jobs of the whole hour
	 * @param totalDead the dead jobs of the whole hour
	 */
	public record ThroughputView(String from, long sliceSeconds, List<Long> succeeded, List<Long> dead,
			long totalSucceeded, long totalDead) {

	}

	/**
	 * A live instance.
	 *
	 * @param id its id
	 * @param current whether it is the instance that serves this page
	 * @param heartbeatAt its last heartbeat, on the store's clock
	 * @param expiresAt when it counts as gone unless it beats again
	 * @param tasks the tasks it serves, {@code null} when its version does not say
	 * @param queues the queues it serves, {@code null} when its version does not say
	 * @param taskCaps the task caps it declares
	 * @param queueCaps the queue caps it declares
	 * @param keyCaps the caps per concurrency key it declares, per task
	 * @param running the jobs it ran at its last heartbeat, {@code null} when its version does
	 *        not say
	 */
	public record InstanceRow(String id, boolean current, String heartbeatAt, String expiresAt,
			@Nullable Set<String> tasks, @Nullable Set<String> queues, Map<String, Integer> taskCaps,
			Map<String, Integer> queueCaps, Map<String, Integer> keyCaps, @Nullable Integer running) {

	}

	/**
	 * This instance's dispatcher.
	 *
	 * @param running whether it runs
	 * @param lastHeartbeatAt its last acknowledged heartbeat, or {@code null}
	 * @param heartbeatsCurrent whether its heartbeats reach the store
	 * @param storeProblem what went wrong with the store lately, or {@code null}
	 */
	public record DispatcherView(boolean running, @Nullable String lastHeartbeatAt, boolean heartbeatsCurrent,
			@Nullable String storeProblem) {

	}

}
