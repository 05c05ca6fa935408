package dev.taskito.dispatch;

import java.time.Duration;
import java.time.Instant;

import dev.taskito.Misfire;
import dev.taskito.Schedule;

/**
 * The tick arithmetic of periodic tasks, on the store's clock: which tick an instance asks
 * the store for next, given the schedule's last tick and now.
 *
 * <p>A tick at most the misfire threshold overdue is merely late (an instance woke a little
 * after it, or the previous one was enqueued just now) and is enqueued as usual, the
 * earliest first, so that a short stall loses no tick. When the earliest due tick is older
 * than that, every instance was down or the schedule paused, and the due ticks are missed:
 * {@link Misfire#RUN_ONCE} enqueues the latest of them only, {@link Misfire#SKIP} passes over
 * them all.
 */
final class ScheduleTicks {

	/** The most ticks walked to find the latest due one, whatever the schedule. */
	private static final int MAX_STEPS = 10_000;

	private ScheduleTicks() {
	}

	/**
	 * What to ask the store for.
	 *
	 * @param tick the tick to enqueue or pass over, or {@code null} when none is due
	 * @param withJob whether the tick enqueues a job ({@code false}: missed ticks passed over)
	 * @param next the tick after {@code tick} (or the first one to come, when none is due), or
	 *        {@code null} when the schedule never fires again
	 */
	record Plan(Instant tick, boolean withJob, Instant next) {
	}

	/**
	 * @param schedule the schedule
	 * @param lastTick the schedule's last tick, as the store has it
	 * @param now the store's now
	 * @param misfire the task's policy for missed ticks
	 * @param threshold how overdue a tick may be and still count as late, not missed
	 * @return the plan
	 */
	static Plan plan(Schedule schedule, Instant lastTick, Instant now, Misfire misfire, Duration threshold) {
		Instant first = schedule.next(lastTick);
		if (first == null || first.isAfter(now)) {
			return new Plan(null, false, first);
		}
		if (Duration.between(first, now).compareTo(threshold) <= 0) {
			return new Plan(first, true, schedule.next(first));
		}
		Instant latest = latestDue(schedule, lastTick, now);
		return new Plan(latest, misfire == Misfire.RUN_ONCE, schedule.next(latest));
	}

	/**
	 * When the next job will be enqueued, as far as the store's record tells.
	 * @return the next run, possibly in the past when a due tick waits for an instance
	 */
	static Instant nextRun(Schedule schedule, Instant lastTick, Instant now, Misfire misfire, Duration threshold) {
		Plan plan = plan(schedule, lastTick, now, misfire, threshold);
		if (plan.tick() == null) {
			return plan.next();
		}
		return plan.withJob() ? plan.tick() : plan.next();
	}

	/**
	 * The latest tick in {@code (lastTick, now]}, of which there is at least one. Looks back
	 * from now in windows that double, so that a long outage of a frequent schedule costs a
	 * few steps, not one per missed tick.
	 */
	static Instant latestDue(Schedule schedule, Instant lastTick, Instant now) {
		Duration window = Duration.ofSeconds(1);
		while (true) {
			Instant from = now.minus(window);
			if (!from.isAfter(lastTick)) {
				from = lastTick;
			}
			Instant tick = schedule.next(from);
			if (tick != null && !tick.isAfter(now)) {
				Instant latest = tick;
				for (int step = 0; step < MAX_STEPS; step++) {
					Instant later = schedule.next(latest);
					if (later == null || later.isAfter(now)) {
						return latest;
					}
					latest = later;
				}
				return latest;
			}
			if (from.equals(lastTick)) {
				// Unreachable for a schedule whose next(lastTick) is due; kept total for odd ones.
				return schedule.next(lastTick);
			}
			window = window.multipliedBy(2);
		}
	}

}
