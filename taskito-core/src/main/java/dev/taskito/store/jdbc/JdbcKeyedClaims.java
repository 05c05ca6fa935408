package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;

/**
 * The claim of keyed jobs (caps per key): jobs with a concurrency key wait as {@code KEYED},
 * where the unkeyed claim of {@link JdbcClaims} never looks, and are served round-robin from
 * {@code job_keys}, no key beyond its cap minus its claims (see docs/engine.md, "Caps per
 * key"). {@link JdbcClaims} claims keyed jobs through this class first, in a transaction of
 * their own, and takes the rest of the request unkeyed.
 *
 * <p>The claim holds the gate's locks for its transaction: PostgreSQL's advisory locks per
 * task with a cap per key and per capped task and queue, or on H2 the store's cap gate in
 * this JVM, the same gate {@link JdbcClaims} takes for capped claims. The round of keys moves
 * on afterwards, in a short transaction of its own, through {@link JdbcKeyRound}, which keeps
 * the round's order apart from the claim that reads it. A claim that meets a concurrent
 * claimer takes nothing; any other failure is translated as {@link JdbcTransactions} does.
 */
final class JdbcKeyedClaims {

	// Logged under the store's name, which is what users configure.
	private static final Logger logger = LoggerFactory.getLogger(JdbcClaimStore.class);

	private final JdbcTransactions transactions;

	private final JdbcDialect dialect;

	private final JdbcStatements sql;

	/** Serialises keyed claims in this JVM where the dialect takes no database lock for them. */
	private final Lock capGate;

	private final String tablePrefix;

	/** The round of keys, moved on after each claim. */
	private final JdbcKeyRound keyRound;

	/** How often a store whose last look found no keyed jobs looks again. */
	private static final long KEYED_PROBE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

	/** How many keys beyond its room a claim reads of a pair's round: keys it may find without due jobs. */
	private static final int KEYED_ROUND_SLACK = 16;

	private volatile boolean keyedSeen;

	private final AtomicLong keyedEnqueues = new AtomicLong();

	private volatile long keyedSeenAt = System.nanoTime() - KEYED_PROBE_INTERVAL_NANOS;

	JdbcKeyedClaims(JdbcTransactions transactions, JdbcDialect dialect, JdbcStatements sql, Lock capGate,
			String tablePrefix, JdbcKeyRound keyRound) {
		this.transactions = transactions;
		this.dialect = dialect;
		this.sql = sql;
		this.capGate = capGate;
		this.tablePrefix = tablePrefix;
		this.keyRound = keyRound;
	}

	/**
	 * Notes that keyed jobs were enqueued through this store: the next claim looks for them.
	 */
	void keyedJobsEnqueued() {
		this.keyedEnqueues.incrementAndGet();
		this.keyedSeen = true;
	}

	/**
	 * Whether the claim looks for keyed jobs this time: always while the last look found keys
	 * or this store enqueued some, else once per {@link #KEYED_PROBE_INTERVAL_NANOS}, so that
	 * a cluster without keyed work pays one more transaction per instance and interval, not
	 * per claim.
	 */
	boolean isKeyedClaimDue() {
		return this.keyedSeen || System.nanoTime() - this.keyedSeenAt >= KEYED_PROBE_INTERVAL_NANOS;
	}

