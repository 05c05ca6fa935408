package dev.taskito.dispatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import dev.taskito.JobStats;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClusterGauges;
import dev.taskito.store.JobCounts;

/**
 * Reads the figures of {@link DefaultTaskQueue#stats()}: the store's job counts per (task,
 * queue) pair and its paused queues, summed per task and per queue beside the caps and rate
 * limits this instance registers, and, when a task has a cap per key, how many of its keys
 * run at that cap.
 */
final class StatsReader {

	private final ClaimStore store;

	private final TaskRegistry registry;

	StatsReader(ClaimStore store, TaskRegistry registry) {
		this.store = store;
		this.registry = registry;
	}

	/**
	 * @return the figures, read now: one store call for the counts, one for the paused queues,
	 *         and one for the gauges when a task has a cap per key
	 */
	JobStats read() {
		List<JobCounts> counts = this.store.jobCounts();
		Set<String> paused = this.store.pausedQueues();
		Map<String, long[]> byTask = new TreeMap<>();
		Map<String, long[]> byQueue = new TreeMap<>();
		this.registry.taskNames().forEach((task) -> byTask.put(task, new long[3]));
		this.registry.queueNames().forEach((queue) -> byQueue.put(queue, new long[3]));
		paused.forEach((queue) -> byQueue.putIfAbsent(queue, new long[3]));
		for (JobCounts pair : counts) {
			add(byTask.computeIfAbsent(pair.task(), (key) -> new long[3]), pair);
			add(byQueue.computeIfAbsent(pair.queue(), (key) -> new long[3]), pair);
		}
		Map<String, Long> keysAtCap = keysAtCap();
		List<JobStats.TaskStats> tasks = new ArrayList<>();
		byTask.forEach((task, n) -> {
			Optional<TaskDefinition> definition = this.registry.find(task);
			tasks.add(new JobStats.TaskStats(task, n[0], n[1], n[2],
					definition.map(TaskDefinition::maxConcurrent).orElse(0),
					definition.map(TaskDefinition::rateLimit).orElse(null),
					definition.map(TaskDefinition::maxConcurrentPerKey).orElse(0), keysAtCap.getOrDefault(task, 0L)));
		});
		List<JobStats.QueueStats> queues = new ArrayList<>();
		byQueue.forEach((queue, n) -> {
			QueueDefinition definition = this.registry.queue(queue);
			queues.add(new JobStats.QueueStats(queue, n[0], n[1], n[2], definition.maxConcurrent(),
					definition.rateLimit(), paused.contains(queue)));
		});
		return new JobStats(tasks, queues);
	}

	/**
	 * How many keys of each task with a cap per key run at that cap, read with the gauges (one
	 * count per task, never one per key); no store call when no task has a cap per key.
	 */
	private Map<String, Long> keysAtCap() {
		Map<String, Integer> keyCaps = new HashMap<>();
		for (TaskDefinition task : this.registry.tasks()) {
			if (task.isCappedPerKey()) {
				keyCaps.put(task.name(), task.maxConcurrentPerKey());
			}
		}
		if (keyCaps.isEmpty()) {
			return Map.of();
		}
		Map<String, Long> atCap = new HashMap<>();
		for (ClusterGauges.TaskGauge gauge : this.store.gauges(1, keyCaps).tasks()) {
			atCap.put(gauge.task(), gauge.keysAtCap());
		}
		return atCap;
	}

	private static void add(long[] totals, JobCounts pair) {
		totals[0] += pair.pending();
		totals[1] += pair.running();
		totals[2] += pair.dead();
	}

}
