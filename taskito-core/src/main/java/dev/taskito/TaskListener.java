package dev.taskito;

/**
 * Told of what happens to jobs on this instance: enqueues, starts, outcomes, cancellations,
 * and claims a cap or a rate limit turned away. Implement it to record metrics, log or
 * audit; with the Spring Boot starter every {@code TaskListener} bean is applied.
 *
 * <p>An event is published only once its change is committed to the store: an enqueue
 * after the caller's transaction commits (a unique enqueue that found its key held is no
 * enqueue), an outcome once it is recorded. {@link TaskEvent.Type#STARTED} is told on the
 * thread that runs the job, and so is an outcome discarded before it reached the store. The
 * others, recorded outcomes included, are told on one bounded thread per dispatcher or queue,
 * in the order they were published; it drops events (and counts them) rather than slow the
 * queue when listeners fall
 * behind, so a listener that blocks never holds up a job or the recording of outcomes. Every
 * {@code STARTED} is followed by one outcome event: {@code SUCCEEDED},
 * {@code FAILED}, {@code DEAD} or {@code OUTCOME_DISCARDED}. Events told on different threads
 * may arrive out of order. A listener that throws is logged and never affects a job.
 * Listeners must be thread-safe and should return quickly; one that never blocks says so
 * with {@link #isNonBlocking()} and is told every event on the thread that publishes it.
 */
@FunctionalInterface
public interface TaskListener {

	/**
	 * @param event what happened
	 */
	void onEvent(TaskEvent event);

	/**
	 * Whether this listener never blocks and returns within microseconds (it updates
	 * in-memory meters, say), so that it may be told on the thread that publishes each event,
	 * right after its change committed, instead of on the listeners' own thread. That saves
	 * every batch of events a hand-off, and often a thread wake-up, which a listener that
	 * blocks must not be allowed to cost the jobs. Events still come only after their change
	 * committed; a non-blocking listener that throws is logged like any other.
	 * @return {@code false} unless the listener never blocks
	 */
	default boolean isNonBlocking() {
		return false;
	}

}
