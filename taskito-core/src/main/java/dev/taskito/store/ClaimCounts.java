package dev.taskito.store;

import java.util.Map;

/**
 * How many claims the store holds right now, per task, per queue and per (task, concurrency
 * key), counting every claim (this instance's own and expired ones included).
 *
 * @param byTask claims per task name; a task with none may be absent
 * @param byQueue claims per queue; a queue with none may be absent
 * @param byKey claims per task and concurrency key; a key with none may be absent
 */
public record ClaimCounts(Map<String, Integer> byTask, Map<String, Integer> byQueue, Map<TaskKey, Integer> byKey) {

	/**
	 * Copies the maps.
	 */
	public ClaimCounts {
		byTask = Map.copyOf(byTask);
		byQueue = Map.copyOf(byQueue);
		byKey = Map.copyOf(byKey);
	}

	/**
	 * Counts without keys.
	 * @param byTask claims per task name
	 * @param byQueue claims per queue
	 */
	public ClaimCounts(Map<String, Integer> byTask, Map<String, Integer> byQueue) {
		this(byTask, byQueue, Map.of());
	}

	/**
	 * @param key a task and concurrency key
	 * @return its claims, 0 when none
	 */
	public int key(TaskKey key) {
		return this.byKey.getOrDefault(key, 0);
	}

	/**
	 * @param task a task name
	 * @return its claims, 0 when none
	 */
	public int task(String task) {
		return this.byTask.getOrDefault(task, 0);
	}

	/**
	 * @param queue a queue name
	 * @return its claims, 0 when none
	 */
	public int queue(String queue) {
		return this.byQueue.getOrDefault(queue, 0);
	}

}
