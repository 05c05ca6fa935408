package dev.taskito.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A tick an instance asks the store to enqueue (or, for missed ticks it skips, to pass
 * over): applied only when the schedule is still as the instance read it. See
 * {@link ClaimStore#enqueueTick}.
 *
 * @param task the periodic task
 * @param definition the instance's definition of the schedule; the tick is refused when the
 *        store's differs
 * @param expectedLastTick the schedule's last tick as the instance read it: the
 *        compare-and-set that makes each tick enqueue once
 * @param tick the tick: the schedule's new last tick, and the enqueued job's scheduled time
 * @param job the job to enqueue, or {@code null} to pass over every tick up to {@code tick}
 *        without one (missed ticks under {@link dev.taskito.Misfire#SKIP})
 */
public record ScheduleTick(String task, String definition, Instant expectedLastTick, Instant tick, NewJob job) {

	/**
	 * Checks the fields.
	 */
	public ScheduleTick {
		Objects.requireNonNull(task, "task");
		Objects.requireNonNull(definition, "definition");
		Objects.requireNonNull(expectedLastTick, "expectedLastTick");
		Objects.requireNonNull(tick, "tick");
		if (!tick.isAfter(expectedLastTick)) {
			throw new IllegalArgumentException("Tick " + tick + " of task '" + task + "' is not after its last tick "
					+ expectedLastTick);
		}
		if (job != null && !job.taskName().equals(task)) {
			throw new IllegalArgumentException("A tick of task '" + task + "' enqueues a job of task '"
					+ job.taskName() + "'");
		}
	}

	/**
	 * What {@link ClaimStore#enqueueTick} did.
	 */
	public enum Result {

		/** The job is stored, due now, and the schedule's last tick is the tick. */
		ENQUEUED,

		/**
		 * The previous tick's job was still {@code PENDING}: no job, the last tick moved on and
		 * the schedule's skipped count went up by one, so that a slow task builds no backlog.
		 */
		SKIPPED_OVERLAP,

		/** No job was asked for: the last tick moved on (missed ticks passed over). */
		PASSED_OVER,

		/** Another instance moved the last tick first (it enqueued this tick): nothing changed. */
		TAKEN,

		/** The store's definition differs from the instance's: nothing changed. */
		DEFINITION_DIFFERS,

		/** The schedule is paused: nothing changed. */
		PAUSED,

		/** The store has no schedule for the task: nothing changed. */
		UNKNOWN

	}

}
