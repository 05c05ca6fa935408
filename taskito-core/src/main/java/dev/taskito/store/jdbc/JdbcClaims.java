package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.Lock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.JobId;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.FinishAndClaim;
import dev.taskito.store.StoreUnavailableException;
import dev.taskito.store.Outcome;
import dev.taskito.store.Reschedule;
import dev.taskito.store.TaskKey;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;
import dev.taskito.store.jdbc.JdbcTransactions.SqlWork;

/**
 * The dispatcher's path through the claims table: claim jobs, recover a claim whose outcome
 * is unknown, count claims, roll claims back and record outcomes, each as the
 * {@link dev.taskito.store.ClaimStore} method of the same name promises.
 *
 * <p>Every transition is one transaction on the plain DataSource, or one round trip that
 * commits on its own where the dialect offers it: a claim moves jobs to {@code RUNNING} and
 * writes their claims together; a rollback or an outcome deletes the claims whose job and
 * token both match and changes exactly those jobs. A claim that meets a concurrent claimer
 * takes nothing; any other failure rolls the transaction back and is translated as
 * {@link JdbcTransactions} does. Counting is a statement of its own in auto-commit, never
 * part of a claim's transaction, so that it sees every claim committed before it (see
 * DESIGN.md, "The dispatch flow"). Wake-ups for freed slots go out with the commit.
 *
 * <p>Keyed jobs (caps per key) are claimed first, by {@link JdbcKeyedClaims}; the unkeyed
 * claim then takes what they left of the request.
 */
final class JdbcClaims {

	// Logged under the store's name, which is what users configure.
	private static final Logger logger = LoggerFactory.getLogger(JdbcClaimStore.class);

	private final JdbcTransactions transactions;

	private final JdbcDialect dialect;

	private final JdbcStatements sql;

	private final WakeUpChannel wakeUps;

	/** Serialises capped claims in this JVM where the dialect takes no database lock for them. */
	private final Lock capGate;

	private final String tablePrefix;

	/** The claim of keyed jobs, made before the unkeyed claim of the same request. */
	private final JdbcKeyedClaims keyedClaims;

	JdbcClaims(JdbcTransactions transactions, JdbcDialect dialect, JdbcStatements sql, WakeUpChannel wakeUps,
			Lock capGate, String tablePrefix, JdbcKeyedClaims keyedClaims) {
		this.transactions = transactions;
		this.dialect = dialect;
		this.sql = sql;
		this.wakeUps = wakeUps;
		this.capGate = capGate;
		this.tablePrefix = tablePrefix;
		this.keyedClaims = keyedClaims;
	}

	List<ClaimedJob> claim(ClaimRequest request, UUID batchId) {
		ClaimPlan plan = plan(request, batchId);
		if (plan == null) {
			return List.of();
		}
		// Keyed jobs first, in a transaction of their own: the unkeyed claim then takes what
		// they left of the request (see docs/engine.md, "Caps per key").
		List<ClaimedJob> keyed = this.keyedClaims.isKeyedClaimDue()
				? this.keyedClaims.claimKeyed(request, plan, List.of()) : List.of();
		if (keyed.isEmpty()) {
			return claimUnkeyed(request, plan);
		}
		ClaimPlan rest = plan.after(keyed);
		if (rest == null) {
			return keyed;
		}
		List<ClaimedJob> all = new ArrayList<>(keyed);
		all.addAll(claimUnkeyed(request, rest));
		return all;
	}

	private List<ClaimedJob> claimUnkeyed(ClaimRequest request, ClaimPlan plan) {
		boolean gated = plan.isCapped() && this.capGate != null;
		if (gated) {
			this.capGate.lock();
		}
		try {
			SqlWork<List<ClaimedJob>> claim = (connection) -> this.dialect.claim(connection, this.sql, plan);
			return this.dialect.claimsInOneRoundTrip() ? this.transactions.autoCommitted(claim)
					: this.transactions.transaction(claim);
		}
		catch (SQLException ex) {
			if (this.dialect.isContention(ex)) {
				// Another claimer held what this one reached for: nothing this time, the
				// next pass tries again.
				logger.debug("Claim for instance {} met a concurrent claim and took nothing", request.instanceId(),
						ex);
				return List.of();
			}
			throw this.transactions.translate("claim jobs", "jobs", ex);
		}
		finally {
			// Released after the commit: the next capped claimer counts this one's claims.
			if (gated) {
				this.capGate.unlock();
			}
		}
	}

