package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.taskito.JobId;
import dev.taskito.TaskitoDefaults;
import dev.taskito.TaskitoException;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;
import dev.taskito.store.ServedWork;
import dev.taskito.store.StrandedWork;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;

/**
 * Lease keeping and live instances: an instance's heartbeat, its removal, and the pending
 * work no live instance serves, each as the {@link dev.taskito.store.ClaimStore} method of
 * the same name promises.
 *
 * <p>A heartbeat is one transaction: it records the instance, the caps it declares and what
 * it serves (as JSON in its row, with the row's expiry), extends the leases of the claims it
 * names that it still holds (by job and token), and reads the smallest cap any live instance
 * declares, all timed by the database's clock. When it fails, nothing of it took effect: no
 * lease was extended.
 */
final class JdbcLeases {

	private static final TypeReference<Map<String, Integer>> CAPS = new TypeReference<>() {
	};

	private static final TypeReference<Set<String>> NAMES = new TypeReference<>() {
	};

	private final JdbcTransactions transactions;

	private final JsonMapper json = JsonMapper.builder().build();

	JdbcLeases(JdbcTransactions transactions) {
		this.transactions = transactions;
	}

	HeartbeatResult heartbeat(Heartbeat heartbeat) {
		String taskCaps = writeCaps(heartbeat.taskCaps());
		String queueCaps = writeCaps(heartbeat.queueCaps());
		String servedTasks = writeJson(new TreeSet<>(heartbeat.served().tasks()));
		String servedQueues = writeJson(new TreeSet<>(heartbeat.served().queues()));
		long leaseMillis = heartbeat.lease().toMillis();
		return this.transactions.inTransaction("heartbeat", "instances", (connection) -> {
			this.transactions.update(connection, "upsert-instance", heartbeat.instanceId(), taskCaps, queueCaps,
					servedTasks, servedQueues, leaseMillis, heartbeat.claims().size());
			Set<ClaimRef> renewed = new HashSet<>();
			if (!heartbeat.claims().isEmpty()) {
				Set<ClaimRef> named = new HashSet<>(heartbeat.claims());
				try (PreparedStatement ps = this.transactions.prepare(connection, "renew-claims")) {
					ps.setLong(1, leaseMillis);
					ps.setArray(2, this.transactions.array(connection, ColumnType.UUID,
							heartbeat.claims().stream().map((claim) -> claim.jobId().value()).toList()));
					ps.setArray(3, this.transactions.array(connection, ColumnType.UUID,
							heartbeat.claims().stream().map(ClaimRef::token).toList()));
					try (ResultSet rs = ps.executeQuery()) {
						while (rs.next()) {
							ClaimRef claim = new ClaimRef(new JobId(JdbcRows.uuid(rs, "job_id")),
									JdbcRows.uuid(rs, "claim_token"));
							if (named.contains(claim)) {
								renewed.add(claim);
							}
						}
					}
				}
			}
			Map<String, Integer> clusterTaskCaps = new HashMap<>();
			Map<String, Integer> clusterQueueCaps = new HashMap<>();
			Instant storeTime = null;
			try (PreparedStatement ps = this.transactions.prepare(connection, "live-instance-caps")) {
				ps.setLong(1, leaseMillis);
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						// This instance's own row, just written, is always among them.
						storeTime = JdbcRows.instant(rs, "store_time");
						readCaps(rs.getString("task_caps")).forEach((task, cap) -> clusterTaskCaps.merge(task, cap,
								Math::min));
						readCaps(rs.getString("queue_caps")).forEach((queue, cap) -> clusterQueueCaps.merge(queue, cap,
								Math::min));
					}
				}
			}
			if (storeTime == null) {
				throw new SQLException("The heartbeat of instance " + heartbeat.instanceId() + " found no row of its own in "
						+ this.transactions.table("instances") + "; is another program deleting rows there?");
			}
			return new HeartbeatResult(renewed, new ClaimCounts(clusterTaskCaps, clusterQueueCaps), storeTime);
		});
	}

	private String writeCaps(Map<String, Integer> caps) {
		return writeJson(new TreeMap<>(caps));
	}

	private String writeJson(Object value) {
		try {
			return this.json.writeValueAsString(value);
		}
		catch (JacksonException ex) {
			throw new TaskitoException("Cannot write " + value + " as JSON for " + this.transactions.table("instances"),
					ex);
		}
	}

	private Map<String, Integer> readCaps(String text) {
		try {
			return this.json.readValue(text, CAPS);
		}
		catch (JacksonException ex) {
			// Another instance's record is unreadable; its caps cannot be honoured, so say so.
			throw new TaskitoException("Cannot read the caps an instance declared in "
					+ this.transactions.table("instances") + ": " + text, ex);
		}
	}

	/**
	 * Reads what the live instances serve, then the distinct pairs of pending jobs and of keyed
	 * ones (from the indexes, not the rows: see {@code pending-pairs} and {@code keyed-pairs}),
	 * then counts the jobs of each pair none of them serves, both kinds together up to the
	 * limit. Separate statements on one connection: the figure is a snapshot for operators,
	 * and a job claimed or enqueued in between only shifts it a little.
	 */
	List<StrandedWork> strandedWork(int countLimit) {
		if (countLimit < 1) {
			throw new IllegalArgumentException("countLimit must be at least 1, was " + countLimit);
		}
		return this.transactions.withAutoCommit("find stranded work", "jobs", (connection) -> {
			List<ServedWork> served = new ArrayList<>();
			boolean servesAll = false;
			try (PreparedStatement ps = this.transactions.prepare(connection, "live-instance-served")) {
				ps.setLong(1, TaskitoDefaults.LEASE_DURATION.toMillis());
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						String tasks = rs.getString("served_tasks");
						String queues = rs.getString("served_queues");
						// An instance of an older version does not say what it serves: it may serve anything.
						servesAll |= tasks == null || queues == null;
						if (tasks != null && queues != null) {
							served.add(new ServedWork(readNames(tasks), readNames(queues)));
						}
					}
				}
			}
			if (servesAll) {
				return List.of();
			}
			// Keyed jobs (status KEYED) wait apart from PENDING ones: a pair may have either or both.
			Map<Map.Entry<String, String>, Long> pending = new LinkedHashMap<>();
			countUnserved(connection, served, "pending-pairs", "count-pending", countLimit, pending);
			countUnserved(connection, served, "keyed-pairs", "count-keyed", countLimit, pending);
			List<StrandedWork> stranded = new ArrayList<>();
			pending.forEach((pair, count) -> {
				// Claimed or cancelled since the pairs were read: nothing waits there any more.
				if (count > 0) {
					stranded.add(new StrandedWork(pair.getKey(), pair.getValue(), Math.min(countLimit, count)));
				}
			});
			stranded.sort(StrandedWork.ORDER);
			return stranded;
		});
	}

	/**
	 * Adds to {@code pending} the jobs of each pair that {@code pairsStatement} finds and no
	 * live instance serves, each counted up to the limit by {@code countStatement}.
	 */
	private void countUnserved(Connection connection, List<ServedWork> served, String pairsStatement,
			String countStatement, int countLimit, Map<Map.Entry<String, String>, Long> pending) throws SQLException {
		List<Map.Entry<String, String>> unserved = new ArrayList<>();
		try (PreparedStatement ps = this.transactions.prepare(connection, pairsStatement);
				ResultSet rs = ps.executeQuery()) {
			while (rs.next()) {
				String task = rs.getString("task");
				String queue = rs.getString("queue");
				if (served.stream().noneMatch((instance) -> instance.serves(task, queue))) {
					unserved.add(Map.entry(task, queue));
				}
			}
		}
		try (PreparedStatement ps = this.transactions.prepare(connection, countStatement)) {
			for (Map.Entry<String, String> pair : unserved) {
				ps.setString(1, pair.getKey());
				ps.setString(2, pair.getValue());
				ps.setInt(3, countLimit);
				try (ResultSet rs = ps.executeQuery()) {
					pending.merge(pair, rs.next() ? rs.getLong(1) : 0, Long::sum);
				}
			}
		}
	}

	private Set<String> readNames(String text) {
		try {
			return this.json.readValue(text, NAMES);
		}
		catch (JacksonException ex) {
			throw new TaskitoException("Cannot read the tasks or queues an instance serves in "
					+ this.transactions.table("instances") + ": " + text, ex);
		}
	}

	void removeInstance(String instanceId) {
		this.transactions.inTransaction("remove an instance", "instances",
				(connection) -> this.transactions.update(connection, "remove-instance", instanceId));
	}

}
