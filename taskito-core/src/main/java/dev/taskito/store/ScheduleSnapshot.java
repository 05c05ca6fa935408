package dev.taskito.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Every schedule the store keeps, read in one moment, with the store's time of that moment:
 * the clock every instance computes ticks on.
 *
 * @param storeTime the store's now when it was read
 * @param schedules the schedules, by task
 */
public record ScheduleSnapshot(Instant storeTime, List<ScheduleRecord> schedules) {

	/**
	 * Copies the list.
	 */
	public ScheduleSnapshot {
		Objects.requireNonNull(storeTime, "storeTime");
		schedules = List.copyOf(schedules);
	}

	/**
	 * @param task a task
	 * @return its schedule, or empty when the store has none
	 */
	public Optional<ScheduleRecord> find(String task) {
		return this.schedules.stream().filter((schedule) -> schedule.task().equals(task)).findFirst();
	}

}
