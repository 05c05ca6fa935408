package dev.taskito;

import java.time.Instant;

/**
 * A periodic task's schedule as the store records it for the whole cluster. Times are on
 * the store's clock.
 *
 * @param task the task
 * @param definition the schedule every instance follows, such as
 *        {@code cron 0 *&#47;5 * * * * zone Europe/Paris}: that of the instance started last
 * @param nextRunAt when the next job is enqueued, or {@code null} when this instance does not
 *        know the schedule (its own differs, or it has no handler for the task); earlier than
 *        now while a due tick waits for an instance to enqueue it or for a resume
 * @param lastTick the latest tick enqueued or passed over (or, for a new or changed
 *        schedule, when it was recorded)
 * @param lastJobId the job the latest enqueued tick made, or {@code null} before the first
 * @param paused whether the schedule is paused on every instance
 * @param skippedTicks how many ticks were passed over because the previous tick's job was
 *        still pending (overlap), since the schedule was first recorded
 */
public record ScheduleView(String task, String definition, Instant nextRunAt, Instant lastTick, JobId lastJobId,
		boolean paused, long skippedTicks) {

}
