package dev.taskito;

import java.time.Instant;

/**
 * When a periodic task fires. The Spring layer adapts {@code @Task(cron = ..., zone = ...)}
 * with Spring's {@code CronExpression}; a plain Java program may implement this itself and
 * give it to the task's definition.
 *
 * <p>Every instance computes ticks from the same schedule, on the store's clock, so an
 * implementation must be a pure function of its definition: two schedules with equal
 * {@link #definition()} must return equal ticks.
 */
public interface Schedule {

	/**
	 * The first tick strictly after an instant.
	 * @param after an instant on the store's clock
	 * @return the next tick, or {@code null} when the schedule never fires again
	 */
	Instant next(Instant after);

	/**
	 * A stable text that says everything the ticks depend on, such as
	 * {@code cron 0 *&#47;5 * * * * zone Europe/Paris}. The store records it per task and every
	 * instance compares its own with it: instances whose text differs (a deploy that changed
	 * the schedule) enqueue nothing for that task until they run the stored one.
	 * @return the definition, at most 500 characters
	 */
	String definition();

}