	/**
	 * Claims keyed jobs within what the unkeyed claim left of the request, in one transaction:
	 * the gate's locks (PostgreSQL's advisory locks per task with a cap per key and per capped
	 * task and queue; on H2 the store's cap gate in this JVM), the claims of capped tasks and
	 * queues counted, then for each (task, queue) pair its keys with room, least lately served
	 * first, taking from each no more than its cap minus its claims; the keys served move to
	 * the back of the round, and keys left without waiting jobs leave it ({@link JdbcKeyRound}).
	 */
	List<ClaimedJob> claimKeyed(ClaimRequest request, ClaimPlan plan, List<ClaimedJob> taken) {
		int limit = plan.limit() - taken.size();
		if (limit <= 0) {
			return List.of();
		}
		Map<String, Integer> taskLimits = new TreeMap<>();
		plan.taskLimits().forEach((task, n) -> {
			int left = n - (int) taken.stream().filter((job) -> job.taskName().equals(task)).count();
			if (left > 0) {
				taskLimits.put(task, Math.min(left, limit));
			}
		});
		Map<String, Integer> queueLimits = new TreeMap<>();
		plan.queueLimits().forEach((queue, n) -> queueLimits.put(queue,
				n - (int) taken.stream().filter((job) -> job.queue().equals(queue)).count()));
		if (taskLimits.isEmpty()) {
			return List.of();
		}
		Map<String, Integer> keyCaps = new TreeMap<>(request.keyCaps());
		keyCaps.keySet().retainAll(taskLimits.keySet());
		// H2: every keyed claim in this JVM takes turns (it also keeps H2 from locking rows).
		boolean gated = this.capGate != null;
		if (gated) {
			this.capGate.lock();
		}
		long enqueues = this.keyedEnqueues.get();
		KeyedClaim result;
		try {
			result = this.sql.has("keyed-pick-claim") ? claimKeyedByPairs(plan, limit, taskLimits, queueLimits, keyCaps)
					: this.transactions.transaction((connection) -> claimKeyed(connection, plan, limit, taskLimits,
					queueLimits, keyCaps));
		}
		catch (SQLException ex) {
			if (this.dialect.isContention(ex)) {
				logger.debug("Keyed claim for instance {} met a concurrent claim and took nothing",
						request.instanceId(), ex);
				return List.of();
			}
			throw this.transactions.translate("claim jobs", "jobs", ex);
		}
		finally {
			if (gated) {
				this.capGate.unlock();
			}
		}
		this.keyRound.moveOn(result.visitedAfter());
		if (!result.keysSeen() && this.keyedEnqueues.get() == enqueues) {
			// Nothing keyed waits (and nothing was enqueued here meanwhile): look again later.
			this.keyedSeenAt = System.nanoTime();
			this.keyedSeen = false;
		}
		return result.claimed();
	}

