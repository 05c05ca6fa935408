package dev.taskito.dispatch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.taskito.ScheduleView;
import dev.taskito.TaskitoDefaults;
import dev.taskito.UnknownScheduleException;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ScheduleRecord;
import dev.taskito.store.ScheduleSnapshot;

/**
 * The schedules of periodic tasks as an operator sees them ({@link DefaultTaskQueue#schedules},
 * {@link DefaultTaskQueue#pauseSchedule}, {@link DefaultTaskQueue#resumeSchedule}): each stored
 * schedule with its next run worked out from the registered task, and pausing or resuming one,
 * after which the listeners (a local {@link TaskDispatcher}) are told at once.
 */
final class ScheduleOperations {

	private final ClaimStore store;

	private final TaskRegistry registry;

	private final List<Runnable> pauseListeners = new CopyOnWriteArrayList<>();

	ScheduleOperations(ClaimStore store, TaskRegistry registry) {
		this.store = store;
		this.registry = registry;
	}

	void addPauseListener(Runnable listener) {
		this.pauseListeners.add(listener);
	}

	List<ScheduleView> schedules() {
		ScheduleSnapshot snapshot = this.store.schedules();
		List<ScheduleView> views = new ArrayList<>();
		for (ScheduleRecord record : snapshot.schedules()) {
			Instant next = this.registry.find(record.task())
				.filter((task) -> task.isPeriodic() && task.schedule().definition().equals(record.definition()))
				.map((task) -> ScheduleTicks.nextRun(task.schedule(), record.lastTick(), snapshot.storeTime(),
						task.misfire(), TaskitoDefaults.SCHEDULE_MISFIRE_THRESHOLD))
				.orElse(null);
			views.add(new ScheduleView(record.task(), record.definition(), next, record.lastTick(), record.lastJobId(),
					record.paused(), record.skippedTicks()));
		}
		return views;
	}

	void pauseSchedule(String task) {
		setSchedulePaused(task, true, "pauseSchedule");
	}

	void resumeSchedule(String task) {
		setSchedulePaused(task, false, "resumeSchedule");
	}

	private void setSchedulePaused(String task, boolean paused, String operation) {
		if (task == null || task.isBlank()) {
			throw new IllegalArgumentException(operation + " needs a task name, was '" + task + "'");
		}
		if (!this.store.setSchedulePaused(task, paused)) {
			throw new UnknownScheduleException(task, operation);
		}
		this.pauseListeners.forEach(Runnable::run);
	}

}
