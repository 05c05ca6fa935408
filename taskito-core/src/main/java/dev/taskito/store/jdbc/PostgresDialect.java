package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import dev.taskito.store.ClaimedJob;

/**
 * PostgreSQL: a claim is one statement ({@code FOR UPDATE SKIP LOCKED} in a data-modifying
 * CTE), batches travel as arrays, schema creation is serialised with an advisory lock, and
 * wake-ups are {@code NOTIFY}/{@code LISTEN}.
 */
public final class PostgresDialect implements JdbcDialect {

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
	public List<ClaimedJob> claim(Connection connection, JdbcStatements statements, ClaimPlan plan)
			throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement(statements.get("claim"))) {
			List<ClaimPlan.Quota> quotas = plan.quotas();
			int i = 0;
			ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT,
					quotas.stream().map(ClaimPlan.Quota::task).toList()));
			ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT,
					quotas.stream().map(ClaimPlan.Quota::queue).toList()));
			ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.INT,
					quotas.stream().map(ClaimPlan.Quota::limit).toList()));
			Map<String, Integer> queueLimits = plan.queueLimits();
			ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT, queueLimits.keySet()));
			ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.INT, queueLimits.values()));
			Map<String, Integer> taskLimits = plan.taskLimits();
			ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.TEXT, taskLimits.keySet()));
			ps.setArray(++i, JdbcRows.array(connection, this, ColumnType.INT, taskLimits.values()));
			ps.setInt(++i, plan.limit());
			ps.setString(++i, plan.instanceId());
			ps.setObject(++i, plan.batchId());
			ps.setLong(++i, plan.leaseMillis());
			List<ClaimedJob> claimed = new ArrayList<>();
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					claimed.add(JdbcRows.claimedJob(rs));
				}
			}
			return claimed;
		}
	}

	@Override
	public WakeUpChannel wakeUpChannel(DataSource dataSource, JdbcStatements statements, String jdbcUrl,
			String tablePrefix) {
		return new PostgresWakeUpChannel(dataSource, statements, tablePrefix + "wakeup");
	}

}
