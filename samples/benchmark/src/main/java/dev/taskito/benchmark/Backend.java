package dev.taskito.benchmark;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.zaxxer.hikari.HikariDataSource;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.store.redis.RedisClaimStore;

/**
 * One store under test: makes a store object per simulated instance (each with its own
 * connections, as separate processes would have), and wipes a workload's namespace.
 */
abstract class Backend implements AutoCloseable {

	/** The tables a JDBC store owns, dropped before each run. */
	private static final List<String> TABLES = List.of("jobs", "claims", "instances", "queues", "rate_buckets");

	/**
	 * @return the store's name on the command line
	 */
	abstract String name();

	/**
	 * @param namespace the workload's namespace, such as {@code tbench_drain}
	 * @return a new, unstarted store on that namespace with connections of its own
	 */
	abstract ClaimStore newStore(String namespace);

	/**
	 * Deletes every table or key of the namespace.
	 * @param namespace the workload's namespace
	 */
	abstract void clean(String namespace);

	/**
	 * @return whether another JVM can share this store (not the embedded H2)
	 */
	abstract boolean sharedAcrossProcesses();

	/**
	 * @return the options that point a producer JVM at this same store
	 */
	abstract List<String> connectionArgs();

	/**
	 * Reclaims the dead rows a run left in the namespace's tables, as PostgreSQL's autovacuum
	 * does on a stock server in a quiet moment; nothing for stores without dead rows.
	 * @param namespace the workload's namespace
	 */
	void vacuum(String namespace) {
	}

	/**
	 * @return a warning when the store is set up unlike a user's stock server, else {@code null}
	 */
	String stockSettingsWarning() {
		return null;
	}

	/**
	 * Frees what the stores of a finished run left open (their connection pools or clients).
	 */
	void releaseStores() {
	}

	/**
	 * Closes the connections this object holds for its own use.
	 */
	@Override
	public abstract void close();

	static Backend create(String name, Options options) {
		return switch (name) {
			case "h2" -> new Jdbc("h2", options.h2Url(), "sa", "", false);
			case "postgres" -> new Jdbc("postgres", options.jdbcUrl(), options.jdbcUser(), options.jdbcPassword(), true);
			case "redis" -> new Redis(options.redisUrl());
			default -> throw new IllegalArgumentException(name);
		};
	}

	static final class Jdbc extends Backend {

		private final String name;

		private final String url;

		private final String user;

		private final String password;

		private final boolean shared;

		private final List<HikariDataSource> pools = new CopyOnWriteArrayList<>();

		private final HikariDataSource admin;

		Jdbc(String name, String url, String user, String password, boolean shared) {
			this.name = name;
			this.url = url;
			this.user = user;
			this.password = password;
			this.shared = shared;
			// H2's file database stays open while the admin pool holds a connection.
			this.admin = pool("taskito-bench-admin", 2);
		}

		private HikariDataSource pool(String poolName, int size) {
			return CorePools.jdbc(this.url, this.user, this.password, poolName, size);
		}

		@Override
		String name() {
			return this.name;
		}

		@Override
		ClaimStore newStore(String namespace) {
			HikariDataSource pool = pool("taskito-bench-" + this.pools.size(), CorePools.STORE_POOL_SIZE);
			this.pools.add(pool);
			return JdbcClaimStore.builder(pool).tablePrefix(namespace + "_").build();
		}

		@Override
		void clean(String namespace) {
			try (Connection connection = this.admin.getConnection(); Statement statement = connection.createStatement()) {
				for (String table : TABLES) {
					statement.execute("DROP TABLE IF EXISTS " + namespace + "_" + table + " CASCADE");
				}
			}
			catch (SQLException ex) {
				throw new IllegalStateException("Could not drop the tables of " + namespace + " at " + this.url, ex);
			}
		}

