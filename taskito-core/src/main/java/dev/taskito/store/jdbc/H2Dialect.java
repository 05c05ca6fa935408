package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import dev.taskito.JobId;
import dev.taskito.store.ClaimedJob;

/**
 * H2, for one process: a claim reads each task's best due jobs, locks them by id with
 * {@code FOR UPDATE SKIP LOCKED}, and moves the chosen ones to {@code RUNNING} in the same
 * transaction; capped claims are serialised by a lock in the JVM and count the caps' claims
 * first; wake-ups are an in-JVM broadcast between the stores on one database.
 */
public final class H2Dialect implements JdbcDialect {

	private static final Map<String, Lock> CAP_GATES = new ConcurrentHashMap<>();

	/** Extra candidates read per task and queue, for those that concurrent claimers hold. */
	private static final int CANDIDATE_SLACK = 16;

	private static final Comparator<Candidate> CLAIM_ORDER = Comparator.comparingInt(Candidate::priority)
		.reversed()
		.thenComparing(Candidate::runAt)
		.thenComparing(Candidate::id);

	@Override
	public String name() {
		return "h2";
	}

	@Override
	public boolean supports(String databaseProductName) {
		return "H2".equalsIgnoreCase(databaseProductName);
	}

	@Override
	public String arrayElementType(ColumnType type) {
		return switch (type) {
			case UUID -> "UUID";
			case TEXT -> "VARCHAR";
			case INT -> "INTEGER";
			case BIGINT -> "BIGINT";
		};
	}

	@Override
	public void lockSchema(Connection connection, JdbcStatements statements, String tablePrefix) {
		// One process opens an H2 database, and the store serialises schema creation within
		// the JVM.
	}

	@Override
	public boolean isContention(SQLException ex) {
		// LOCK_TIMEOUT_1 (50200), DEADLOCK_1 (40001), and a duplicate claim row (23505) from a
		// row claimed by a transaction that committed while this one was choosing.
		String state = ex.getSQLState();
		return ex.getErrorCode() == 50200 || "HYT00".equals(state) || "40001".equals(state)
				|| "23505".equals(state);
	}

	@Override
	public boolean isMissingTable(SQLException ex) {
		return ex.getErrorCode() == 42102 || ex.getErrorCode() == 42104 || "42S02".equals(ex.getSQLState());
	}

	/**
	 * One lock per database and table prefix, shared by every store in the JVM: H2 is opened
	 * by one process, so it serialises every capped claim on that database.
	 */
	@Override
	public Lock capGate(String jdbcUrl, String tablePrefix) {
		return CAP_GATES.computeIfAbsent(jdbcUrl + "|" + tablePrefix, (key) -> new ReentrantLock());
	}

