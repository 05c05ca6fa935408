package dev.taskito.store;

import java.time.Instant;
import java.util.Objects;

import dev.taskito.JobId;

/**
 * A periodic task's schedule as the store keeps it, one per task, shared by every instance.
 * Times are on the store's clock.
 *
 * @param task the task
 * @param definition the schedule's {@link dev.taskito.Schedule#definition()}, as registered
 *        by the instance that started last
 * @param definedAt when that instance registered it
 * @param lastTick the latest tick enqueued or passed over; when the definition was recorded
 *        or changed, the time it was, so that no earlier tick is ever caught up
 * @param lastJobId the job of the latest enqueued tick, or {@code null}
 * @param paused whether the schedule is paused
 * @param skippedTicks ticks passed over because the previous tick's job was still pending
 */
public record ScheduleRecord(String task, String definition, Instant definedAt, Instant lastTick, JobId lastJobId,
		boolean paused, long skippedTicks) {

	/**
	 * Checks the required fields.
	 */
	public ScheduleRecord {
		Objects.requireNonNull(task, "task");
		Objects.requireNonNull(definition, "definition");
		Objects.requireNonNull(lastTick, "lastTick");
	}

}