		@Override
		void vacuum(String namespace) {
			if (!this.name.equals("postgres")) {
				return;
			}
			try (Connection connection = this.admin.getConnection(); Statement statement = connection.createStatement()) {
				// Every table of the namespace a stock autovacuum would reach: job_keys too (caps per
				// key rewrite a row per key served), where the build has it.
				List<String> tables = new ArrayList<>();
				for (String table : List.of("_jobs", "_claims", "_job_keys")) {
					try (ResultSet found = statement.executeQuery("SELECT to_regclass('" + namespace + table + "')")) {
						if (found.next() && found.getString(1) != null) {
							tables.add(namespace + table);
						}
					}
				}
				statement.execute("VACUUM (ANALYZE) " + String.join(", ", tables));
			}
			catch (SQLException ex) {
				throw new IllegalStateException("Could not vacuum the tables of " + namespace + " at " + this.url, ex);
			}
		}

		@Override
		String stockSettingsWarning() {
			if (!this.name.equals("postgres")) {
				return null;
			}
			try (Connection connection = this.admin.getConnection(); Statement statement = connection.createStatement();
					java.sql.ResultSet rs = statement.executeQuery("SHOW autovacuum")) {
				return (rs.next() && "off".equals(rs.getString(1))) ? "autovacuum is off on this PostgreSQL (it is on "
						+ "in a stock server): dead rows pile up in the queue's tables and every claim slows down as "
						+ "they do. The starter path vacuums its tables between runs; an application on such a server "
						+ "would not get even that" : null;
			}
			catch (SQLException ex) {
				return null;
			}
		}

		@Override
		boolean sharedAcrossProcesses() {
			return this.shared;
		}

		@Override
		List<String> connectionArgs() {
			return List.of("--store=" + this.name, "--jdbc-url=" + this.url, "--jdbc-user=" + this.user,
					"--jdbc-password=" + this.password);
		}

		/** Closes the pools of stores that were closed; the admin pool stays. */
		@Override
		void releaseStores() {
			List<HikariDataSource> open = new ArrayList<>(this.pools);
			this.pools.removeAll(open);
			open.forEach(HikariDataSource::close);
		}

		@Override
		public void close() {
			releaseStores();
			this.admin.close();
		}

	}

	static final class Redis extends Backend {

		private final String url;

		/** For the benchmark's own use: the ping at start and cleaning a namespace. */
		private final RedisClient client;

		/** One client per store, as each application has its own: its event loops are not shared. */
		private final List<RedisClient> storeClients = new CopyOnWriteArrayList<>();

		Redis(String url) {
			this.url = url;
			this.client = RedisClient.create(url);
			try (StatefulRedisConnection<String, String> connection = this.client.connect()) {
				connection.sync().ping();
			}
		}

		@Override
		String name() {
			return "redis";
		}

		@Override
		ClaimStore newStore(String namespace) {
			RedisClient storeClient = RedisClient.create(this.url);
			this.storeClients.add(storeClient);
			return RedisClaimStore.builder(storeClient).keyPrefix(namespace.replace('_', '-') + ":").build();
		}

		/** Shuts down the clients of stores that were closed. */
		@Override
		void releaseStores() {
			List<RedisClient> open = new ArrayList<>(this.storeClients);
			this.storeClients.removeAll(open);
			open.forEach(RedisClient::shutdown);
		}

		@Override
		void clean(String namespace) {
			String keys = RedisClaimStore.builder(this.client).keyPrefix(namespace.replace('_', '-') + ":").build()
				.namespace();
			try (StatefulRedisConnection<String, String> connection = this.client.connect()) {
				RedisCommands<String, String> commands = connection.sync();
				ScanArgs match = ScanArgs.Builder.matches(keys.replaceAll("([\\[\\]?*\\\\])", "\\\\$1") + "*").limit(1000);
				ScanCursor cursor = ScanCursor.INITIAL;
				do {
					KeyScanCursor<String> page = commands.scan(cursor, match);
					if (!page.getKeys().isEmpty()) {
						commands.del(page.getKeys().toArray(new String[0]));
					}
					cursor = page;
				}
				while (!cursor.isFinished());
			}
		}

		@Override
		boolean sharedAcrossProcesses() {
			return true;
		}

		@Override
		List<String> connectionArgs() {
			return List.of("--store=redis", "--redis-url=" + this.url);
		}

		@Override
		public void close() {
			releaseStores();
			this.client.shutdown();
		}

	}

}
