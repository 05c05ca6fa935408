package dev.taskito;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The jobs that succeeded and died over a recent window, per slice of time and per task, as
 * {@link TaskQueue#throughput(Duration)} counts them. Jobs are counted by the time they
 * were created (their {@link JobId} is a UUIDv7), not the time they finished: the job index
 * orders them so and counts a range of them without reading any, where a count by finish
 * time would need an index or a counter of its own. For jobs that run soon after they are
 * enqueued this is the rate at which they finish, shifted by their wait; a backlog that
 * drains shows up in the slices its jobs were enqueued in. Jobs purged by retention are no
 * longer counted.
 *
 * @param from the start of the first slice
 * @param slice the length of each slice
 * @param slices the slices in time order, each with its counts, the last one still open
 * @param tasks the counts of the whole window per task that has any, by name
 */
public record Throughput(Instant from, Duration slice, List<Slice> slices, List<TaskThroughput> tasks) {

	/**
	 * Copies the lists.
	 */
	public Throughput {
		slices = List.copyOf(slices);
		tasks = List.copyOf(tasks);
	}

	/**
	 * @return the jobs of the whole window that succeeded
	 */
	public long succeeded() {
		return this.slices.stream().mapToLong(Slice::succeeded).sum();
	}

	/**
	 * @return the jobs of the whole window that died
	 */
	public long dead() {
		return this.slices.stream().mapToLong(Slice::dead).sum();
	}

	/**
	 * The jobs created in one slice of time that have finished.
	 *
	 * @param start when the slice starts, inclusive (it ends where the next starts)
	 * @param succeeded its {@code SUCCEEDED} jobs
	 * @param dead its {@code DEAD} jobs
	 */
	public record Slice(Instant start, long succeeded, long dead) {

	}

	/**
	 * One task's finished jobs over the whole window.
	 *
	 * @param task the task's name
	 * @param succeeded its {@code SUCCEEDED} jobs
	 * @param dead its {@code DEAD} jobs
	 */
	public record TaskThroughput(String task, long succeeded, long dead) {

	}

}