	private KeyedClaim claimKeyed(Connection connection, ClaimPlan plan, int limit, Map<String, Integer> taskLimits,
			Map<String, Integer> queueLimits, Map<String, Integer> keyCaps) throws SQLException {
		if (this.capGate == null) {
			Set<Long> locks = new TreeSet<>();
			plan.capLocks().stream()
				.filter((lock) -> taskLimits.containsKey(lock.task()))
				.forEach((lock) -> locks.add(lock.key()));
			keyCaps.keySet().forEach((task) -> locks.add(ClaimPlan.keyLock(this.tablePrefix, task)));
			try (PreparedStatement ps = this.transactions.prepare(connection, "keyed-claim-locks")) {
				ps.setArray(1, this.transactions.array(connection, ColumnType.BIGINT, locks));
				ps.executeQuery().close();
			}
		}
		// Task and queue caps, counted under their locks as the unkeyed claim counts them.
		Map<String, Integer> taskCaps = new TreeMap<>(plan.taskCaps());
		taskCaps.keySet().retainAll(taskLimits.keySet());
		if (!taskCaps.isEmpty() || !plan.queueCaps().isEmpty()) {
			Map<String, Integer> byTask = new HashMap<>();
			Map<String, Integer> byQueue = new HashMap<>();
			try (PreparedStatement ps = this.transactions.prepare(connection, "count-claims")) {
				ps.setArray(1, this.transactions.array(connection, ColumnType.TEXT, taskCaps.keySet()));
				ps.setArray(2, this.transactions.array(connection, ColumnType.TEXT, plan.queueCaps().keySet()));
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						("T".equals(rs.getString("kind")) ? byTask : byQueue).put(rs.getString("name"),
								rs.getInt("claims"));
					}
				}
			}
			taskCaps.forEach((task, cap) -> taskLimits.merge(task, cap - byTask.getOrDefault(task, 0), Math::min));
			plan.queueCaps().forEach((queue, cap) -> queueLimits.merge(queue, cap - byQueue.getOrDefault(queue, 0),
					Math::min));
		}
		int left = limit;
		boolean keysSeen = false;
		List<UUID> chosen = new ArrayList<>();
		List<String[]> visited = new ArrayList<>();
		try (PreparedStatement round = this.transactions.prepare(connection, "keyed-round");
				PreparedStatement jobs = this.transactions.prepare(connection, "keyed-jobs")) {
			for (Map.Entry<String, Integer> entry : taskLimits.entrySet()) {
				String task = entry.getKey();
				Integer cap = keyCaps.get(task);
				for (String queue : plan.queues()) {
					int taskLeft = taskLimits.get(task);
					int queueLeft = queueLimits.getOrDefault(queue, left);
					if (left <= 0 || taskLeft <= 0 || queueLeft <= 0) {
						continue;
					}
					if (this.sql.has("keyed-pick")) {
						int n = Math.min(left, Math.min(taskLeft, queueLeft));
						int found = pick(connection, task, queue, cap, n, chosen, visited);
						keysSeen |= found >= 0;
						found = Math.max(found, 0);
						left -= found;
						taskLimits.merge(task, -found, Integer::sum);
						if (queueLimits.containsKey(queue)) {
							queueLimits.merge(queue, -found, Integer::sum);
						}
						continue;
					}
					Map<String, Integer> keys = new LinkedHashMap<>();
					round.setString(1, task);
					round.setString(2, queue);
					if (cap != null) {
						round.setInt(3, cap);
						round.setInt(4, cap);
					}
					else {
						round.setNull(3, Types.INTEGER);
						round.setNull(4, Types.INTEGER);
					}
					round.setInt(5, Math.min(left, Math.min(taskLeft, queueLeft)) + KEYED_ROUND_SLACK);
					try (ResultSet rs = round.executeQuery()) {
						while (rs.next()) {
							keys.put(rs.getString("concurrency_key"), rs.getInt("running"));
						}
					}
					keysSeen |= !keys.isEmpty();
					for (Map.Entry<String, Integer> key : keys.entrySet()) {
						int room = Math.min(left, Math.min(taskLimits.get(task), queueLimits.getOrDefault(queue, left)));
						if (cap != null) {
							// The gate: no more of a key than its cap minus its claims.
							room = Math.min(room, cap - key.getValue());
						}
						if (room <= 0) {
							if (left <= 0 || taskLimits.get(task) <= 0 || queueLimits.getOrDefault(queue, left) <= 0) {
								break;
							}
							continue;
						}
						visited.add(new String[] { task, queue, key.getKey() });
						jobs.setString(1, task);
						jobs.setString(2, queue);
						jobs.setString(3, key.getKey());
						jobs.setInt(4, room);
						int found = 0;
						try (ResultSet rs = jobs.executeQuery()) {
							while (rs.next()) {
								chosen.add(JdbcRows.uuid(rs, "id"));
								found++;
							}
						}
						left -= found;
						taskLimits.merge(task, -found, Integer::sum);
						if (queueLimits.containsKey(queue)) {
							queueLimits.merge(queue, -found, Integer::sum);
						}
					}
				}
			}
		}
		if (!keysSeen) {
			// Keys at their cap are not in the rounds read: any key of these tasks means keyed
			// work waits, and the next claim looks again.
			try (PreparedStatement ps = this.transactions.prepare(connection, "any-job-keys")) {
				ps.setArray(1, this.transactions.array(connection, ColumnType.TEXT, taskLimits.keySet()));
				try (ResultSet rs = ps.executeQuery()) {
					keysSeen = rs.next();
				}
			}
		}
		if (this.sql.has("keyed-claim")) {
			List<ClaimedJob> claimed = new ArrayList<>();
			if (!chosen.isEmpty()) {
				try (PreparedStatement ps = this.transactions.prepare(connection, "keyed-claim")) {
					ps.setArray(1, this.transactions.array(connection, ColumnType.UUID, chosen));
					ps.setString(2, plan.instanceId());
					ps.setObject(3, plan.batchId());
					ps.setLong(4, plan.leaseMillis());
					try (ResultSet rs = ps.executeQuery()) {
						while (rs.next()) {
							claimed.add(JdbcRows.claimedJob(rs));
						}
					}
				}
			}
			// The round is moved on after the commit, outside the gate (see claimKeyed).
			return new KeyedClaim(claimed, keysSeen, visited);
		}
		List<UUID> ids = new ArrayList<>();
		if (!chosen.isEmpty()) {
			try (PreparedStatement ps = this.transactions.prepare(connection, "keyed-claim-jobs")) {
				ps.setArray(1, this.transactions.array(connection, ColumnType.UUID, chosen));
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						ids.add(JdbcRows.uuid(rs, "id"));
					}
				}
			}
		}
		if (!ids.isEmpty()) {
			try (PreparedStatement ps = this.transactions.prepare(connection, "keyed-claim-insert")) {
				ps.setString(1, plan.instanceId());
				ps.setObject(2, plan.batchId());
				ps.setLong(3, plan.leaseMillis());
				ps.setArray(4, this.transactions.array(connection, ColumnType.UUID, ids));
				ps.executeUpdate();
			}
		}
		if (!visited.isEmpty()) {
			this.keyRound.update(connection, visited);
		}
		List<ClaimedJob> claimed = ids.isEmpty() ? new ArrayList<>()
				: JdbcClaims.claimedJobs(connection, this.sql, plan, ids);
		return new KeyedClaim(claimed, keysSeen, List.of());
	}

	/**
	 * PostgreSQL: each (task, queue) pair's keyed claim is one round trip that runs as one
	 * transaction (keyed-claim-locks joined with keyed-pick-claim), so that the gate's locks
	 * are held for that round trip alone; the round moves on afterwards.
	 */
	private KeyedClaim claimKeyedByPairs(ClaimPlan plan, int limit, Map<String, Integer> taskLimits,
			Map<String, Integer> queueLimits, Map<String, Integer> keyCaps) throws SQLException {
		int left = limit;
		boolean keysSeen = false;
		List<ClaimedJob> claimed = new ArrayList<>();
		List<String[]> visited = new ArrayList<>();
		for (String task : new ArrayList<>(taskLimits.keySet())) {
			Integer cap = keyCaps.get(task);
			for (String queue : plan.queues()) {
				int n = Math.min(left, Math.min(taskLimits.get(task), queueLimits.getOrDefault(queue, left)));
				if (n <= 0) {
					continue;
				}
				Set<Long> locks = new TreeSet<>();
				plan.capLocks().stream()
					.filter((lock) -> lock.task().equals(task) && lock.queue().equals(queue))
					.forEach((lock) -> locks.add(lock.key()));
				if (cap != null) {
					locks.add(ClaimPlan.keyLock(this.tablePrefix, task));
				}
				List<ClaimedJob> got = new ArrayList<>();
				boolean any = this.transactions.autoCommitted((connection) -> {
					try (PreparedStatement ps = connection.prepareStatement(
							this.sql.joined("keyed-claim-locks", "keyed-pick-claim"))) {
						int i = 0;
						ps.setArray(++i, this.transactions.array(connection, ColumnType.BIGINT, locks));
						ps.setString(++i, task);
						ps.setString(++i, queue);
						ps.setString(++i, task);
						ps.setString(++i, queue);
						setCap(ps, ++i, cap);
						setCap(ps, ++i, plan.taskCaps().get(task));
						setCap(ps, ++i, plan.queueCaps().get(queue));
						ps.setInt(++i, n);
						ps.setInt(++i, n + KEYED_ROUND_SLACK);
						ps.setString(++i, plan.instanceId());
						ps.setObject(++i, plan.batchId());
						ps.setLong(++i, plan.leaseMillis());
						ps.setString(++i, task);
						ps.setString(++i, queue);
						setCap(ps, ++i, cap);
						setCap(ps, ++i, cap);
						boolean rows = false;
						boolean isResultSet = ps.execute();
						int statement = 0;
						while (true) {
							if (isResultSet) {
								statement++;
								try (ResultSet rs = ps.getResultSet()) {
									while (statement == 2 && rs.next()) {
										rows = true;
										String key = rs.getString("concurrency_key");
										visited.add(new String[] { task, queue, key });
										if (rs.getObject("id") != null) {
											got.add(JdbcRows.claimedJob(rs));
										}
									}
								}
							}
							else if (ps.getUpdateCount() == -1) {
								break;
							}
							isResultSet = ps.getMoreResults();
						}
						return rows;
					}
				});
				keysSeen |= any;
				claimed.addAll(got);
				left -= got.size();
				taskLimits.merge(task, -got.size(), Integer::sum);
				if (queueLimits.containsKey(queue)) {
					queueLimits.merge(queue, -got.size(), Integer::sum);
				}
			}
		}
		if (!keysSeen) {
			keysSeen = this.transactions.withAutoCommit("claim jobs", "job_keys", (connection) -> {
				try (PreparedStatement ps = this.transactions.prepare(connection, "any-job-keys")) {
					ps.setArray(1, this.transactions.array(connection, ColumnType.TEXT, taskLimits.keySet()));
					try (ResultSet rs = ps.executeQuery()) {
						return rs.next();
					}
				}
			});
		}
		// Each key once, in the order served.
		Map<List<String>, String[]> distinct = new LinkedHashMap<>();
		visited.forEach((key) -> distinct.putIfAbsent(Arrays.asList(key), key));
		return new KeyedClaim(claimed, keysSeen, new ArrayList<>(distinct.values()));
	}

	/**
	 * One pair's keys and jobs in one statement (keyed-pick), where the dialect has it.
	 * @return the jobs chosen, or -1 when the pair's round had no key with room
	 */
	private int pick(Connection connection, String task, String queue, Integer cap, int n, List<UUID> chosen,
			List<String[]> visited) throws SQLException {
		try (PreparedStatement ps = this.transactions.prepare(connection, "keyed-pick")) {
			int i = 0;
			ps.setString(++i, task);
			ps.setString(++i, queue);
			setCap(ps, ++i, cap);
			setCap(ps, ++i, cap);
			ps.setInt(++i, n + KEYED_ROUND_SLACK);
			ps.setString(++i, task);
			ps.setString(++i, queue);
			setCap(ps, ++i, cap);
			ps.setInt(++i, n);
			ps.setInt(++i, n);
			setCap(ps, ++i, cap);
			ps.setInt(++i, n);
			int found = 0;
			boolean any = false;
			Set<String> seen = new HashSet<>();
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					any = true;
					String key = rs.getString("ckey");
					if (seen.add(key)) {
						visited.add(new String[] { task, queue, key });
					}
					UUID id = JdbcRows.uuid(rs, "id");
					if (id != null) {
						chosen.add(id);
						found++;
					}
				}
			}
			return any ? found : -1;
		}
	}

	private static void setCap(PreparedStatement ps, int index, Integer cap) throws SQLException {
		if (cap != null) {
			ps.setInt(index, cap);
		}
		else {
			ps.setNull(index, Types.INTEGER);
		}
	}

	/**
	 * @param claimed the keyed jobs claimed
	 * @param keysSeen whether any key had waiting jobs
	 */
	private record KeyedClaim(List<ClaimedJob> claimed, boolean keysSeen, List<String[]> visitedAfter) {
	}

}
