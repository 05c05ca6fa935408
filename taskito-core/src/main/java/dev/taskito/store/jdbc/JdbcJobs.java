package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import dev.taskito.JobId;
import dev.taskito.JobView;
import dev.taskito.store.NewJob;
import dev.taskito.store.StoredHeaders;
import dev.taskito.store.UniqueKeyHeldException;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;

/**
 * Jobs as producers and operators see them: enqueue, find, cancel, retry, reschedule, delete
 * and watch a job, and pause or resume a queue (at runtime, or as configured), each as the
 * {@link dev.taskito.store.ClaimStore} method of the same name promises.
 *
 * <p>{@link #enqueue} and {@link #cancel} run on the transactional DataSource, so they commit
 * or roll back with the caller's transaction, and never commit, roll back or change the
 * auto-commit mode themselves; enqueue inserts a batch in one statement that skips unique-key
 * conflicts, and cancel is one statement. Retry, reschedule, delete and pausing are a
 * transaction of their own each; a retry refuses, changing nothing, when an active job holds
 * the dead job's unique key. Reads run in auto-commit. An enqueue that failed may be repeated with the same job
 * ids: those already stored stand for themselves.
 */
final class JdbcJobs {

	/** How often enqueue retries rows whose unique key conflict vanished before it could be read. */
	private static final int ENQUEUE_ROUNDS = 5;

	private final JdbcTransactions transactions;

	private final WakeUpChannel wakeUps;

	JdbcJobs(JdbcTransactions transactions, WakeUpChannel wakeUps) {
		this.transactions = transactions;
		this.wakeUps = wakeUps;
	}

	List<JobId> enqueue(List<NewJob> jobs) {
		if (jobs.isEmpty()) {
			return List.of();
		}
		// Equal keys within one call: the first job stands for the later ones. A repeated id
		// is the same job, not a conflict.
		int[] representative = new int[jobs.size()];
		Map<String, Integer> firstByKey = new HashMap<>();
		Map<JobId, Integer> firstById = new HashMap<>();
		List<NewJob> distinct = new ArrayList<>();
		for (int i = 0; i < jobs.size(); i++) {
			NewJob job = jobs.get(i);
			Integer first = firstById.get(job.id());
			if (first == null && job.uniqueKey() != null) {
				first = firstByKey.get(job.uniqueKey());
			}
			if (first != null) {
				representative[i] = first;
				continue;
			}
			representative[i] = i;
			firstById.put(job.id(), i);
			if (job.uniqueKey() != null) {
				firstByKey.put(job.uniqueKey(), i);
			}
			distinct.add(job);
		}
		Map<JobId, JobId> stored = this.transactions.inCallersTransaction("enqueue jobs", "jobs",
				(connection) -> insertJobs(connection, distinct));
		List<JobId> ids = new ArrayList<>(jobs.size());
		for (int i = 0; i < jobs.size(); i++) {
			ids.add(stored.get(jobs.get(representative[i]).id()));
		}
		return ids;
	}

	/**
	 * Inserts the jobs in one statement, skipping conflicts, then resolves the skipped ones
	 * to the jobs that hold their key.
	 * @return for each job's own id, the id that stands for it
	 */
	private Map<JobId, JobId> insertJobs(Connection connection, List<NewJob> jobs) throws SQLException {
		Map<JobId, JobId> resolved = new HashMap<>();
		List<NewJob> remaining = jobs;
		boolean notify = false;
		for (int round = 0; !remaining.isEmpty(); round++) {
			if (round == ENQUEUE_ROUNDS) {
				throw new SQLException("Unique keys kept conflicting with jobs that finished before they could be read: "
						+ remaining.stream().map(NewJob::uniqueKey).toList(), "40001");
			}
			Set<JobId> inserted = insertOnce(connection, remaining);
			notify |= !inserted.isEmpty();
			inserted.forEach((id) -> resolved.put(id, id));
			List<NewJob> skipped = remaining.stream().filter((job) -> !inserted.contains(job.id())).toList();
			remaining = (skipped.isEmpty()) ? List.of() : resolveSkipped(connection, skipped, resolved);
		}
		if (notify) {
			this.wakeUps.enqueued(connection);
		}
		return resolved;
	}

