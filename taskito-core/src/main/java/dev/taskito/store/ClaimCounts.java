package dev.taskito.store;

import java.util.Map;

/**
 * How many claims the store holds right now, per task and per queue, counting every claim
 * (this instance's own and expired ones included).
 *
 * @param byTask claims per task name; a task with none may be absent
 * @param byQueue claims per queue; a queue with none may be absent
 */
public record ClaimCounts(Map<String, Integer> byTask, Map<String, Integer> byQueue) {

	/**
	 * Copies the maps.
	 */
	public ClaimCounts {
		byTask = Map.copyOf(byTask);
		byQueue = Map.copyOf(byQueue);
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
