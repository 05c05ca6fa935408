package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import dev.taskito.JobId;
import dev.taskito.store.NewJob;
import dev.taskito.store.ScheduleRecord;
import dev.taskito.store.ScheduleSnapshot;
import dev.taskito.store.ScheduleTick;
import dev.taskito.store.StoredHeaders;

/**
 * Periodic tasks' schedules, one row each in {@code schedules}: registered by starting
 * instances, read with the store's now, ticked and paused, each as the
 * {@link dev.taskito.store.ClaimStore} method of the same name promises.
 *
 * <p>A registration and a tick are each one transaction on the plain DataSource (never the
 * caller's) that first locks the schedule's row: instances racing for one tick take turns,
 * and each compares the row with what it read before it changes anything, so the job
 * insert and the move of the last tick commit together or not at all.
 */
final class JdbcSchedules {

	private final JdbcTransactions transactions;

	private final WakeUpChannel wakeUps;

	JdbcSchedules(JdbcTransactions transactions, WakeUpChannel wakeUps) {
		this.transactions = transactions;
		this.wakeUps = wakeUps;
	}

	ScheduleRecord register(String task, String definition) {
		Objects.requireNonNull(task, "task");
		Objects.requireNonNull(definition, "definition");
		try {
			return this.transactions.transaction((connection) -> register(connection, task, definition));
		}
		catch (SQLException ex) {
			if (!JdbcTransactions.isUniqueViolation(ex)) {
				throw this.transactions.translate("register a schedule", "schedules", ex);
			}
			// Another instance inserted the schedule first: now there is a row to lock and compare with.
			return this.transactions.inTransaction("register a schedule", "schedules",
					(connection) -> register(connection, task, definition));
		}
	}

	private ScheduleRecord register(Connection connection, String task, String definition) throws SQLException {
		ScheduleRecord current = lock(connection, task);
		if (current == null) {
			this.transactions.update(connection, "insert-schedule", task, definition);
		}
		else if (!current.definition().equals(definition)) {
			this.transactions.update(connection, "redefine-schedule", definition, task);
		}
		else {
			return current;
		}
		return lock(connection, task);
	}

	ScheduleSnapshot schedules() {
		return this.transactions.withAutoCommit("read the schedules", "schedules", (connection) -> {
			Instant storeTime = null;
			List<ScheduleRecord> schedules = new ArrayList<>();
			try (PreparedStatement ps = this.transactions.prepare(connection, "schedules");
					ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					storeTime = JdbcRows.instant(rs, "store_time");
					if (rs.getString("task") != null) {
						schedules.add(schedule(rs));
					}
				}
			}
			return new ScheduleSnapshot(storeTime, schedules);
		});
	}

	ScheduleTick.Result enqueueTick(ScheduleTick tick) {
		boolean[] enqueued = { false };
		ScheduleTick.Result result = this.transactions.inTransaction("enqueue a tick of task '" + tick.task() + "'",
				"schedules", (connection) -> {
					ScheduleRecord current = lock(connection, tick.task());
					if (current == null) {
						return ScheduleTick.Result.UNKNOWN;
					}
					if (!current.definition().equals(tick.definition())) {
						return ScheduleTick.Result.DEFINITION_DIFFERS;
					}
					if (current.paused()) {
						return ScheduleTick.Result.PAUSED;
					}
					if (!current.lastTick().equals(tick.expectedLastTick())) {
						return ScheduleTick.Result.TAKEN;
					}
					if (tick.job() == null) {
						advance(connection, tick, current.lastJobId(), current.skippedTicks());
						return ScheduleTick.Result.PASSED_OVER;
					}
					if (current.lastJobId() != null && "PENDING".equals(status(connection, current.lastJobId()))) {
						// The previous tick's job has not even started: another would only queue up behind it.
						advance(connection, tick, current.lastJobId(), current.skippedTicks() + 1);
						return ScheduleTick.Result.SKIPPED_OVERLAP;
					}
					insertJob(connection, tick.job(), tick.tick());
					advance(connection, tick, tick.job().id(), current.skippedTicks());
					this.wakeUps.beforeCommit(connection);
					enqueued[0] = true;
					return ScheduleTick.Result.ENQUEUED;
				});
		if (enqueued[0]) {
			this.wakeUps.afterCommit();
		}
		return result;
	}

	boolean setPaused(String task, boolean paused) {
		Objects.requireNonNull(task, "task");
		return this.transactions.inTransaction("pause or resume a schedule", "schedules",
				(connection) -> this.transactions.update(connection, "pause-schedule", paused, task) > 0);
	}

	private ScheduleRecord lock(Connection connection, String task) throws SQLException {
		try (PreparedStatement ps = this.transactions.prepare(connection, "lock-schedule")) {
			ps.setString(1, task);
			try (ResultSet rs = ps.executeQuery()) {
				return rs.next() ? schedule(rs) : null;
			}
		}
	}

	private String status(Connection connection, JobId id) throws SQLException {
		try (PreparedStatement ps = this.transactions.prepare(connection, "schedule-job-status")) {
			ps.setObject(1, id.value());
			try (ResultSet rs = ps.executeQuery()) {
				return rs.next() ? rs.getString(1) : null;
			}
		}
	}

	private void insertJob(Connection connection, NewJob job, Instant tick) throws SQLException {
		try (PreparedStatement ps = this.transactions.prepare(connection, "insert-tick-job")) {
			int i = 0;
			ps.setObject(++i, job.id().value());
			ps.setString(++i, job.taskName());
			ps.setString(++i, job.queue());
			ps.setString(++i, job.payload());
			ps.setInt(++i, job.priority());
			ps.setInt(++i, job.maxRetries());
			ps.setObject(++i, (job.timeout() != null) ? job.timeout().toMillis() : null);
			ps.setString(++i, StoredHeaders.encode(job.headers()));
			ps.setObject(++i, timestamp(tick));
			ps.executeUpdate();
		}
	}

	private void advance(Connection connection, ScheduleTick tick, JobId lastJob, long skipped) throws SQLException {
		try (PreparedStatement ps = this.transactions.prepare(connection, "advance-schedule")) {
			ps.setObject(1, timestamp(tick.tick()));
			ps.setObject(2, (lastJob != null) ? lastJob.value() : null);
			ps.setLong(3, skipped);
			ps.setString(4, tick.task());
			ps.executeUpdate();
		}
	}

	private static ScheduleRecord schedule(ResultSet rs) throws SQLException {
		UUID lastJob = JdbcRows.uuid(rs, "last_job_id");
		return new ScheduleRecord(rs.getString("task"), rs.getString("definition"), JdbcRows.instant(rs, "defined_at"),
				JdbcRows.instant(rs, "last_tick"), (lastJob != null) ? new JobId(lastJob) : null,
				rs.getBoolean("paused"), rs.getLong("skipped_ticks"));
	}

	private static OffsetDateTime timestamp(Instant instant) {
		return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
	}

}
