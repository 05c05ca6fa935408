package dev.taskito.benchmark;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The connection pools of the core path's JDBC stores, and of the application without
 * Spring ({@code CoreApplication}) that stands in for the starter's in the same layout.
 */
public final class CorePools {

	/**
	 * A store's pool: dispatch, completer, heartbeat/reaper and the NOTIFY listener each hold
	 * one connection at a time; the rest is for enqueueing threads.
	 */
	public static final int STORE_POOL_SIZE = 12;

	private CorePools() {
	}

	/**
	 * @param url the JDBC URL
	 * @param user the user
	 * @param password the password
	 * @param poolName the pool's name, for its threads and logs
	 * @param size its largest size; one connection is kept idle
	 * @return a started pool
	 */
	public static HikariDataSource jdbc(String url, String user, String password, String poolName, int size) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(url);
		config.setUsername(user);
		config.setPassword(password);
		config.setMaximumPoolSize(size);
		config.setMinimumIdle(1);
		config.setPoolName(poolName);
		config.setInitializationFailTimeout(5_000);
		return new HikariDataSource(config);
	}

}