	/**
	 * @return the request normalised, or {@code null} when it can yield no job
	 */
	private ClaimPlan plan(ClaimRequest request, UUID batchId) {
		Objects.requireNonNull(batchId, "batchId");
		Map<String, Integer> queueLimits = new TreeMap<>(request.queueLimits());
		List<String> queues = request.queues()
			.stream()
			.filter((queue) -> queueLimits.getOrDefault(queue, 1) > 0)
			.sorted()
			.toList();
		// A stable task order keeps concurrent claimers locking in the same order.
		Map<String, Integer> taskLimits = new TreeMap<>();
		request.taskLimits().forEach((task, limit) -> {
			if (limit > 0) {
				taskLimits.put(task, Math.min(limit, request.limit()));
			}
		});
		if (queues.isEmpty() || taskLimits.isEmpty()) {
			return null;
		}
		// Caps matter only for what this claim may take.
		Map<String, Integer> taskCaps = new TreeMap<>(request.taskCaps());
		taskCaps.keySet().retainAll(taskLimits.keySet());
		Map<String, Integer> queueCaps = new TreeMap<>(request.queueCaps());
		queueCaps.keySet().retainAll(queues);
		return new ClaimPlan(request.instanceId(), batchId, request.lease().toMillis(), request.limit(), queues,
				new LinkedHashMap<>(taskLimits), new LinkedHashMap<>(queueLimits), taskCaps, queueCaps,
				ClaimPlan.capLocks(this.tablePrefix, taskCaps, queueCaps, taskLimits.keySet(), queues));
	}

	/**
	 * Records outcomes and claims in one round trip, where the dialect can and the claim
	 * needs no lock in this JVM; when the database refuses the two together, records the
	 * outcomes alone and claims nothing.
	 * @return what was done, or {@code null} when the two cannot go in one round trip (the
	 *         caller makes them one after the other)
	 */
	FinishAndClaim finishAndClaimTogether(List<Outcome> outcomes, boolean wakeOthers, ClaimRequest request,
			UUID batchId) {
		ClaimPlan plan = plan(request, batchId);
		// Keyed jobs are claimed by a transaction of their own: outcomes and claim then go apart.
		if (plan == null || outcomes.isEmpty() || !this.dialect.finishesInOneRoundTrip()
				|| this.keyedClaims.isKeyedClaimDue() || (plan.isCapped() && this.capGate != null)) {
			return null;
		}
		Map<ClaimRef, Outcome> byClaim = new LinkedHashMap<>();
		outcomes.forEach((outcome) -> byClaim.putIfAbsent(outcome.claim(), outcome));
		try {
			return this.transactions.autoCommitted((connection) -> this.dialect.finishAndClaim(connection, this.sql,
					byClaim.values(), wakeOthers, plan));
		}
		catch (SQLException ex) {
			StoreUnavailableException unavailable = asUnavailable(ex);
			if (unavailable != null) {
				throw unavailable;
			}
			// Refused together (a concurrent claim met, an outcome the database rejects): the
			// outcomes alone, as a plain finish records them; nothing claimed this time.
			logger.debug("Recording outcomes with a claim failed; recording them alone", ex);
			return new FinishAndClaim(finish(outcomes, wakeOthers), List.of(), null);
		}
	}

	private StoreUnavailableException asUnavailable(SQLException ex) {
		RuntimeException translated = this.transactions.translate("record outcomes and claim jobs", "jobs", ex);
		return (translated instanceof StoreUnavailableException unavailable) ? unavailable : null;
	}

