package dev.taskito.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * The real Redis the tests run against, resolved as {@code DESIGN.md} ("Real services in
 * tests") says: {@code TASKITO_TEST_REDIS_URL} when set; else a {@code redis:7} container
 * when a Docker engine is reachable; else {@code redis://127.0.0.1:6379}. When none
 * answers, the test fails (never skips) with a message saying how to start one.
 *
 * <p>One client serves the whole test run. Each test takes its own key prefix from
 * {@link #uniqueKeyPrefix()} so that tests never see each other's keys, and removes them
 * with {@link #deleteKeys(String)} afterwards.
 */
public final class TestRedis {

	/** The environment variable naming an explicit Redis, such as {@code redis://host:6379}. */
	public static final String URL_VARIABLE = "TASKITO_TEST_REDIS_URL";

	private static final String LOCAL_URL = "redis://127.0.0.1:6379";

	private static final String HOW_TO_START = "Start one with: redis-server --daemonize yes --bind 127.0.0.1 "
			+ "--port 6379 --save \"\" --appendonly no (or run .ci/run, or set " + URL_VARIABLE + "=redis://host:port)";

	private static RedisClient client;

	private static String url;

	private static GenericContainer<?> container;

	private TestRedis() {
	}

	/**
	 * @return the shared client, connected to the resolved Redis
	 * @throws AssertionError saying how to start Redis when none answers
	 */
	public static synchronized RedisClient client() {
		if (client == null) {
			url = resolveUrl();
			client = connect(url);
			Runtime.getRuntime().addShutdownHook(new Thread(TestRedis::shutdown, "test-redis-shutdown"));
		}
		return client;
	}

	/**
	 * @param url a Redis URL
	 * @return a client whose Redis answered a {@code PING}
	 * @throws AssertionError saying how to start Redis when it does not answer
	 */
	static RedisClient connect(String url) {
		RedisClient candidate = RedisClient.create(RedisURI.create(url));
		candidate.setDefaultTimeout(Duration.ofSeconds(10));
		try (StatefulRedisConnection<String, String> connection = candidate.connect()) {
			connection.sync().ping();
			return candidate;
		}
		catch (RuntimeException ex) {
			candidate.shutdown(Duration.ZERO, Duration.ofSeconds(2));
			throw new AssertionError("No Redis answers at " + url + ". " + HOW_TO_START, ex);
		}
	}

	/**
	 * @return the URL of the resolved Redis
	 */
	public static synchronized String url() {
		client();
		return url;
	}

	/**
	 * @return a key prefix no other test uses, such as {@code t1a2b3c4d:}
	 */
	public static String uniqueKeyPrefix() {
		return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) + ":";
	}

	/**
	 * Deletes every key that starts with {@code namespace}.
	 * @param namespace the keys' common start, such as <code>{t1a2b3c4d}:</code>
	 * @return how many keys were deleted
	 */
	public static long deleteKeys(String namespace) {
		long deleted = 0;
		try (StatefulRedisConnection<String, String> connection = client().connect()) {
			RedisCommands<String, String> commands = connection.sync();
			ScanCursor cursor = ScanCursor.INITIAL;
			// SCAN patterns treat '[', '?', '*' and '\' as special; escape them in the prefix.
			ScanArgs match = ScanArgs.Builder.matches(namespace.replaceAll("([\\[\\]?*\\\\])", "\\\\$1") + "*")
				.limit(1000);
			do {
				KeyScanCursor<String> page = commands.scan(cursor, match);
				List<String> keys = page.getKeys();
				if (!keys.isEmpty()) {
					deleted += commands.del(keys.toArray(new String[0]));
				}
				cursor = page;
			}
			while (!cursor.isFinished());
		}
		return deleted;
	}

	private static String resolveUrl() {
		String explicit = System.getenv(URL_VARIABLE);
		if (explicit != null && !explicit.isBlank()) {
			return explicit;
		}
		if (dockerLikelyPresent() && DockerClientFactory.instance().isDockerAvailable()) {
			container = new GenericContainer<>("redis:7").withExposedPorts(6379)
				.withCommand("redis-server", "--save", "", "--appendonly", "no");
			container.start();
			return "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
		}
		return LOCAL_URL;
	}

	/**
	 * Asking Testcontainers whether Docker is reachable takes seconds when it is not, so it
	 * is asked only when a Docker engine could be there at all.
	 */
	private static boolean dockerLikelyPresent() {
		return System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"))
				|| Files.exists(Path.of(System.getProperty("user.home"), ".docker", "run", "docker.sock"))
				|| Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
	}

	private static synchronized void shutdown() {
		if (client != null) {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
		if (container != null) {
			container.stop();
		}
	}

}
