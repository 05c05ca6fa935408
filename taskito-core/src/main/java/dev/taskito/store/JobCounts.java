package dev.taskito.store;

/**
 * How many jobs of one task in one queue are pending, running and dead.
 *
 * @param task the task
 * @param queue the queue
 * @param pending {@code PENDING} jobs, due or not
 * @param running {@code RUNNING} jobs
 * @param dead {@code DEAD} jobs kept
 */
public record JobCounts(String task, String queue, long pending, long running, long dead) {

}