	@Override
	public List<ClaimedJob> claim(Connection connection, JdbcStatements statements, ClaimPlan requested)
			throws SQLException {
		// Under the store's cap gate, so no other capped claim commits between this count and
		// this claim's commit.
		ClaimPlan plan = requested.isCapped() ? withinCaps(connection, statements, requested) : requested;
		if (plan.taskLimits().isEmpty() || plan.queues().isEmpty()) {
			return List.of();
		}
		List<Candidate> candidates = new ArrayList<>();
		try (PreparedStatement ps = connection.prepareStatement(statements.get("claim-candidates"))) {
			for (ClaimPlan.Quota quota : plan.quotas()) {
				ps.setString(1, quota.task());
				ps.setString(2, quota.queue());
				// Room for candidates that concurrent claimers lock first.
				ps.setInt(3, quota.limit() + Math.max(quota.limit(), CANDIDATE_SLACK));
				List<Candidate> read = new ArrayList<>();
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						read.add(new Candidate(new JobId(JdbcRows.uuid(rs, "id")), rs.getString("task"),
								rs.getString("queue"), rs.getInt("priority"), JdbcRows.instant(rs, "run_at")));
					}
				}
				candidates.addAll(lock(connection, statements, read, quota.limit()));
			}
		}
		List<UUID> chosen = choose(candidates, plan);
		if (chosen.isEmpty()) {
			return List.of();
		}
		Set<UUID> updated = new HashSet<>();
		try (PreparedStatement ps = connection.prepareStatement(statements.get("claim-jobs"))) {
			ps.setArray(1, JdbcRows.array(connection, this, ColumnType.UUID, chosen));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					updated.add(JdbcRows.uuid(rs, "id"));
				}
			}
		}
		List<UUID> ids = chosen.stream().filter(updated::contains).toList();
		List<UUID> tokens = ids.stream().map((id) -> UUID.randomUUID()).toList();
		try (PreparedStatement ps = connection.prepareStatement(statements.get("claim-insert"))) {
			ps.setString(1, plan.instanceId());
			ps.setObject(2, plan.batchId());
			ps.setLong(3, plan.leaseMillis());
			ps.setArray(4, JdbcRows.array(connection, this, ColumnType.UUID, ids));
			ps.setArray(5, JdbcRows.array(connection, this, ColumnType.UUID, tokens));
			ps.executeUpdate();
		}
		return JdbcClaims.claimedJobs(connection, statements, plan, ids);
	}

	private ClaimPlan withinCaps(Connection connection, JdbcStatements statements, ClaimPlan plan)
			throws SQLException {
		Map<String, Integer> byTask = new HashMap<>();
		Map<String, Integer> byQueue = new HashMap<>();
		try (PreparedStatement ps = connection.prepareStatement(statements.get("count-claims"))) {
			ps.setArray(1, JdbcRows.array(connection, this, ColumnType.TEXT, plan.taskCaps().keySet()));
			ps.setArray(2, JdbcRows.array(connection, this, ColumnType.TEXT, plan.queueCaps().keySet()));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					("T".equals(rs.getString("kind")) ? byTask : byQueue).put(rs.getString("name"), rs.getInt("claims"));
				}
			}
		}
		return plan.withinCaps(byTask, byQueue);
	}

	/**
	 * Locks the best of the candidates that no one else holds, at most {@code limit}.
	 */
	private List<Candidate> lock(Connection connection, JdbcStatements statements, List<Candidate> candidates,
			int limit) throws SQLException {
		if (candidates.isEmpty()) {
			return candidates;
		}
		Set<UUID> locked = new HashSet<>();
		try (PreparedStatement ps = connection.prepareStatement(statements.get("claim-lock"))) {
			ps.setArray(1, JdbcRows.array(connection, this, ColumnType.UUID,
					candidates.stream().map((candidate) -> candidate.id().value()).toList()));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					locked.add(JdbcRows.uuid(rs, "id"));
				}
			}
		}
		// Rows locked beyond the limit stay locked until commit, which is harmless: this
		// transaction ends in a moment.
		return candidates.stream().filter((candidate) -> locked.contains(candidate.id().value())).limit(limit).toList();
	}

	/**
	 * Applies the task, queue and overall limits to the locked candidates, best first.
	 */
	private static List<UUID> choose(List<Candidate> candidates, ClaimPlan plan) {
		candidates.sort(CLAIM_ORDER);
		Map<String, Integer> perQueue = new HashMap<>();
		Map<String, Integer> perTask = new HashMap<>();
		List<UUID> chosen = new ArrayList<>();
		for (Candidate candidate : candidates) {
			if (chosen.size() == plan.limit()) {
				break;
			}
			int queueTaken = perQueue.getOrDefault(candidate.queue(), 0);
			int taskTaken = perTask.getOrDefault(candidate.task(), 0);
			if (queueTaken < plan.queueLimits().getOrDefault(candidate.queue(), plan.limit())
					&& taskTaken < plan.taskLimits().get(candidate.task())) {
				perQueue.put(candidate.queue(), queueTaken + 1);
				perTask.put(candidate.task(), taskTaken + 1);
				chosen.add(candidate.id().value());
			}
		}
		return chosen;
	}

	@Override
	public WakeUpChannel wakeUpChannel(DataSource dataSource, JdbcStatements statements, String jdbcUrl,
			String tablePrefix) {
		return LocalWakeUpChannel.join(jdbcUrl + "|" + tablePrefix);
	}

	private record Candidate(JobId id, String task, String queue, int priority, Instant runAt) {

	}

}
