package dev.taskito.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.store.ReapedJob;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;

/**
 * Maintenance: reaping expired claims and purging finished jobs, each as the
 * {@link dev.taskito.store.ClaimStore} method of the same name promises.
 *
 * <p>A reap is one transaction: it reads the candidates without locking them, deletes their
 * claims (checking expiry again, since a heartbeat may have renewed one meanwhile) and only
 * then moves the jobs whose claims it took back to {@code PENDING} or to {@code DEAD}: claims
 * before jobs, the order every finish locks them in, so a reap and a late finish never wait
 * for each other in a cycle. When a reap fails, nothing of it took effect. Awaited jobs that
 * a reap made {@code DEAD} are announced, as every finish announces them.
 *
 * <p>A purge deletes in chunks of {@value #PURGE_CHUNK} jobs, each a short transaction of its
 * own, and at most {@value #PURGE_MAX_PER_CALL} per call; where the dialect can lock across
 * instances (PostgreSQL), one instance purges at a time and the others skip their round. A
 * purge that fails part way keeps the chunks it committed.
 */
final class JdbcMaintenance {

	/** Finished jobs one purge statement deletes at most: a short transaction each. */
	static final int PURGE_CHUNK = 1_000;

	/**
	 * Finished jobs one purge call deletes at most, so that it ends in seconds whatever the
	 * backlog; the next call (a minute later) goes on.
	 */
	static final int PURGE_MAX_PER_CALL = 100 * PURGE_CHUNK;

	private final JdbcTransactions transactions;

	private final JdbcDialect dialect;

	private final JdbcStatements sql;

	private final String tablePrefix;

	private final WakeUpChannel wakeUps;

	JdbcMaintenance(JdbcTransactions transactions, JdbcDialect dialect, JdbcStatements sql, String tablePrefix,
			WakeUpChannel wakeUps) {
		this.transactions = transactions;
		this.wakeUps = wakeUps;
		this.dialect = dialect;
		this.sql = sql;
		this.tablePrefix = tablePrefix;
	}

	List<ReapedJob> reap(Duration grace, Instant reaperConnectedAt) {
		OffsetDateTime connectedAt = OffsetDateTime.ofInstant(
				Objects.requireNonNull(reaperConnectedAt, "reaperConnectedAt"), ZoneOffset.UTC);
		long graceMillis = grace.toMillis();
		List<JobId> awaited = new ArrayList<>();
		List<ReapedJob> result = this.transactions.inTransaction("reap expired claims", "claims", (connection) -> {
			Map<UUID, Candidate> candidates = new LinkedHashMap<>();
			try (PreparedStatement ps = this.transactions.prepare(connection, "reap-candidates")) {
				ps.setLong(1, graceMillis);
				ps.setObject(2, connectedAt);
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						UUID id = JdbcRows.uuid(rs, "id");
						candidates.put(id, new Candidate(id, rs.getString("task"), rs.getString("instance_id"),
								JdbcRows.uuid(rs, "claim_token")));
					}
				}
			}
			if (candidates.isEmpty()) {
				return List.<ReapedJob>of();
			}
			List<Candidate> withClaim = candidates.values().stream().filter((c) -> c.token() != null).toList();
			Set<UUID> taken = new HashSet<>();
			candidates.values().stream().filter((c) -> c.token() == null).forEach((c) -> taken.add(c.id()));
			if (!withClaim.isEmpty()) {
				try (PreparedStatement ps = this.transactions.prepare(connection, "reap-delete-claims")) {
					ps.setArray(1, this.transactions.array(connection, ColumnType.UUID,
							withClaim.stream().map(Candidate::id).toList()));
					ps.setArray(2, this.transactions.array(connection, ColumnType.UUID,
							withClaim.stream().map(Candidate::token).toList()));
					ps.setLong(3, graceMillis);
					ps.setObject(4, connectedAt);
					try (ResultSet rs = ps.executeQuery()) {
						while (rs.next()) {
							taken.add(JdbcRows.uuid(rs, "job_id"));
						}
					}
				}
			}
			if (taken.isEmpty()) {
				return List.<ReapedJob>of();
			}
			List<UUID> ids = new ArrayList<>(taken);
			List<String> reasons = ids.stream().map((id) -> candidates.get(id).reason()).toList();
			List<ReapedJob> reaped = new ArrayList<>();
			try (PreparedStatement ps = this.transactions.prepare(connection, "reap-jobs")) {
				ps.setArray(1, this.transactions.array(connection, ColumnType.UUID, ids));
				ps.setArray(2, this.transactions.array(connection, ColumnType.TEXT, reasons));
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						Candidate candidate = candidates.get(JdbcRows.uuid(rs, "id"));
						JobStatus status = JdbcRows.status(rs.getString("status"));
						reaped.add(new ReapedJob(new JobId(candidate.id()), candidate.task(), candidate.instanceId(),
								status));
						if (status == JobStatus.DEAD && rs.getBoolean("awaited")) {
							awaited.add(new JobId(candidate.id()));
						}
					}
				}
			}
			// A keyed job taken back waits in its key's round again.
			JdbcClaims.requeueKeys(this.transactions, connection, ids);
			return reaped;
		});
		this.wakeUps.finished(awaited);
		return result;
	}

	int purge(Duration succeeded, Duration dead) {
		return this.transactions.withAutoCommit("purge finished jobs", "jobs", (connection) -> {
			if (!this.dialect.tryLockPurge(connection, this.sql, this.tablePrefix)) {
				return 0;
			}
			try {
				int purged = 0;
				while (purged < PURGE_MAX_PER_CALL) {
					int chunk = Math.min(PURGE_CHUNK, PURGE_MAX_PER_CALL - purged);
					// Auto-commit: each chunk is a transaction of its own, holding its rows briefly.
					int deleted = this.transactions.update(connection, "purge", succeeded.toMillis(), dead.toMillis(),
							chunk);
					purged += deleted;
					if (deleted < chunk) {
						break;
					}
				}
				return purged;
			}
			finally {
				this.dialect.unlockPurge(connection, this.sql, this.tablePrefix);
			}
		});
	}

	private record Candidate(UUID id, String task, String instanceId, UUID token) {

		String reason() {
			return (this.instanceId != null) ? "The lease of instance " + this.instanceId + " expired"
					: "The job was RUNNING without a claim, so its lease counts as expired";
		}

	}

}