	List<ClaimedJob> recoverClaim(String instanceId, UUID batchId) {
		return this.transactions.withAutoCommit("recover a claim", "claims", (connection) -> {
			List<ClaimedJob> claimed = new ArrayList<>();
			try (PreparedStatement ps = this.transactions.prepare(connection, "recover-claim")) {
				ps.setString(1, instanceId);
				ps.setObject(2, batchId);
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						claimed.add(JdbcRows.claimedJob(rs));
					}
				}
			}
			return claimed;
		});
	}

	/**
	 * Reads back, in the claim's transaction, the jobs that one step of a claim took: the
	 * claim's batch may already hold jobs an earlier step of the same request claimed (keyed
	 * jobs are claimed first), so only the given ids are kept.
	 * @param connection the claim's connection
	 * @param statements the dialect's statements
	 * @param plan the claim's plan, whose instance and batch the claims carry
	 * @param ids the ids of the jobs this step claimed
	 * @return the claimed jobs among them, in the order recover-claim reads them
	 */
	static List<ClaimedJob> claimedJobs(Connection connection, JdbcStatements statements, ClaimPlan plan,
			Collection<UUID> ids) throws SQLException {
		Set<UUID> claimedIds = new HashSet<>(ids);
		List<ClaimedJob> claimed = new ArrayList<>();
		try (PreparedStatement ps = connection.prepareStatement(statements.get("recover-claim"))) {
			ps.setString(1, plan.instanceId());
			ps.setObject(2, plan.batchId());
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					ClaimedJob job = JdbcRows.claimedJob(rs);
					if (claimedIds.contains(job.id().value())) {
						claimed.add(job);
					}
				}
			}
		}
		return claimed;
	}

	ClaimCounts countClaims(Set<String> tasks, Set<String> queues) {
		if (tasks.isEmpty() && queues.isEmpty()) {
			return new ClaimCounts(Map.of(), Map.of());
		}
		// A statement of its own in auto-commit: it must see every claim committed before it.
		return this.transactions.withAutoCommit("count claims", "claims", (connection) -> {
			Map<String, Integer> byTask = new HashMap<>();
			Map<String, Integer> byQueue = new HashMap<>();
			try (PreparedStatement ps = this.transactions.prepare(connection, "count-claims")) {
				ps.setArray(1, this.transactions.array(connection, ColumnType.TEXT, tasks));
				ps.setArray(2, this.transactions.array(connection, ColumnType.TEXT, queues));
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						Map<String, Integer> target = "T".equals(rs.getString("kind")) ? byTask : byQueue;
						target.put(rs.getString("name"), rs.getInt("claims"));
					}
				}
			}
			return new ClaimCounts(byTask, byQueue);
		});
	}

	ClaimCounts countClaims(Set<String> tasks, Set<String> queues, Set<TaskKey> keys) {
		if (keys.isEmpty()) {
			return countClaims(tasks, queues);
		}
		// One statement in auto-commit, as countClaims without keys: the post-claim check.
		return this.transactions.withAutoCommit("count claims", "claims", (connection) -> {
			Map<String, Integer> byTask = new HashMap<>();
			Map<String, Integer> byQueue = new HashMap<>();
			Map<TaskKey, Integer> byKey = new HashMap<>();
			List<TaskKey> keyList = List.copyOf(keys);
			try (PreparedStatement ps = this.transactions.prepare(connection, "count-claims-keys")) {
				ps.setArray(1, this.transactions.array(connection, ColumnType.TEXT, tasks));
				ps.setArray(2, this.transactions.array(connection, ColumnType.TEXT, queues));
				ps.setArray(3, this.transactions.array(connection, ColumnType.TEXT,
						keyList.stream().map(TaskKey::task).toList()));
				ps.setArray(4, this.transactions.array(connection, ColumnType.TEXT,
						keyList.stream().map(TaskKey::key).toList()));
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						String kind = rs.getString("kind");
						int claims = rs.getInt("claims");
						if ("K".equals(kind)) {
							byKey.put(new TaskKey(rs.getString("name"), rs.getString("ckey")), claims);
						}
						else {
							("T".equals(kind) ? byTask : byQueue).put(rs.getString("name"), claims);
						}
					}
				}
			}
			return new ClaimCounts(byTask, byQueue, byKey);
		});
	}

	/**
	 * Puts the keys of the given jobs that wait as {@code KEYED} back into their round, in the
	 * connection's transaction: every step that makes a job {@code KEYED} calls it.
	 */
	static void requeueKeys(JdbcTransactions transactions, Connection connection, Collection<UUID> ids)
			throws SQLException {
		if (ids.isEmpty()) {
			return;
		}
		try (PreparedStatement ps = transactions.prepare(connection, "requeue-keys")) {
			ps.setArray(1, transactions.array(connection, ColumnType.UUID, ids));
			ps.executeUpdate();
		}
	}

	Set<ClaimRef> rollback(List<Reschedule> reschedules) {
		if (reschedules.isEmpty()) {
			return Set.of();
		}
		Map<ClaimRef, Duration> delays = new LinkedHashMap<>();
		reschedules.forEach((reschedule) -> delays.putIfAbsent(reschedule.claim(), reschedule.delay()));
		return this.transactions.inTransaction("roll back claims", "claims", (connection) -> {
			Set<ClaimRef> released = deleteClaims(connection, delays.keySet());
			if (!released.isEmpty()) {
				List<UUID> ids = new ArrayList<>();
				List<Long> delayMicros = new ArrayList<>();
				for (ClaimRef claim : released) {
					ids.add(claim.jobId().value());
					delayMicros.add(JdbcRows.micros(delays.get(claim)));
				}
				try (PreparedStatement ps = this.transactions.prepare(connection, "rollback-jobs")) {
					ps.setArray(1, this.transactions.array(connection, ColumnType.UUID, ids));
					ps.setArray(2, this.transactions.array(connection, ColumnType.BIGINT, delayMicros));
					ps.executeUpdate();
				}
				requeueKeys(this.transactions, connection, ids);
			}
			return released;
		});
	}

	/**
	 * Wakes the other instances with nothing recorded: a notification of its own on
	 * PostgreSQL, in one auto-committed round trip; the listeners in this JVM on H2.
	 */
	void wakeOthers() {
		try {
			this.transactions.autoCommitted((connection) -> {
				this.wakeUps.beforeCommit(connection);
				return null;
			});
		}
		catch (SQLException ex) {
			throw this.transactions.translate("wake the other instances", "jobs", ex);
		}
		this.wakeUps.afterCommit();
	}

	Set<ClaimRef> finish(List<Outcome> outcomes, boolean wakeOthers) {
		if (outcomes.isEmpty()) {
			return Set.of();
		}
		Map<ClaimRef, Outcome> byClaim = new LinkedHashMap<>();
		outcomes.forEach((outcome) -> byClaim.putIfAbsent(outcome.claim(), outcome));
		if (this.dialect.finishesInOneRoundTrip()) {
			try {
				return this.transactions.autoCommitted(
						(connection) -> this.dialect.finish(connection, this.sql, byClaim.values(), wakeOthers));
			}
			catch (SQLException ex) {
				throw this.transactions.translate("record outcomes", "jobs", ex);
			}
		}
		List<JobId> awaited = new ArrayList<>();
		Set<ClaimRef> recorded = this.transactions.inTransaction("record outcomes", "jobs", (connection) -> {
			Set<ClaimRef> released = deleteClaims(connection, byClaim.keySet());
			if (released.isEmpty()) {
				return released;
			}
			List<UUID> ids = new ArrayList<>();
			JdbcRows.OutcomeColumns columns = new JdbcRows.OutcomeColumns();
			for (ClaimRef claim : released) {
				ids.add(claim.jobId().value());
				columns.add(byClaim.get(claim));
			}
			try (PreparedStatement ps = this.transactions.prepare(connection, "finish-jobs")) {
				ps.setArray(1, this.transactions.array(connection, ColumnType.UUID, ids));
				ps.setArray(2, this.transactions.array(connection, ColumnType.TEXT, columns.kinds));
				ps.setArray(3, this.transactions.array(connection, ColumnType.TEXT, columns.bodies));
				ps.setArray(4, this.transactions.array(connection, ColumnType.BIGINT, columns.delays));
				// The statement answers with the awaited jobs that finished: none, unless someone awaits.
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						awaited.add(new JobId(JdbcRows.uuid(rs, "id")));
					}
				}
			}
			requeueKeys(this.transactions, connection, ids);
			if (wakeOthers) {
				this.wakeUps.beforeCommit(connection);
			}
			return released;
		});
		if (wakeOthers && !recorded.isEmpty()) {
			this.wakeUps.afterCommit();
		}
		this.wakeUps.finished(awaited);
		return recorded;
	}

	/**
	 * Deletes the claims whose job and token both match: the fence of every write made on
	 * behalf of a claim.
	 * @return the claims that were still held, and are now gone
	 */
	private Set<ClaimRef> deleteClaims(Connection connection, Collection<ClaimRef> claims) throws SQLException {
		Set<ClaimRef> deleted = new LinkedHashSet<>();
		try (PreparedStatement ps = this.transactions.prepare(connection, "delete-claims")) {
			ps.setArray(1, this.transactions.array(connection, ColumnType.UUID,
					claims.stream().map((c) -> c.jobId().value()).toList()));
			ps.setArray(2, this.transactions.array(connection, ColumnType.UUID,
					claims.stream().map(ClaimRef::token).toList()));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					deleted.add(new ClaimRef(new JobId(JdbcRows.uuid(rs, "job_id")), JdbcRows.uuid(rs, "claim_token")));
				}
			}
		}
		return deleted;
	}

}
