package dev.taskito.store;

import java.util.Objects;
import java.util.Set;

/**
 * The jobs one instance claims, published with its heartbeat: every job of one of these
 * tasks in one of these queues. A dispatcher claims exactly that product (its handlers'
 * tasks, in every queue it knows, since a job may be enqueued into another known queue than
 * its task's own), so two sets say it exactly and stay small whatever the number of pairs.
 * A paused queue is still served: its jobs wait on purpose, not for want of an instance.
 *
 * @param tasks the tasks this instance has a handler for
 * @param queues the queues this instance claims from
 */
public record ServedWork(Set<String> tasks, Set<String> queues) {

	/** Serves nothing: an instance without handlers. */
	public static final ServedWork NONE = new ServedWork(Set.of(), Set.of());

	/**
	 * Copies the sets.
	 */
	public ServedWork {
		tasks = Set.copyOf(Objects.requireNonNull(tasks, "tasks"));
		queues = Set.copyOf(Objects.requireNonNull(queues, "queues"));
	}

	/**
	 * @param task a task name
	 * @param queue a queue
	 * @return whether this instance claims jobs of that task in that queue
	 */
	public boolean serves(String task, String queue) {
		return this.tasks.contains(task) && this.queues.contains(queue);
	}

}
