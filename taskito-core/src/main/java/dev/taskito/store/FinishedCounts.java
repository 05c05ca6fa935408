package dev.taskito.store;

/**
 * How many jobs of one task in one queue, created within one slice of time, have
 * succeeded and died.
 *
 * @param task the task
 * @param queue the queue
 * @param slice the slice's index among the bounds asked for, from 0
 * @param succeeded its {@code SUCCEEDED} jobs
 * @param dead its {@code DEAD} jobs
 */
public record FinishedCounts(String task, String queue, int slice, long succeeded, long dead) {

}
