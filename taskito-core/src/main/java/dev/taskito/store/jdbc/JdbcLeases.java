package dev.taskito.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.taskito.JobId;
import dev.taskito.TaskitoException;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;

/**
 * Lease keeping: an instance's heartbeat and its removal, each as the
 * {@link dev.taskito.store.ClaimStore} method of the same name promises.
 *
 * <p>A heartbeat is one transaction: it records the instance and the caps it declares (as
 * JSON in its row), extends the leases of the claims it names that it still holds (by job
 * and token), and reads the smallest cap any live instance declares, all timed by the
 * database's clock. When it fails, nothing of it took effect: no lease was extended.
 */
final class JdbcLeases {

	private static final TypeReference<Map<String, Integer>> CAPS = new TypeReference<>() {
	};

	private final JdbcTransactions transactions;

	private final JsonMapper json = JsonMapper.builder().build();

	JdbcLeases(JdbcTransactions transactions) {
		this.transactions = transactions;
	}

	HeartbeatResult heartbeat(Heartbeat heartbeat) {
		String taskCaps = writeCaps(heartbeat.taskCaps());
		String queueCaps = writeCaps(heartbeat.queueCaps());
		long leaseMillis = heartbeat.lease().toMillis();
		return this.transactions.inTransaction("heartbeat", "instances", (connection) -> {
			this.transactions.update(connection, "upsert-instance", heartbeat.instanceId(), taskCaps, queueCaps);
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
		try {
			return this.json.writeValueAsString(new TreeMap<>(caps));
		}
		catch (JacksonException ex) {
			throw new TaskitoException("Cannot write caps " + caps + " as JSON", ex);
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

	void removeInstance(String instanceId) {
		this.transactions.inTransaction("remove an instance", "instances",
				(connection) -> this.transactions.update(connection, "remove-instance", instanceId));
	}

}
