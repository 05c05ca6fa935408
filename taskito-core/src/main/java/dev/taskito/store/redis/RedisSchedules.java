package dev.taskito.store.redis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.taskito.JobId;
import dev.taskito.store.NewJob;
import dev.taskito.store.ScheduleRecord;
import dev.taskito.store.ScheduleSnapshot;
import dev.taskito.store.ScheduleTick;
import dev.taskito.store.StoredHeaders;

/**
 * Periodic tasks' schedules, a hash each: registered by starting instances
 * ({@code schedule_register.lua}), read with the store's now ({@code schedules.lua}), ticked
 * ({@code schedule_tick.lua}: the compare-and-set of the last tick and the job's insert in one
 * script) and paused ({@code schedule_pause.lua}), each as the
 * {@link dev.taskito.store.ClaimStore} method of the same name promises.
 */
final class RedisSchedules {

	/** Fields per schedule in the scripts' answers ({@code schedule_reply} in {@code lib.lua}). */
	private static final int SCHEDULE_FIELDS = 7;

	private final RedisScripts scripts;

	RedisSchedules(RedisScripts scripts) {
		this.scripts = scripts;
	}

	ScheduleRecord register(String task, String definition) {
		Objects.requireNonNull(task, "task");
		Objects.requireNonNull(definition, "definition");
		List<Object> reply = this.scripts.run("schedule_register", "register the schedule of task '" + task + "'",
				List.of(task, definition));
		return schedule(reply, 0);
	}

	ScheduleSnapshot schedules() {
		List<Object> reply = this.scripts.run("schedules", "read the schedules", List.of());
		Instant now = Instant.ofEpochMilli(RedisScriptValues.number(reply.get(0)));
		List<ScheduleRecord> schedules = new ArrayList<>();
		for (int i = 1; i + SCHEDULE_FIELDS - 1 < reply.size(); i += SCHEDULE_FIELDS) {
			schedules.add(schedule(reply, i));
		}
		return new ScheduleSnapshot(now, schedules);
	}

	ScheduleTick.Result enqueueTick(ScheduleTick tick) {
		List<String> args = new ArrayList<>();
		args.add(tick.task());
		args.add(tick.definition());
		args.add(Long.toString(tick.expectedLastTick().toEpochMilli()));
		args.add(Long.toString(tick.tick().toEpochMilli()));
		NewJob job = tick.job();
		if (job != null) {
			args.add(job.id().toString());
			args.add(job.queue());
			args.add(job.payload());
			args.add(Integer.toString(job.priority()));
			args.add(Integer.toString(job.maxRetries()));
			args.add((job.timeout() != null) ? Long.toString(job.timeout().toMillis()) : "");
			String headers = StoredHeaders.encode(job.headers());
			args.add((headers != null) ? headers : "");
		}
		List<Object> reply = this.scripts.run("schedule_tick", "enqueue a tick of task '" + tick.task() + "'", args);
		return ScheduleTick.Result.valueOf(reply.get(0).toString());
	}

	boolean setPaused(String task, boolean paused) {
		Objects.requireNonNull(task, "task");
		List<Object> reply = this.scripts.run("schedule_pause", "pause or resume the schedule of task '" + task + "'",
				List.of(task, paused ? "1" : "0"));
		return RedisScriptValues.number(reply) == 1;
	}

	private static ScheduleRecord schedule(List<Object> reply, int at) {
		String lastJob = text(reply.get(at + 4));
		return new ScheduleRecord(text(reply.get(at)), text(reply.get(at + 1)), millis(reply.get(at + 2)),
				millis(reply.get(at + 3)), lastJob.isEmpty() ? null : JobId.parse(lastJob), "1".equals(text(reply.get(at + 5))),
				RedisScriptValues.number(reply.get(at + 6)));
	}

	private static String text(Object value) {
		return (value != null) ? value.toString() : "";
	}

	private static Instant millis(Object value) {
		return Instant.ofEpochMilli(Long.parseLong(text(value)));
	}

}
