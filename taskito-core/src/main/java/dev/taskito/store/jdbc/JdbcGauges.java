package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.taskito.TaskitoDefaults;
import dev.taskito.TaskitoException;
import dev.taskito.store.ClusterGauges;
import dev.taskito.store.ClusterGauges.QueueGauge;
import dev.taskito.store.ClusterGauges.TaskGauge;
import dev.taskito.store.InstanceView;

/**
 * The cluster's gauges and live instances, read for operators every few seconds on every
 * instance, as {@link dev.taskito.store.ClaimStore#gauges} and
 * {@link dev.taskito.store.ClaimStore#liveInstances} promise.
 *
 * <p>Nothing here reads every pending job: pending jobs are counted up to the limit per
 * (task, queue) pair through {@code jobs_pending}, the earliest due one is found with one
 * probe per distinct priority of a pair, keyed jobs (status {@code KEYED}) are counted and
 * their earliest due one found per queue through {@code jobs_keyed_queue_due} on PostgreSQL and as
 * pending ones are elsewhere, and running jobs are counted from the claims table,
 * which holds one row per running job. On PostgreSQL that is one statement
 * ({@code gauges}); elsewhere ({@link JdbcDialect#gaugesInOneStatement()}) separate probes
 * on one connection in auto-commit, a snapshot that a job claimed or enqueued in between only
 * shifts a little.
 */
final class JdbcGauges {

	private static final TypeReference<Map<String, Integer>> CAPS = new TypeReference<>() {
	};

	private static final TypeReference<Set<String>> NAMES = new TypeReference<>() {
	};

	private final JdbcTransactions transactions;

	private final JdbcDialect dialect;

	private final JsonMapper json = JsonMapper.builder().build();

	JdbcGauges(JdbcTransactions transactions, JdbcDialect dialect) {
		this.transactions = transactions;
		this.dialect = dialect;
	}

	ClusterGauges gauges(int countLimit) {
		if (countLimit < 1) {
			throw new IllegalArgumentException("countLimit must be at least 1, was " + countLimit);
		}
		return this.transactions.withAutoCommit("read the gauges", "jobs",
				(connection) -> this.dialect.gaugesInOneStatement() ? inOneStatement(connection, countLimit)
						: byProbes(connection, countLimit));
	}

