package dev.taskito.store.jdbc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.StoredHeaders;

/**
 * Reading and binding values the same way for every dialect.
 */
final class JdbcRows {

	private JdbcRows() {
	}

	/**
	 * Reads a claimed job from the columns {@code id, task, queue, payload, attempts,
	 * max_retries, timeout_ms, priority, claim_token, lease_expires_at, run_at, headers,
	 * scheduled_for}.
	 * @param rs a result set on a row
	 * @return the job
	 * @throws SQLException when a column cannot be read
	 */
	/** The stored status of a keyed job waiting in its key, which the claim of 0.3 never matches. */
	static final String KEYED = "KEYED";

	static ClaimedJob claimedJob(ResultSet rs) throws SQLException {
		long timeoutMillis = rs.getLong("timeout_ms");
		Duration timeout = rs.wasNull() ? null : Duration.ofMillis(timeoutMillis);
		ClaimRef claim = new ClaimRef(new JobId(uuid(rs, "id")), uuid(rs, "claim_token"));
		return new ClaimedJob(claim, rs.getString("task"), rs.getString("queue"), rs.getString("payload"),
				rs.getInt("attempts"), rs.getInt("max_retries"), timeout, rs.getInt("priority"),
				instant(rs, "lease_expires_at"), instant(rs, "run_at"),
				StoredHeaders.decode(rs.getString("headers"), claim.jobId()), rs.getString("concurrency_key"),
				instant(rs, "scheduled_for"));
	}

	/**
	 * Reads a job from the columns {@code id, task, queue, status, attempts, max_retries,
	 * priority, created_at, run_at, started_at, finished_at, last_error, result, unique_key,
	 * scheduled_for}.
	 * @param rs a result set on a row
	 * @return the job
	 * @throws SQLException when a column cannot be read
	 */
	static JobView jobView(ResultSet rs) throws SQLException {
		return new JobView(new JobId(uuid(rs, "id")), rs.getString("task"), rs.getString("queue"),
				status(rs.getString("status")), rs.getInt("attempts"), rs.getInt("max_retries"),
				rs.getInt("priority"), instant(rs, "created_at"), instant(rs, "run_at"), instant(rs, "started_at"),
				instant(rs, "finished_at"), rs.getString("last_error"), rs.getString("result"),
				rs.getString("unique_key"), rs.getString("concurrency_key"), instant(rs, "scheduled_for"));
	}

	/**
	 * @param stored a status as stored
	 * @return the status the API shows: a keyed job waiting in its key ({@code KEYED}) is
	 *         {@code PENDING}
	 */
	static JobStatus status(String stored) {
		return KEYED.equals(stored) ? JobStatus.PENDING : JobStatus.valueOf(stored);
	}

	static UUID uuid(ResultSet rs, String column) throws SQLException {
		return rs.getObject(column, UUID.class);
	}

	static Instant instant(ResultSet rs, String column) throws SQLException {
		OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
		return (time != null) ? time.toInstant() : null;
	}

	static Array array(Connection connection, JdbcDialect dialect, JdbcDialect.ColumnType type,
			Collection<?> values) throws SQLException {
		return connection.createArrayOf(dialect.arrayElementType(type), values.toArray());
	}

	/**
	 * @param duration a duration
	 * @return it in whole microseconds
	 */
	static long micros(Duration duration) {
		return Math.addExact(Math.multiplyExact(duration.getSeconds(), 1_000_000L), duration.getNano() / 1_000);
	}

	/**
	 * @param instant an instant
	 * @return microseconds since the epoch
	 */
	static long micros(Instant instant) {
		return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
	}

	/**
	 * The kind (S succeeded, R failed with a retry, D dead), body (result or error) and retry
	 * delay columns of outcomes, in the order they are added, as the finish statements take them.
	 */
	static final class OutcomeColumns {

		final List<String> kinds = new ArrayList<>();

		final List<String> bodies = new ArrayList<>();

		final List<Long> delays = new ArrayList<>();

		void add(Outcome outcome) {
			if (outcome instanceof Outcome.Succeeded succeeded) {
				this.kinds.add("S");
				this.bodies.add(succeeded.result());
				this.delays.add(null);
			}
			else if (outcome instanceof Outcome.Failed failed) {
				this.kinds.add(failed.isDead() ? "D" : "R");
				this.bodies.add(failed.error());
				this.delays.add(failed.isDead() ? null : micros(failed.retryDelay()));
			}
		}

	}

}
