package dev.taskito.samples.soak;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lettuce.core.RedisClient;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.store.redis.RedisClaimStore;

/**
 * Builds the store a worker or the driver uses, and closes what it opened.
 */
final class SoakStores implements AutoCloseable {

	static final String JDBC_URL = "jdbc:postgresql://127.0.0.1:5432/test";

	private final List<AutoCloseable> resources = new ArrayList<>();

	private HikariDataSource dataSource;

	private final ClaimStore store;

	/**
	 * @param kind "jdbc" or "redis"
	 * @param prefix table prefix or key prefix of this soak run
	 * @param redisPort the port to reach Redis on (the driver's freezable proxy)
	 * @param clientName the Redis connection name, so the driver can kill exactly the soak's connections
	 */
	SoakStores(String kind, String prefix, int redisPort, String clientName) {
		if (kind.equals("jdbc")) {
			HikariConfig config = new HikariConfig();
			config.setJdbcUrl(JDBC_URL);
			config.setUsername("postgres");
			config.setMaximumPoolSize(6);
			// Fail fast while PostgreSQL is down: the engine's outage handling should see
			// errors, not a pool that blocks for Hikari's default 30 s.
			config.setConnectionTimeout(1_000);
			config.setValidationTimeout(500);
			config.setInitializationFailTimeout(-1);
			config.setPoolName("soak-" + clientName);
			HikariDataSource dataSource = new HikariDataSource(config);
			this.resources.add(dataSource);
			this.dataSource = dataSource;
			this.store = JdbcClaimStore.builder(dataSource).tablePrefix(prefix).build();
		}
		else if (kind.equals("redis")) {
			RedisClient client = RedisClient.create("redis://127.0.0.1:" + redisPort);
			this.resources.add(client::shutdown);
			this.store = RedisClaimStore.builder(client)
				.keyPrefix(prefix)
				.clientName(clientName)
				// Workers: within the 2 s lease. The driver enqueues 500-job batches on a loaded
				// machine and keeps the default.
				.commandTimeout(clientName.startsWith("soak-driver") ? Duration.ofSeconds(5) : Duration.ofSeconds(1))
				.build();
		}
		else {
			throw new IllegalArgumentException("store must be jdbc or redis, was " + kind);
		}
		this.resources.add(0, this.store);
	}

	ClaimStore store() {
		return this.store;
	}

	/**
	 * Takes every idle connection of the JDBC pool and holds them for 200 ms, as a handler
	 * that runs its own queries on the application's pool may: Taskito's threads wait for a
	 * connection meanwhile (shorter than the pool's timeout, so that the run's re-run
	 * accounting stays exact) and lose nothing. Does nothing on Redis, which has no pool.
	 */
	void holdEveryConnection() {
		if (this.dataSource == null) {
			return;
		}
		List<Connection> held = new ArrayList<>();
		try {
			int idle = this.dataSource.getHikariPoolMXBean().getIdleConnections();
			for (int i = 0; i < idle; i++) {
				held.add(this.dataSource.getConnection());
			}
			Thread.sleep(200);
		}
		catch (SQLException ex) {
			// Taskito's own threads held some: holding what could be had is enough.
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			for (Connection connection : held) {
				try {
					connection.close();
				}
				catch (SQLException ex) {
					// Back to the pool or gone with it.
				}
			}
		}
	}

	@Override
	public void close() {
		for (AutoCloseable resource : this.resources) {
			try {
				resource.close();
			}
			catch (Exception ex) {
				// Closing after faults: whatever is already gone stays gone.
			}
		}
	}

}
