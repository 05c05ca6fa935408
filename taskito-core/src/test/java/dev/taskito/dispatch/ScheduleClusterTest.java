package dev.taskito.dispatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.store.redis.RedisClaimStore;
import dev.taskito.testsupport.TestPostgres;
import dev.taskito.testsupport.TestRedis;

/**
 * The {@link ScheduleClusterScenario} on every store at once, so that its wall-clock
 * seconds are spent once: three dispatchers on PostgreSQL, three on Redis, and two in this
 * JVM on one embedded H2 file (which one process opens). Each store's scenario has its own
 * namespace and fails on its own.
 */
class ScheduleClusterTest {

	@Test
	void everyTickIsEnqueuedOnceOnPostgresRedisAndAnH2File() throws Exception {
		String tablePrefix = TestPostgres.newTablePrefix();
		String keyPrefix = TestRedis.uniqueKeyPrefix();
		Path directory = Files.createTempDirectory("taskito-schedules-");
		HikariDataSource h2File = h2File(directory);
		List<RedisClaimStore> redisStores = new ArrayList<>();
		Map<String, ScheduleClusterScenario> scenarios = new LinkedHashMap<>();
		scenarios.put("PostgreSQL", new ScheduleClusterScenario(
				() -> JdbcClaimStore.builder(TestPostgres.dataSource()).tablePrefix(tablePrefix).build(), 3));
		scenarios.put("Redis", new ScheduleClusterScenario(() -> {
			RedisClaimStore store = RedisClaimStore.builder(TestRedis.client()).keyPrefix(keyPrefix).build();
			redisStores.add(store);
			return store;
		}, 3));
		scenarios.put("H2 file", new ScheduleClusterScenario(() -> JdbcClaimStore.builder(h2File).build(), 2));
		ExecutorService threads = Executors.newFixedThreadPool(scenarios.size());
		try {
			Map<String, Future<?>> runs = new LinkedHashMap<>();
			scenarios.forEach((store, scenario) -> runs.put(store, threads.submit(() -> {
				scenario.run();
				return null;
			})));
			List<String> failures = new ArrayList<>();
			AssertionError failed = new AssertionError("the scenario failed on a store");
			for (Map.Entry<String, Future<?>> run : runs.entrySet()) {
				try {
					run.getValue().get(3, TimeUnit.MINUTES);
				}
				catch (java.util.concurrent.ExecutionException ex) {
					failures.add(run.getKey() + ": " + ex.getCause());
					failed.addSuppressed(ex.getCause());
				}
			}
			if (!failures.isEmpty()) {
				throw new AssertionError("Failed on " + failures, failed);
			}
		}
		finally {
			threads.shutdownNow();
			TestPostgres.dropTables(tablePrefix);
			if (!redisStores.isEmpty()) {
				TestRedis.deleteKeys(redisStores.get(0).namespace());
			}
			shutdown(h2File, directory);
		}
	}

	private static HikariDataSource h2File(Path directory) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl("jdbc:h2:file:" + directory.resolve("taskito").toAbsolutePath());
		config.setUsername("sa");
		config.setPassword("");
		config.setMaximumPoolSize(16);
		config.setPoolName("taskito-test-h2-file");
		return new HikariDataSource(config);
	}

	private static void shutdown(HikariDataSource dataSource, Path directory) {
		dataSource.close();
		try (Connection connection = DriverManager.getConnection(dataSource.getJdbcUrl(), "sa", "");
				Statement statement = connection.createStatement()) {
			statement.execute("SHUTDOWN");
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not shut the test H2 file down", ex);
		}
		try (Stream<Path> files = Files.walk(directory)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
