package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.store.jdbc.JdbcDialect.ColumnType;

/**
 * The upkeep of the round of keys in {@code job_keys} that {@link JdbcKeyedClaims} serves
 * keyed jobs from: after a claim, the keys it visited move to the back of the round in the
 * order served, so that the least lately served key comes first next time, and keys left
 * without waiting jobs leave it, so that the round stays as short as the keyed work that
 * waits. The claim decides what to take; this class only keeps the round fair afterwards.
 *
 * <p>The round's order is fairness, not safety: a claimer that finds the round not yet moved
 * on takes no more than the room of each key, which is counted from the claims. So on
 * PostgreSQL the round moves on after the claim's commit, in a short transaction of its own
 * outside the gate's locks, and a failure to move it is logged and left to the next claim;
 * on H2 it moves on in the claim's own transaction. Either way, the keys are locked first,
 * and keys that an enqueue holds are left as they are this time.
 */
final class JdbcKeyRound {

	// Logged under the store's name, which is what users configure.
	private static final Logger logger = LoggerFactory.getLogger(JdbcClaimStore.class);

	private final JdbcTransactions transactions;

	private final JdbcStatements sql;

	JdbcKeyRound(JdbcTransactions transactions, JdbcStatements sql) {
		this.transactions = transactions;
		this.sql = sql;
	}

	/**
	 * Moves the round on after a claim's commit, in a short transaction of its own; a failure
	 * is logged, and the next claim moves it.
	 * @param visited the keys the claim visited, as (task, queue, key), each once, in the
	 * order served
	 */
	void moveOn(List<String[]> visited) {
		if (!visited.isEmpty()) {
			// The round's order is fairness, not safety: on PostgreSQL it moves on in a short
			// transaction of its own after the claim's commit, so that the gate's lock is held
			// for the claim alone. A claimer that passes in between may find the same keys
			// first in the round; their room is already counted with the new claims.
			try {
				this.transactions.autoCommitted((connection) -> {
					update(connection, visited);
					return null;
				});
			}
			catch (SQLException ex) {
				logger.debug("Moving the round of keys on failed; the next claim moves it", ex);
			}
		}
	}

	/**
	 * Moves the visited keys to the back of the round in the order visited, and drops those
	 * left without waiting jobs; keys an enqueue holds are left as they are this time.
	 */
	void update(Connection connection, List<String[]> visited) throws SQLException {
		if (this.sql.has("serve-or-drop-job-keys")) {
			// One round trip: the lock, then (with a snapshot taken after it) the change.
			List<Integer> ordinals = new ArrayList<>();
			for (int i = 0; i < visited.size(); i++) {
				ordinals.add(i);
			}
			try (PreparedStatement ps = connection.prepareStatement(
					this.sql.joined("lock-job-keys", "serve-or-drop-job-keys"))) {
				bindKeys(connection, ps, visited);
				for (int part = 0; part < 3; part++) {
					int p = part;
					ps.setArray(4 + part, this.transactions.array(connection, ColumnType.TEXT,
							visited.stream().map((k) -> k[p]).toList()));
				}
				ps.setArray(7, this.transactions.array(connection, ColumnType.INT, ordinals));
				ps.execute();
				while (ps.getMoreResults() || ps.getUpdateCount() != -1) {
					// Drains the joined statements' results.
				}
			}
			return;
		}
		List<String[]> locked = new ArrayList<>();
		try (PreparedStatement ps = this.transactions.prepare(connection, "lock-job-keys")) {
			bindKeys(connection, ps, visited);
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					locked.add(new String[] { rs.getString(1), rs.getString(2), rs.getString(3) });
				}
			}
		}
		if (locked.isEmpty()) {
			return;
		}
		List<Integer> order = new ArrayList<>();
		List<List<String>> lockedIds = locked.stream().map(Arrays::asList).toList();
		for (String[] key : visited) {
			int at = lockedIds.indexOf(Arrays.asList(key));
			if (at >= 0) {
				order.add(at);
			}
		}
		List<String[]> served = new ArrayList<>();
		List<Integer> ordinals = new ArrayList<>();
		for (int i = 0; i < order.size(); i++) {
			served.add(locked.get(order.get(i)));
			ordinals.add(i);
		}
		if (this.sql.has("serve-or-drop-job-keys")) {
			try (PreparedStatement ps = this.transactions.prepare(connection, "serve-or-drop-job-keys")) {
				bindKeys(connection, ps, served);
				ps.setArray(4, this.transactions.array(connection, ColumnType.INT, ordinals));
				ps.executeUpdate();
			}
			return;
		}
		try (PreparedStatement ps = this.transactions.prepare(connection, "serve-job-keys")) {
			bindKeys(connection, ps, served);
			ps.setArray(4, this.transactions.array(connection, ColumnType.INT, ordinals));
			ps.executeUpdate();
		}
		try (PreparedStatement ps = this.transactions.prepare(connection, "drop-job-keys")) {
			bindKeys(connection, ps, served);
			ps.executeUpdate();
		}
	}

	private void bindKeys(Connection connection, PreparedStatement ps, List<String[]> keys) throws SQLException {
		for (int part = 0; part < 3; part++) {
			int p = part;
			ps.setArray(part + 1, this.transactions.array(connection, ColumnType.TEXT,
					keys.stream().map((k) -> k[p]).toList()));
		}
	}

}
