package dev.taskito.store;

import java.util.Comparator;
import java.util.Objects;

/**
 * Pending jobs that no live instance can run: their task and queue are served by no
 * instance whose heartbeat is current (a task renamed or moved to another queue, or a
 * deploy that dropped a handler). They wait, holding their unique keys, until an instance
 * serves them again or someone cancels them.
 *
 * @param task the jobs' task
 * @param queue the jobs' queue
 * @param pending how many such jobs are {@code PENDING} (due or delayed), counted up to the
 *        limit given to {@link ClaimStore#strandedWork}: the limit itself means at least
 *        that many
 */
public record StrandedWork(String task, String queue, long pending) {

	/** The order {@link ClaimStore#strandedWork} answers in: by task, then queue. */
	public static final Comparator<StrandedWork> ORDER = Comparator.comparing(StrandedWork::task)
		.thenComparing(StrandedWork::queue);

	/**
	 * Checks the fields.
	 */
	public StrandedWork {
		Objects.requireNonNull(task, "task");
		Objects.requireNonNull(queue, "queue");
		if (pending < 1) {
			throw new IllegalArgumentException("stranded work of task '" + task + "' in queue '" + queue
					+ "' needs at least one pending job, was " + pending);
		}
	}

}