	/**
	 * The gauges, and per task with a cap per key how many of its keys have at least their
	 * cap of claims (keys-at-cap: read from the claims, one row per running job).
	 */
	ClusterGauges gauges(int countLimit, Map<String, Integer> keyCaps) {
		ClusterGauges gauges = gauges(countLimit);
		if (keyCaps.isEmpty()) {
			return gauges;
		}
		Map<String, Long> atCap = this.transactions.withAutoCommit("read the gauges", "claims", (connection) -> {
			Map<String, Long> counts = new java.util.HashMap<>();
			try (PreparedStatement ps = this.transactions.prepare(connection, "keys-at-cap")) {
				ps.setArray(1, this.transactions.array(connection, JdbcDialect.ColumnType.TEXT, keyCaps.keySet()));
				ps.setArray(2, this.transactions.array(connection, JdbcDialect.ColumnType.INT,
						keyCaps.keySet().stream().map(keyCaps::get).toList()));
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						counts.put(rs.getString("task"), rs.getLong("keys"));
					}
				}
			}
			return counts;
		});
		List<TaskGauge> tasks = gauges.tasks().stream()
			.map((task) -> new TaskGauge(task.task(), task.running(), atCap.getOrDefault(task.task(), 0L)))
			.toList();
		return new ClusterGauges(gauges.queues(), tasks, gauges.storeTime());
	}

	private ClusterGauges inOneStatement(Connection connection, int countLimit) throws SQLException {
		Gauges gauges = new Gauges();
		try (PreparedStatement ps = this.transactions.prepare(connection, "gauges")) {
			ps.setInt(1, countLimit);
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					switch (rs.getString("kind")) {
						case "Q" -> gauges.queue(rs.getString("name")).set(rs.getLong("pending"),
								rs.getLong("running"), JdbcRows.instant(rs, "oldest_due_at"));
						case "T" -> gauges.tasks.add(new TaskGauge(rs.getString("name"), rs.getLong("running")));
						default -> gauges.storeTime = JdbcRows.instant(rs, "oldest_due_at");
					}
				}
			}
		}
		return gauges.build();
	}

	private ClusterGauges byProbes(Connection connection, int countLimit) throws SQLException {
		Gauges gauges = new Gauges();
		try (PreparedStatement ps = this.transactions.prepare(connection, "store-time");
				ResultSet rs = ps.executeQuery()) {
			rs.next();
			gauges.storeTime = JdbcRows.instant(rs, "store_time");
		}
		// Keyed jobs (status KEYED) wait apart from PENDING ones, in pairs of their own.
		probePairs(connection, gauges, countLimit, "pending-pairs", "count-pending", "PENDING");
		probePairs(connection, gauges, countLimit, "keyed-pairs", "count-keyed", "KEYED");
		try (PreparedStatement ps = this.transactions.prepare(connection, "gauge-running");
				ResultSet rs = ps.executeQuery()) {
			while (rs.next()) {
				if ("T".equals(rs.getString("kind"))) {
					gauges.tasks.add(new TaskGauge(rs.getString("name"), rs.getLong("running")));
				}
				else {
					gauges.queue(rs.getString("name")).running = rs.getLong("running");
				}
			}
		}
		return gauges.build();
	}

	/**
	 * Adds to the queues the jobs of one status of each (task, queue) pair that has some: their
	 * count up to the limit, and the earliest due one, one probe per distinct priority.
	 */
	private void probePairs(Connection connection, Gauges gauges, int countLimit, String pairsStatement,
			String countStatement, String status) throws SQLException {
		List<String[]> pairs = new ArrayList<>();
		try (PreparedStatement ps = this.transactions.prepare(connection, pairsStatement);
				ResultSet rs = ps.executeQuery()) {
			while (rs.next()) {
				pairs.add(new String[] { rs.getString("task"), rs.getString("queue") });
			}
		}
		try (PreparedStatement count = this.transactions.prepare(connection, countStatement);
				PreparedStatement top = this.transactions.prepare(connection, "gauge-top-priority");
				PreparedStatement next = this.transactions.prepare(connection, "gauge-next-priority");
				PreparedStatement earliest = this.transactions.prepare(connection, "gauge-earliest-due")) {
			for (String[] pair : pairs) {
				count.setString(1, pair[0]);
				count.setString(2, pair[1]);
				count.setInt(3, countLimit);
				long pending;
				try (ResultSet rs = count.executeQuery()) {
					pending = rs.next() ? rs.getLong(1) : 0;
				}
				// Claimed or cancelled since the pairs were read: no queue appears for it.
				if (pending == 0) {
					continue;
				}
				QueueGauges queue = gauges.queue(pair[1]);
				queue.pending = Math.min(countLimit, queue.pending + pending);
				Integer priority = priority(top, pair, status, null);
				while (priority != null) {
					earliest.setString(1, pair[0]);
					earliest.setString(2, pair[1]);
					earliest.setString(3, status);
					earliest.setInt(4, priority);
					earliest.setObject(5, OffsetDateTime.ofInstant(gauges.storeTime, ZoneOffset.UTC));
					try (ResultSet rs = earliest.executeQuery()) {
						if (rs.next()) {
							queue.due(JdbcRows.instant(rs, "run_at"));
						}
					}
					priority = priority(next, pair, status, priority);
				}
			}
		}
	}

	/**
	 * @return the pair's highest priority of jobs of the status below {@code below} (any when
	 *         {@code null}), or {@code null} when there is none
	 */
	private static Integer priority(PreparedStatement ps, String[] pair, String status, Integer below)
			throws SQLException {
		ps.setString(1, pair[0]);
		ps.setString(2, pair[1]);
		ps.setString(3, status);
		if (below != null) {
			ps.setInt(4, below);
		}
		try (ResultSet rs = ps.executeQuery()) {
			return rs.next() ? rs.getInt(1) : null;
		}
	}

	List<InstanceView> liveInstances() {
		return this.transactions.withAutoCommit("read the live instances", "instances", (connection) -> {
			List<InstanceView> live = new ArrayList<>();
			try (PreparedStatement ps = this.transactions.prepare(connection, "live-instances")) {
				ps.setLong(1, TaskitoDefaults.LEASE_DURATION.toMillis());
				ps.setLong(2, TaskitoDefaults.LEASE_DURATION.toMillis());
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						String id = rs.getString("instance_id");
						String tasks = rs.getString("served_tasks");
						String queues = rs.getString("served_queues");
						int running = rs.getInt("running");
						boolean runningKnown = !rs.wasNull();
						live.add(new InstanceView(id, JdbcRows.instant(rs, "heartbeat_at"),
								JdbcRows.instant(rs, "expires_at"), read(rs.getString("task_caps"), CAPS, id),
								read(rs.getString("queue_caps"), CAPS, id),
								(tasks != null) ? read(tasks, NAMES, id) : null,
								(queues != null) ? read(queues, NAMES, id) : null, runningKnown ? running : null));
					}
				}
			}
			return live;
		});
	}

	private <T> T read(String text, TypeReference<T> type, String instanceId) {
		try {
			return this.json.readValue(text, type);
		}
		catch (JacksonException ex) {
			throw new TaskitoException("Cannot read the record of instance " + instanceId + " in "
					+ this.transactions.table("instances") + " (" + text + "): its row was not written by Taskito; "
					+ "delete the row and the instance writes it again at its next heartbeat", ex);
		}
	}

	/**
	 * The gauges as they are read, per queue by name.
	 */
	private static final class Gauges {

		final Map<String, QueueGauges> queues = new TreeMap<>();

		final List<TaskGauge> tasks = new ArrayList<>();

		Instant storeTime;

		QueueGauges queue(String name) {
			return this.queues.computeIfAbsent(name, (key) -> new QueueGauges());
		}

		ClusterGauges build() {
			List<QueueGauge> queueGauges = new ArrayList<>();
			this.queues.forEach((name, queue) -> queueGauges
				.add(new QueueGauge(name, queue.pending, queue.running, queue.oldestDueAt)));
			this.tasks.sort(Comparator.comparing(TaskGauge::task));
			return new ClusterGauges(queueGauges, this.tasks, this.storeTime);
		}

	}

	private static final class QueueGauges {

		long pending;

		long running;

		Instant oldestDueAt;

		void set(long pending, long running, Instant oldestDueAt) {
			this.pending = pending;
			this.running = running;
			this.oldestDueAt = oldestDueAt;
		}

		void due(Instant runAt) {
			if (runAt != null && (this.oldestDueAt == null || runAt.isBefore(this.oldestDueAt))) {
				this.oldestDueAt = runAt;
			}
		}

	}

}
