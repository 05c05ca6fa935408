package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import javax.sql.DataSource;

import dev.taskito.JobId;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.FinishAndClaim;
import dev.taskito.store.Outcome;

/**
 * PostgreSQL: a claim is one round trip (the advisory locks of its caps, then one statement
 * with {@code FOR UPDATE SKIP LOCKED} in a data-modifying CTE that counts what the caps
 * leave room for), batches travel as arrays, schema creation is serialised with an advisory
 * lock, and wake-ups are {@code NOTIFY}/{@code LISTEN}.
 */
public final class PostgresDialect implements JdbcDialect {

	/** A claim on its own commits without waiting for the WAL flush; see queries-postgresql.sql. */
	private static final String ASYNCHRONOUS_COMMIT = "off";

	@Override
	public String name() {
		return "postgresql";
	}

	@Override
	public boolean supports(String databaseProductName) {
		return "PostgreSQL".equalsIgnoreCase(databaseProductName);
	}

	@Override
	public String arrayElementType(ColumnType type) {
		return switch (type) {
			case UUID -> "uuid";
			case TEXT -> "text";
			case INT -> "int4";
			case BIGINT -> "int8";
		};
	}

	@Override
	public void lockSchema(Connection connection, JdbcStatements statements, String tablePrefix)
			throws SQLException {
		// CREATE ... IF NOT EXISTS is not safe against a concurrent CREATE of the same name
		// (both can pass the check); instances starting together take turns instead.
		try (PreparedStatement ps = connection.prepareStatement(statements.get("schema-lock"))) {
			ps.setLong(1, ("taskito-schema:" + tablePrefix).hashCode());
			ps.execute();
		}
	}

