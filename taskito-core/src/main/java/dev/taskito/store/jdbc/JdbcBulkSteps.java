package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.store.BulkStep;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;
import dev.taskito.store.jdbc.JdbcJobQueries.StepJob;

/**
 * The bounded steps of a bulk cancel and a bulk retry, each as the
 * {@link dev.taskito.store.ClaimStore} method of the same name promises.
 *
 * <p>A step is a transaction of its own on the plain DataSource, never the caller's: it reads
 * the jobs it looks at ({@link JdbcJobQueries#stepJobs}), then changes those still in the
 * status it changes (the update checks the status again, so a job claimed or finished
 * meanwhile is skipped). Awaited jobs that a cancel finished are announced after the commit
 * (or, on PostgreSQL, by the statement, delivered at the commit); retried jobs wake the
 * dispatchers as an enqueue does. A retry skips dead jobs whose unique key an active job (or
 * an earlier job of the step) holds; when a concurrent enqueue takes such a key between the
 * check and the update, the unique index refuses the update, and the step is made again.
 */
final class JdbcBulkSteps {

	/** How often a retry step is made again after a concurrent enqueue took one of its keys. */
	private static final int RETRY_ROUNDS = 5;

	private final JdbcTransactions transactions;

	private final JdbcJobQueries queries;

	private final WakeUpChannel wakeUps;

	JdbcBulkSteps(JdbcTransactions transactions, JdbcJobQueries queries, WakeUpChannel wakeUps) {
		this.transactions = transactions;
		this.queries = queries;
		this.wakeUps = wakeUps;
	}

	BulkStep cancelStep(JobQuery query, JobId upTo) {
		Objects.requireNonNull(upTo, "upTo");
		if (!query.matchesStatus(JobStatus.PENDING)) {
			return new BulkStep(0, 0, null);
		}
		JobQuery pending = query.status(JobStatus.PENDING);
		List<JobId> awaited = new ArrayList<>();
		BulkStep step = this.transactions.inTransaction("cancel pending jobs", "jobs", (connection) -> {
			List<StepJob> jobs = this.queries.stepJobs(connection, pending, upTo);
			if (jobs.isEmpty()) {
				return new BulkStep(0, 0, null);
			}
			Cancelled cancelled = cancel(this.transactions, connection,
					jobs.stream().map((job) -> job.id().value()).toList());
			awaited.addAll(cancelled.awaited());
			return new BulkStep(cancelled.count(), jobs.size() - cancelled.count(), jobs.get(jobs.size() - 1).id(),
					cancelled.jobs());
		});
		this.wakeUps.finished(awaited);
		return step;
	}

	BulkStep retryStep(JobQuery query, JobId upTo) {
		Objects.requireNonNull(upTo, "upTo");
		if (!query.matchesStatus(JobStatus.DEAD)) {
			return new BulkStep(0, 0, null);
		}
		JobQuery dead = query.status(JobStatus.DEAD);
		for (int round = 1;; round++) {
			try {
				BulkStep step = this.transactions.transaction((connection) -> retryOnce(connection, dead, upTo));
				if (step.changed() > 0) {
					this.wakeUps.afterCommit();
				}
				return step;
			}
			catch (SQLException ex) {
				// A concurrent enqueue took a key between the check and the update: the step was
				// undone, and made again it sees that job and skips the dead one.
				if (!JdbcTransactions.isUniqueViolation(ex) || round == RETRY_ROUNDS) {
					throw this.transactions.translate("retry dead jobs", "jobs", ex);
				}
			}
		}
	}

	private BulkStep retryOnce(Connection connection, JobQuery dead, JobId upTo) throws SQLException {
		List<StepJob> jobs = this.queries.stepJobs(connection, dead, upTo);
		if (jobs.isEmpty()) {
			return new BulkStep(0, 0, null);
		}
		Set<String> taken = activeKeys(connection,
				jobs.stream().map(StepJob::uniqueKey).filter(Objects::nonNull).distinct().toList());
		List<UUID> chosen = new ArrayList<>();
		for (StepJob job : jobs) {
			// The first dead job of a key free now takes it; the later ones are skipped.
			if (job.uniqueKey() == null || taken.add(job.uniqueKey())) {
				chosen.add(job.id().value());
			}
		}
		int retried = 0;
		if (!chosen.isEmpty()) {
			try (PreparedStatement ps = this.transactions.prepare(connection, "retry-jobs")) {
				ps.setArray(1, this.transactions.array(connection, ColumnType.UUID, chosen));
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						retried++;
					}
				}
			}
		}
		if (retried > 0) {
			JdbcClaims.requeueKeys(this.transactions, connection, chosen);
			this.wakeUps.beforeCommit(connection);
		}
		return new BulkStep(retried, jobs.size() - retried, jobs.get(jobs.size() - 1).id());
	}

	private Set<String> activeKeys(Connection connection, List<String> keys) throws SQLException {
		Set<String> active = new HashSet<>();
		if (keys.isEmpty()) {
			return active;
		}
		try (PreparedStatement ps = this.transactions.prepare(connection, "active-keys")) {
			ps.setArray(1, this.transactions.array(connection, ColumnType.TEXT, keys));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					active.add(rs.getString("unique_key"));
				}
			}
		}
		return active;
	}

	/**
	 * Cancels those of the jobs that are {@code PENDING}, in the connection's transaction
	 * (the caller's, for {@code ClaimStore#cancel}).
	 * @return which were cancelled, and which of them are awaited
	 */
	static Cancelled cancel(JdbcTransactions transactions, Connection connection, Collection<UUID> ids)
			throws SQLException {
		List<BulkStep.ChangedJob> cancelled = new ArrayList<>();
		List<JobId> awaited = new ArrayList<>();
		try (PreparedStatement ps = transactions.prepare(connection, "cancel-jobs")) {
			ps.setArray(1, transactions.array(connection, ColumnType.UUID, ids));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					JobId id = new JobId(JdbcRows.uuid(rs, "id"));
					cancelled.add(new BulkStep.ChangedJob(id, rs.getString("task"), rs.getString("queue")));
					if (rs.getBoolean("awaited")) {
						awaited.add(id);
					}
				}
			}
		}
		return new Cancelled(cancelled, awaited);
	}

	/**
	 * What a cancel did.
	 *
	 * @param jobs the jobs it cancelled
	 * @param awaited the cancelled jobs someone awaits
	 */
	record Cancelled(List<BulkStep.ChangedJob> jobs, List<JobId> awaited) {

		int count() {
			return this.jobs.size();
		}

	}

}
