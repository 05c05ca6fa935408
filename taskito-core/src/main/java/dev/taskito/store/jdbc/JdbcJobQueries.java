package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.store.JobCounts;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;

/**
 * Jobs as operators look for them: list, count and find the newest of those a
 * {@link JobQuery} matches, count the pending, running and dead ones per task and queue, and
 * find what a bulk step looks at, each as the {@link dev.taskito.store.ClaimStore} method of
 * the same name promises.
 *
 * <p>Every read is one statement in auto-commit, so a page is one consistent moment. The
 * statements are served by {@code jobs_listing} (status, task, queue, id), on PostgreSQL by
 * {@code jobs_listing_not_running} and {@code jobs_running}; each dialect's query file says how. A query's {@code after} becomes the lowest id to read (the next one up, as
 * {@link JobId} orders them unsigned, which PostgreSQL's and H2's {@code uuid} order agree
 * with), so every statement reads an inclusive id range.
 */
final class JdbcJobQueries {

	private static final UUID LOWEST_ID = new UUID(0, 0);

	private static final UUID HIGHEST_ID = new UUID(-1L, -1L);

	private static final List<String> ALL_STATUSES = Arrays.stream(JobStatus.values()).map(JobStatus::name).toList();

	private final JdbcTransactions transactions;

	JdbcJobQueries(JdbcTransactions transactions) {
		this.transactions = transactions;
	}

	List<JobView> jobs(JobQuery query) {
		return this.transactions.withAutoCommit("list jobs", "jobs", (connection) -> {
			List<JobView> page = new ArrayList<>();
			try (PreparedStatement ps = this.transactions.prepare(connection, "list-jobs")) {
				if (!bind(connection, ps, query, null, query.limit())) {
					return page;
				}
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						page.add(JdbcRows.jobView(rs));
					}
				}
			}
			return page;
		});
	}

	long count(JobQuery query) {
		return this.transactions.withAutoCommit("count jobs", "jobs", (connection) -> {
			try (PreparedStatement ps = this.transactions.prepare(connection, "count-jobs")) {
				if (!bind(connection, ps, query, null, query.limit())) {
					return 0L;
				}
				try (ResultSet rs = ps.executeQuery()) {
					return rs.next() ? rs.getLong("n") : 0L;
				}
			}
		});
	}

	Optional<JobId> newestId(JobQuery query) {
		return this.transactions.withAutoCommit("find the newest job", "jobs", (connection) -> {
			try (PreparedStatement ps = this.transactions.prepare(connection, "newest-job")) {
				bind(connection, ps, query.after(null), null, 1);
				try (ResultSet rs = ps.executeQuery()) {
					return rs.next() ? Optional.of(new JobId(JdbcRows.uuid(rs, "id"))) : Optional.<JobId>empty();
				}
			}
		});
	}

	List<JobCounts> jobCounts() {
		return this.transactions.withAutoCommit("count jobs", "jobs", (connection) -> {
			List<JobCounts> counts = new ArrayList<>();
			try (PreparedStatement ps = this.transactions.prepare(connection, "job-counts");
					ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					counts.add(new JobCounts(rs.getString("task"), rs.getString("queue"), rs.getLong("pending"),
							rs.getLong("running"), rs.getLong("dead")));
				}
			}
			return counts;
		});
	}

	/**
	 * The jobs one bulk step looks at: those matching the query with an id above its
	 * {@code after} and at most {@code upTo}, the first {@code limit} of them by id.
	 * @param connection the step's connection, in its transaction
	 * @return the jobs in id order, possibly none
	 */
	List<StepJob> stepJobs(Connection connection, JobQuery query, JobId upTo) throws SQLException {
		List<StepJob> jobs = new ArrayList<>();
		try (PreparedStatement ps = this.transactions.prepare(connection, "list-step")) {
			if (!bind(connection, ps, query, upTo, query.limit())) {
				return jobs;
			}
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					jobs.add(new StepJob(new JobId(JdbcRows.uuid(rs, "id")), rs.getString("unique_key")));
				}
			}
		}
		return jobs;
	}

	/**
	 * Binds a query the way every listing statement takes it.
	 * @param upTo the highest id to read, or {@code null} for no bound
	 * @param limit the most jobs to read per page
	 * @return {@code false} when nothing can follow the query's {@code after} (it is the
	 *         highest id there is), and the statement need not run
	 */
	private boolean bind(Connection connection, PreparedStatement ps, JobQuery query, JobId upTo, int limit)
			throws SQLException {
		UUID from = LOWEST_ID;
		if (query.after() != null) {
			if (query.after().value().equals(HIGHEST_ID)) {
				return false;
			}
			from = next(query.after().value());
		}
		List<String> statuses = new ArrayList<>(query.statuses().isEmpty() ? ALL_STATUSES
				: query.statuses().stream().map(JobStatus::name).sorted().toList());
		// A keyed job waiting in its key is stored as KEYED and shown as PENDING.
		if (statuses.contains(JobStatus.PENDING.name())) {
			statuses.add(JdbcRows.KEYED);
		}
		int i = 0;
		ps.setArray(++i, this.transactions.array(connection, ColumnType.TEXT, statuses));
		ps.setString(++i, query.task());
		ps.setString(++i, query.queue());
		ps.setObject(++i, from);
		ps.setObject(++i, (upTo != null) ? upTo.value() : HIGHEST_ID);
		setInstant(ps, ++i, query.dueFrom());
		setInstant(ps, ++i, query.dueBefore());
		ps.setInt(++i, limit);
		return true;
	}

	private static void setInstant(PreparedStatement ps, int index, Instant instant) throws SQLException {
		if (instant == null) {
			ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
		}
		else {
			ps.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
		}
	}

	/**
	 * @return the id right after {@code id} in unsigned order
	 */
	static UUID next(UUID id) {
		long low = id.getLeastSignificantBits() + 1;
		long high = (low == 0) ? id.getMostSignificantBits() + 1 : id.getMostSignificantBits();
		return new UUID(high, low);
	}

	/**
	 * A job a bulk step looks at.
	 *
	 * @param id its id
	 * @param uniqueKey its unique key, or {@code null}
	 */
	record StepJob(JobId id, String uniqueKey) {

	}

}