	private Set<JobId> insertOnce(Connection connection, List<NewJob> jobs) throws SQLException {
		List<UUID> ids = new ArrayList<>();
		List<String> tasks = new ArrayList<>();
		List<String> queues = new ArrayList<>();
		List<String> payloads = new ArrayList<>();
		List<Integer> priorities = new ArrayList<>();
		List<Integer> maxRetries = new ArrayList<>();
		List<Long> timeouts = new ArrayList<>();
		List<String> keys = new ArrayList<>();
		List<Long> delays = new ArrayList<>();
		List<Long> runAts = new ArrayList<>();
		// NULL for a job without headers: its row stores nothing more.
		List<String> headers = new ArrayList<>();
		List<String> concurrencyKeys = new ArrayList<>();
		boolean keyed = false;
		for (NewJob job : jobs) {
			concurrencyKeys.add(job.concurrencyKey());
			keyed |= job.concurrencyKey() != null;
			ids.add(job.id().value());
			tasks.add(job.taskName());
			queues.add(job.queue());
			payloads.add(job.payload());
			priorities.add(job.priority());
			maxRetries.add(job.maxRetries());
			timeouts.add((job.timeout() != null) ? job.timeout().toMillis() : null);
			keys.add(job.uniqueKey());
			delays.add(JdbcRows.micros(job.delay()));
			runAts.add((job.runAt() != null) ? JdbcRows.micros(job.runAt()) : null);
			headers.add(StoredHeaders.encode(job.headers()));
		}
		Set<JobId> inserted = new HashSet<>();
		try (PreparedStatement ps = this.transactions.prepare(connection, "enqueue")) {
			int i = 0;
			ps.setArray(++i, this.transactions.array(connection, ColumnType.UUID, ids));
			ps.setArray(++i, this.transactions.array(connection, ColumnType.TEXT, tasks));
			ps.setArray(++i, this.transactions.array(connection, ColumnType.TEXT, queues));
			ps.setArray(++i, this.transactions.array(connection, ColumnType.TEXT, payloads));
			ps.setArray(++i, this.transactions.array(connection, ColumnType.INT, priorities));
			ps.setArray(++i, this.transactions.array(connection, ColumnType.INT, maxRetries));
			ps.setArray(++i, this.transactions.array(connection, ColumnType.BIGINT, timeouts));
			ps.setArray(++i, this.transactions.array(connection, ColumnType.TEXT, keys));
			ps.setArray(++i, this.transactions.array(connection, ColumnType.BIGINT, delays));
			ps.setArray(++i, this.transactions.array(connection, ColumnType.BIGINT, runAts));
			ps.setArray(++i, this.transactions.array(connection, ColumnType.TEXT, headers));
			ps.setArray(++i, this.transactions.array(connection, ColumnType.TEXT, concurrencyKeys));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					inserted.add(new JobId(JdbcRows.uuid(rs, "id")));
				}
			}
			if (keyed && !inserted.isEmpty()) {
				// The keys join their round in the same transaction as their jobs.
				JdbcClaims.requeueKeys(this.transactions, connection,
						inserted.stream().map(JobId::value).toList());
			}
		}
		catch (SQLException ex) {
			// Where the database cannot skip a conflict (H2), a concurrent insert of the same
			// key fails the whole statement, which the database undid; resolve and go again.
			if (!JdbcTransactions.isUniqueViolation(ex)) {
				throw ex;
			}
		}
		return inserted;
	}

	/**
	 * @return the jobs whose conflict vanished (the holder finished) and must be inserted again
	 */
	private List<NewJob> resolveSkipped(Connection connection, List<NewJob> skipped, Map<JobId, JobId> resolved)
			throws SQLException {
		Set<UUID> existingIds = new HashSet<>();
		Map<String, UUID> holders = new HashMap<>();
		try (PreparedStatement ps = this.transactions.prepare(connection, "enqueue-existing")) {
			List<String> keys = skipped.stream().map(NewJob::uniqueKey).filter(Objects::nonNull).toList();
			ps.setArray(1, this.transactions.array(connection, ColumnType.TEXT, keys));
			ps.setArray(2, this.transactions.array(connection, ColumnType.UUID,
					skipped.stream().map((job) -> job.id().value()).toList()));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					UUID id = JdbcRows.uuid(rs, "id");
					existingIds.add(id);
					String key = rs.getString("unique_key");
					if (key != null) {
						holders.put(key, id);
					}
				}
			}
		}
		List<NewJob> again = new ArrayList<>();
		for (NewJob job : skipped) {
			if (existingIds.contains(job.id().value())) {
				// Stored by an earlier attempt of this same enqueue.
				resolved.put(job.id(), job.id());
			}
			else if (job.uniqueKey() != null && holders.containsKey(job.uniqueKey())) {
				resolved.put(job.id(), new JobId(holders.get(job.uniqueKey())));
			}
			else {
				again.add(job);
			}
		}
		return again;
	}

	Optional<String> payload(JobId id) {
		return this.transactions.withAutoCommit("read a job's arguments", "jobs", (connection) -> {
			try (PreparedStatement ps = this.transactions.prepare(connection, "payload")) {
				ps.setObject(1, id.value());
				try (ResultSet rs = ps.executeQuery()) {
					return rs.next() ? Optional.ofNullable(rs.getString("payload")) : Optional.<String>empty();
				}
			}
		});
	}

	Optional<JobView> find(JobId id) {
		return this.transactions.withAutoCommit("find a job", "jobs", (connection) -> {
			try (PreparedStatement ps = this.transactions.prepare(connection, "find")) {
				ps.setObject(1, id.value());
				try (ResultSet rs = ps.executeQuery()) {
					return rs.next() ? Optional.of(JdbcRows.jobView(rs)) : Optional.<JobView>empty();
				}
			}
		});
	}

	boolean cancel(JobId id) {
		List<JobId> awaited = new ArrayList<>();
		boolean cancelled = this.transactions.inCallersTransaction("cancel a job", "jobs", (connection) -> {
			JdbcBulkSteps.Cancelled done = JdbcBulkSteps.cancel(this.transactions, connection, List.of(id.value()));
			awaited.addAll(done.awaited());
			return done.count() > 0;
		});
		// Inside a caller's transaction this may come before the commit: a listener told too
		// early reads the job still pending, and reads it again later (PostgreSQL's statement
		// notifies at the commit itself).
		this.wakeUps.finished(awaited);
		return cancelled;
	}

	boolean retry(JobId id) {
		try {
			return this.transactions.transaction((connection) -> {
				refuseIfUniqueKeyHeld(connection, id);
				boolean retried = this.transactions.update(connection, "retry", id.value()) > 0;
				if (retried) {
					JdbcClaims.requeueKeys(this.transactions, connection, List.of(id.value()));
				}
				return retried;
			});
		}
		catch (SQLException ex) {
			if (JdbcTransactions.isUniqueViolation(ex)) {
				// Another job took the key between the check and the update: name it.
				this.transactions.withAutoCommit("retry a job", "jobs", (connection) -> {
					refuseIfUniqueKeyHeld(connection, id);
					return null;
				});
			}
			throw this.transactions.translate("retry a job", "jobs", ex);
		}
	}

	/**
	 * @throws UniqueKeyHeldException when the job is dead and an active job holds its unique key
	 */
	private void refuseIfUniqueKeyHeld(Connection connection, JobId id) throws SQLException {
		try (PreparedStatement ps = this.transactions.prepare(connection, "retry-key-holder")) {
			ps.setObject(1, id.value());
			try (ResultSet rs = ps.executeQuery()) {
				if (rs.next()) {
					throw new UniqueKeyHeldException(id, rs.getString("unique_key"), new JobId(JdbcRows.uuid(rs, "id")));
				}
			}
		}
	}

	boolean reschedule(JobId id, Instant runAt) {
		Objects.requireNonNull(runAt, "runAt");
		boolean[] due = { false };
		boolean moved = this.transactions.inTransaction("reschedule a job", "jobs", (connection) -> {
			try (PreparedStatement ps = this.transactions.prepare(connection, "reschedule")) {
				ps.setObject(1, OffsetDateTime.ofInstant(runAt, ZoneOffset.UTC));
				ps.setObject(2, id.value());
				try (ResultSet rs = ps.executeQuery()) {
					if (!rs.next()) {
						return false;
					}
					due[0] = rs.getBoolean("due");
				}
			}
			if (due[0]) {
				this.wakeUps.beforeCommit(connection);
			}
			return true;
		});
		if (due[0]) {
			this.wakeUps.afterCommit();
		}
		return moved;
	}

	boolean delete(JobId id) {
		return this.transactions.inTransaction("delete a job", "jobs",
				(connection) -> this.transactions.update(connection, "delete-job", id.value()) > 0);
	}

	/**
	 * Marks the job awaited and reads it in one statement, committed before it answers: a
	 * finish that commits after this sees the mark, and one that committed before is read.
	 */
	Optional<JobView> watch(JobId id) {
		return this.transactions.withAutoCommit("watch a job", "jobs", (connection) -> {
			try (PreparedStatement ps = this.transactions.prepare(connection, "watch")) {
				ps.setObject(1, id.value());
				try (ResultSet rs = ps.executeQuery()) {
					return rs.next() ? Optional.of(JdbcRows.jobView(rs)) : Optional.<JobView>empty();
				}
			}
		});
	}

	boolean applyConfiguredPause(String queue, boolean paused) {
		Objects.requireNonNull(queue, "queue");
		try {
			return this.transactions.transaction((connection) -> applyConfiguredPause(connection, queue, paused));
		}
		catch (SQLException ex) {
			if (!JdbcTransactions.isUniqueViolation(ex)) {
				throw this.transactions.translate("apply a queue's configured pause", "queues", ex);
			}
			// Another instance inserted the queue's row first (H2's MERGE does not wait for it):
			// now there is one to compare with.
			return this.transactions.inTransaction("apply a queue's configured pause", "queues",
					(connection) -> applyConfiguredPause(connection, queue, paused));
		}
	}

	/**
	 * @return whether the statement set the pause: a row back (PostgreSQL) or a row changed (H2)
	 */
	private boolean applyConfiguredPause(Connection connection, String queue, boolean paused) throws SQLException {
		try (PreparedStatement ps = this.transactions.prepare(connection, "apply-configured-pause")) {
			ps.setString(1, queue);
			ps.setBoolean(2, paused);
			if (ps.execute()) {
				try (ResultSet rs = ps.getResultSet()) {
					return rs.next();
				}
			}
			return ps.getUpdateCount() > 0;
		}
	}

	void setQueuePaused(String queue, boolean paused) {
		this.transactions.inTransaction("pause or resume a queue", "queues",
				(connection) -> this.transactions.update(connection, "pause", queue, paused));
	}

	Set<String> pausedQueues() {
		return this.transactions.withAutoCommit("read paused queues", "queues", (connection) -> {
			Set<String> paused = new HashSet<>();
			try (PreparedStatement ps = this.transactions.prepare(connection, "paused-queues");
					ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					paused.add(rs.getString(1));
				}
			}
			return paused;
		});
	}

}
