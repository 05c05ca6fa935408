package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.taskito.JobId;
import dev.taskito.store.FinishedCounts;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;

/**
 * Counts the finished jobs per (task, queue) pair and slice of ids, as
 * {@link dev.taskito.store.ClaimStore#finishedCounts} promises: each count is one id range
 * of one (status, task, queue) prefix of {@code jobs_listing}, so no job row is read. A
 * dialect with {@code LATERAL} (the one that reads the gauges in one statement) finds the
 * pairs and counts every slice in one statement ({@code finished-counts}); H2 finds the
 * pairs that have finished jobs in the window ({@code finished-pairs}) and counts their
 * slices one probe each ({@code count-finished}), on one connection.
 */
final class JdbcFinishedCounts {

	private static final List<String> FINISHED = List.of("SUCCEEDED", "DEAD");

	private final JdbcTransactions transactions;

	private final JdbcDialect dialect;

	JdbcFinishedCounts(JdbcTransactions transactions, JdbcDialect dialect) {
		this.transactions = transactions;
		this.dialect = dialect;
	}

	/**
	 * @param bounds at least two, as {@link dev.taskito.store.JobAdminStore#requireSliceBounds} checks them
	 */
	List<FinishedCounts> count(List<JobId> bounds) {
		return this.transactions.withAutoCommit("count finished jobs", "jobs",
				(connection) -> this.dialect.gaugesInOneStatement() ? inOneStatement(connection, bounds)
						: byProbes(connection, bounds));
	}

	private List<FinishedCounts> inOneStatement(Connection connection, List<JobId> bounds) throws SQLException {
		Counts counts = new Counts();
		try (PreparedStatement ps = this.transactions.prepare(connection, "finished-counts")) {
			ps.setArray(1, this.transactions.array(connection, ColumnType.UUID,
					bounds.subList(0, bounds.size() - 1).stream().map(JobId::value).toList()));
			ps.setArray(2, this.transactions.array(connection, ColumnType.UUID,
					bounds.subList(1, bounds.size()).stream().map(JobId::value).toList()));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					counts.add(rs.getString("status"), rs.getString("task"), rs.getString("queue"), rs.getInt("slice"),
							rs.getLong("n"));
				}
			}
		}
		return counts.list();
	}

	private List<FinishedCounts> byProbes(Connection connection, List<JobId> bounds) throws SQLException {
		List<String[]> pairs = new ArrayList<>();
		try (PreparedStatement ps = this.transactions.prepare(connection, "finished-pairs")) {
			ps.setObject(1, bounds.get(0).value());
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					pairs.add(new String[] { rs.getString("status"), rs.getString("task"), rs.getString("queue") });
				}
			}
		}
		Counts counts = new Counts();
		try (PreparedStatement ps = this.transactions.prepare(connection, "count-finished")) {
			for (String[] pair : pairs) {
				for (int slice = 0; slice + 1 < bounds.size(); slice++) {
					ps.setString(1, pair[0]);
					ps.setString(2, pair[1]);
					ps.setString(3, pair[2]);
					ps.setObject(4, bounds.get(slice).value());
					ps.setObject(5, bounds.get(slice + 1).value());
					try (ResultSet rs = ps.executeQuery()) {
						if (rs.next()) {
							counts.add(pair[0], pair[1], pair[2], slice, rs.getLong("n"));
						}
					}
				}
			}
		}
		return counts.list();
	}

	/**
	 * The counts of both statuses, merged per pair and slice.
	 */
	private static final class Counts {

		private final Map<List<Object>, long[]> bySlice = new LinkedHashMap<>();

		void add(String status, String task, String queue, int slice, long n) {
			if (n == 0 || !FINISHED.contains(status)) {
				return;
			}
			long[] both = this.bySlice.computeIfAbsent(List.of(task, queue, slice), (key) -> new long[2]);
			both[status.equals("SUCCEEDED") ? 0 : 1] += n;
		}

		List<FinishedCounts> list() {
			List<FinishedCounts> list = new ArrayList<>(this.bySlice.size());
			this.bySlice.forEach((key, n) -> list.add(
					new FinishedCounts((String) key.get(0), (String) key.get(1), (Integer) key.get(2), n[0], n[1])));
			return list;
		}

	}

}
