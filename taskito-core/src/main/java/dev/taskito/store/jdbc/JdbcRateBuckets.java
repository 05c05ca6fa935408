package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.taskito.store.TokenRequest;

/**
 * Rate-limit token buckets, as {@link dev.taskito.store.ClaimStore#takeTokens} promises: one
 * row per bucket, refilled from the database time it was last written.
 *
 * <p>One call is one transaction that locks its buckets in name order, so concurrent callers
 * never deadlock; when it fails, no bucket changed and no token was granted or given back.
 */
final class JdbcRateBuckets {

	private final JdbcTransactions transactions;

	JdbcRateBuckets(JdbcTransactions transactions) {
		this.transactions = transactions;
	}

	Map<String, Integer> takeTokens(List<TokenRequest> requests) {
		if (requests.isEmpty()) {
			return Map.of();
		}
		// Buckets are locked in name order, so concurrent callers cannot deadlock.
		List<TokenRequest> ordered = requests.stream()
			.sorted((a, b) -> a.bucket().compareTo(b.bucket()))
			.toList();
		return this.transactions.inTransaction("take rate-limit tokens", "rate_buckets", (connection) -> {
			Map<String, Integer> granted = new LinkedHashMap<>();
			for (TokenRequest request : ordered) {
				granted.merge(request.bucket(), takeTokens(connection, request), Integer::sum);
			}
			return granted;
		});
	}

	private int takeTokens(Connection connection, TokenRequest request) throws SQLException {
		int burst = request.limit().permits();
		try {
			this.transactions.update(connection, "ensure-bucket", request.bucket(), (double) burst);
		}
		catch (SQLException ex) {
			// A concurrent first use created it (H2 cannot skip that conflict); it exists now.
			if (!JdbcTransactions.isUniqueViolation(ex)) {
				throw ex;
			}
		}
		double tokens;
		OffsetDateTime now;
		long elapsedMicros;
		try (PreparedStatement ps = this.transactions.prepare(connection, "lock-bucket")) {
			ps.setString(1, request.bucket());
			try (ResultSet rs = ps.executeQuery()) {
				if (!rs.next()) {
					throw new SQLException("Rate bucket " + request.bucket() + " vanished while in use");
				}
				tokens = rs.getDouble("tokens");
				now = rs.getObject("now", OffsetDateTime.class);
				elapsedMicros = Math.max(0, rs.getLong("elapsed_us"));
			}
		}
		double available = Math.min(burst, tokens + elapsedMicros / 1e6 * request.limit().perSecond());
		int granted = 0;
		if (request.count() > 0) {
			// A hair of tolerance keeps 2.9999999 refilled tokens from granting only 2.
			granted = (int) Math.min(request.count(), Math.floor(available + 1e-9));
			available = Math.max(0, available - granted);
		}
		else if (request.count() < 0) {
			available = Math.min(burst, available - request.count());
		}
		// updated_at is the store's now that the refill was computed at, so no time is lost
		// or counted twice between the read and the write.
		this.transactions.update(connection, "update-bucket", available, now, request.bucket());
		return granted;
	}

}