	/**
	 * A session-level advisory lock: every instance runs the purge each minute, and one at a
	 * time is enough.
	 */
	@Override
	public boolean tryLockPurge(Connection connection, JdbcStatements statements, String tablePrefix)
			throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement(statements.get("purge-lock"))) {
			ps.setLong(1, purgeLockKey(tablePrefix));
			try (ResultSet rs = ps.executeQuery()) {
				return rs.next() && rs.getBoolean(1);
			}
		}
	}

	@Override
	public void unlockPurge(Connection connection, JdbcStatements statements, String tablePrefix)
			throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement(statements.get("purge-unlock"))) {
			ps.setLong(1, purgeLockKey(tablePrefix));
			ps.execute();
		}
	}

	private static long purgeLockKey(String tablePrefix) {
		return ("taskito-purge:" + tablePrefix).hashCode();
	}

	@Override
	public boolean isContention(SQLException ex) {
		String state = ex.getSQLState();
		// deadlock_detected, serialization_failure, lock_not_available
		return "40P01".equals(state) || "40001".equals(state) || "55P03".equals(state);
	}

	@Override
	public boolean isMissingTable(SQLException ex) {
		return "42P01".equals(ex.getSQLState());
	}

	@Override
	public boolean gaugesInOneStatement() {
		return true;
	}

	@Override
	public boolean claimsInOneRoundTrip() {
		return true;
	}

	@Override
	public List<ClaimedJob> claim(Connection connection, JdbcStatements statements, ClaimPlan plan)
			throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement(
				statements.joined("plan-settings", "claim-locks", "claim-jobs"))) {
			bindClaim(connection, ps, 0, plan, ASYNCHRONOUS_COMMIT);
			// The plan setting and the locks answer first; the claimed jobs come third.
			return rowsOfStatement(ps, 3, JdbcRows::claimedJob).get(0);
		}
	}

	/**
	 * Binds the parameters of claim-locks and claim-jobs.
	 * @param before how many parameters come before them
	 * @param synchronousCommit the claim's {@code synchronous_commit}, or {@code null} for
	 *        the server's
	 */
	private void bindClaim(Connection connection, PreparedStatement ps, int before, ClaimPlan plan,
			String synchronousCommit) throws SQLException {
		// Tasks and queues with a cap but no limit of their own are limited by the overall limit.
		Map<String, Integer> queueLimits = new TreeMap<>(plan.queueLimits());
		plan.queueCaps().keySet().forEach((queue) -> queueLimits.putIfAbsent(queue, plan.limit()));
		int i = before;
		List<ClaimPlan.CapLock> locks = plan.capLocks();
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.BIGINT,
				locks.stream().map(ClaimPlan.CapLock::key).toList()));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT,
				locks.stream().map(ClaimPlan.CapLock::task).toList()));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT,
				locks.stream().map(ClaimPlan.CapLock::queue).toList()));
		ps.setString(++i, synchronousCommit);
		Map<String, Integer> taskLimits = plan.taskLimits();
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT, taskLimits.keySet()));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.INT, taskLimits.values()));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.INT,
				taskLimits.keySet().stream().map(plan.taskCaps()::get).toList()));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT, queueLimits.keySet()));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.INT, queueLimits.values()));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.INT,
				queueLimits.keySet().stream().map(plan.queueCaps()::get).toList()));
		List<ClaimPlan.Quota> quotas = plan.quotas();
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT,
				quotas.stream().map(ClaimPlan.Quota::task).toList()));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT,
				quotas.stream().map(ClaimPlan.Quota::queue).toList()));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.INT,
				quotas.stream().map(ClaimPlan.Quota::limit).toList()));
		ps.setInt(++i, plan.limit());
		ps.setString(++i, plan.instanceId());
		ps.setObject(++i, plan.batchId());
		ps.setLong(++i, plan.leaseMillis());
	}

	@Override
	public boolean finishesInOneRoundTrip() {
		return true;
	}

	@Override
	public Set<ClaimRef> finish(Connection connection, JdbcStatements statements, Collection<Outcome> outcomes,
			boolean wakeOthers) throws SQLException {
		try (PreparedStatement ps = connection
			.prepareStatement(statements.joined("plan-settings", finishStatement(outcomes)))) {
			bindFinish(connection, ps, outcomes, wakeOthers);
			// The plan setting answers first; the released claims come second.
			return new LinkedHashSet<>(rowsOfStatement(ps, 2, PostgresDialect::claimRef).get(0));
		}
	}

	@Override
	public FinishAndClaim finishAndClaim(Connection connection, JdbcStatements statements,
			Collection<Outcome> outcomes, boolean wakeOthers, ClaimPlan plan) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement(
				statements.joined("plan-settings", finishStatement(outcomes), "claim-locks", "claim-jobs"))) {
			int bound = bindFinish(connection, ps, outcomes, wakeOthers);
			// One transaction: the claim commits as durably as the outcomes must.
			bindClaim(connection, ps, bound, plan, null);
			List<List<Object>> rows = rowsOfStatements(ps, Map.of(2, PostgresDialect::claimRef, 4,
					JdbcRows::claimedJob));
			Set<ClaimRef> recorded = new LinkedHashSet<>();
			rows.get(0).forEach((row) -> recorded.add((ClaimRef) row));
			List<ClaimedJob> claimed = rows.get(1).stream().map(ClaimedJob.class::cast).toList();
			return new FinishAndClaim(recorded, claimed, null);
		}
	}

	/**
	 * The finish statement for some outcomes: the one that puts retried keyed jobs back in
	 * their keys' round only when an outcome is a retry, since its write to job_keys costs
	 * every execution its setting up, whether or not it writes a row.
	 * @return the statement's name
	 */
	static String finishStatement(Collection<Outcome> outcomes) {
		for (Outcome outcome : outcomes) {
			if (outcome instanceof Outcome.Failed failed && failed.retryDelay() != null) {
				return "finish-jobs-requeueing";
			}
		}
		return "finish-jobs";
	}

	/**
	 * Binds the parameters of finish-jobs (or finish-jobs-requeueing), the first ones of its statement.
	 * @return how many parameters it bound
	 */
	private int bindFinish(Connection connection, PreparedStatement ps, Collection<Outcome> outcomes,
			boolean wakeOthers) throws SQLException {
		List<UUID> ids = new ArrayList<>();
		List<UUID> tokens = new ArrayList<>();
		JdbcRows.OutcomeColumns columns = new JdbcRows.OutcomeColumns();
		for (Outcome outcome : outcomes) {
			ids.add(outcome.claim().jobId().value());
			tokens.add(outcome.claim().token());
			columns.add(outcome);
		}
		int i = 0;
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.UUID, ids));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.UUID, tokens));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT, columns.kinds));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT, columns.bodies));
		ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.BIGINT, columns.delays));
		ps.setBoolean(++i, wakeOthers);
		return i;
	}

	private static ClaimRef claimRef(ResultSet rs) throws SQLException {
		return new ClaimRef(new JobId(JdbcRows.uuid(rs, "job_id")), JdbcRows.uuid(rs, "claim_token"));
	}

	/**
	 * Runs a prepared statement that holds several statements and reads the rows of one of
	 * them.
	 * @param statement which statement's rows to read, from 1
	 * @return a list holding that statement's rows
	 */
	private static <T> List<List<T>> rowsOfStatement(PreparedStatement ps, int statement, RowReader<T> reader)
			throws SQLException {
		List<List<Object>> rows = rowsOfStatements(ps, Map.of(statement, reader));
		@SuppressWarnings("unchecked")
		List<List<T>> typed = (List<List<T>>) (List<?>) rows;
		return typed;
	}

	/**
	 * Runs a prepared statement that holds several statements and reads the rows of some.
	 * @param readers a reader for each statement to read, by its place from 1
	 * @return the rows of each statement read, in the order of their places
	 */
	private static List<List<Object>> rowsOfStatements(PreparedStatement ps,
			Map<Integer, RowReader<?>> readers) throws SQLException {
		Map<Integer, List<Object>> read = new TreeMap<>();
		boolean isResultSet = ps.execute();
		for (int result = 1; read.size() < readers.size(); result++) {
			if (!isResultSet && ps.getUpdateCount() == -1) {
				throw new SQLException("Expected rows from statements " + readers.keySet() + ", found " + result);
			}
			RowReader<?> reader = readers.get(result);
			if (isResultSet && reader != null) {
				List<Object> rows = new ArrayList<>();
				try (ResultSet rs = ps.getResultSet()) {
					while (rs.next()) {
						rows.add(reader.read(rs));
					}
				}
				read.put(result, rows);
			}
			if (read.size() < readers.size()) {
				isResultSet = ps.getMoreResults();
			}
		}
		return new ArrayList<>(read.values());
	}

	@FunctionalInterface
	private interface RowReader<T> {

		T read(ResultSet rs) throws SQLException;

	}

	@Override
	public WakeUpChannel wakeUpChannel(DataSource dataSource, JdbcStatements statements, String jdbcUrl,
			String tablePrefix) {
		return new PostgresWakeUpChannel(dataSource, statements, tablePrefix + "wakeup", tablePrefix + "finished");
	}

}
