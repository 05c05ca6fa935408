package dev.taskito.store.redis;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.TaskitoException;
import dev.taskito.store.StoreUnavailableException;

/**
 * The store's command connection. {@link #open} connects from the caller's
 * {@link RedisClient}, names the connection, checks the Redis version (and warns about
 * settings that lose jobs) and lets the caller prepare it, all before anyone may use it; a
 * failure on the way closes it again. {@link #call} runs a command on it and turns Lettuce's
 * failures into the SPI's: {@link StoreUnavailableException} when Redis did not answer or
 * cannot answer right now (the outcome unknown, worth retrying), {@link TaskitoException}
 * when it refused the command. A command that is safe to repeat is repeated when the
 * connection drops under it.
 *
 * <p>Opening and closing are not synchronized here: the store calls them under its own
 * lifecycle lock.
 */
final class RedisConnector {

	private static final Logger logger = LoggerFactory.getLogger(RedisConnector.class);

	/** How often a repeatable command is tried when its connection drops under it. */
	private static final int ATTEMPTS_AFTER_DROP = 3;

	private final RedisClient client;

	private final String clientName;

	private final Duration commandTimeout;

	private final String namespace;

	private volatile StatefulRedisConnection<String, String> connection;

	/**
	 * @param client the caller's client, which stays the caller's
	 * @param clientName the name for {@code CLIENT SETNAME}
	 * @param commandTimeout how long a command may take, or {@code null} for the client's
	 * @param namespace the store's namespace, named in warnings
	 */
	RedisConnector(RedisClient client, String clientName, Duration commandTimeout, String namespace) {
		this.client = client;
		this.clientName = clientName;
		this.commandTimeout = commandTimeout;
		this.namespace = namespace;
	}

	/**
	 * @return whether {@link #open} succeeded and {@link #close} has not been called since
	 */
	boolean isOpen() {
		return this.connection != null;
	}

	/**
	 * Opens the connection; it is used only once {@code prepare} has returned.
	 * @param prepare what to do on the new connection before anyone may use it, such as
	 * loading the scripts
	 * @throws StoreUnavailableException naming the Redis client's URI when Redis does not answer
	 */
	void open(Consumer<RedisCommands<String, String>> prepare) {
		StatefulRedisConnection<String, String> opened;
		try {
			opened = this.client.connect();
		}
		catch (RedisException ex) {
			throw new StoreUnavailableException("Cannot connect to Redis for the Taskito store: check the Redis "
					+ "client's URI (spring.data.redis.* in a Spring Boot application) and that Redis is running", ex);
		}
		try {
			if (this.commandTimeout != null) {
				opened.setTimeout(this.commandTimeout);
			}
			nameConnection(opened, this.clientName);
			checkVersion(opened.sync());
			checkSafety(opened.sync());
			prepare.accept(opened.sync());
		}
		catch (RuntimeException ex) {
			opened.close();
			throw translate("start the store", ex);
		}
		this.connection = opened;
	}

	/**
	 * Closes the connection, if open; the {@link RedisClient} stays.
	 */
	void close() {
		if (this.connection != null) {
			this.connection.close();
			this.connection = null;
		}
	}

	/**
	 * Names a connection so that operators (and the fault tests) can tell the store's
	 * connections apart in {@code CLIENT LIST}. A plain {@code CLIENT SETNAME} is forgotten
	 * when Lettuce reconnects; the connection's own {@code setClientName} is kept in its
	 * state and sent again in every reconnect's handshake.
	 */
	static void nameConnection(StatefulRedisConnection<String, String> connection, String name) {
		if (connection instanceof StatefulRedisConnectionImpl<String, String> impl) {
			impl.setClientName(name);
		}
		else {
			connection.sync().clientSetname(name);
		}
	}

	/**
	 * Warns about settings that lose jobs. Managed Redis services often refuse
	 * {@code CONFIG}, so not being able to look is no reason to stop.
	 */
	private void checkSafety(RedisCommands<String, String> commands) {
		try {
			// One name per CONFIG GET: several at once needs Redis 7.
			Map<String, String> config = new HashMap<>();
			for (String name : List.of("maxmemory-policy", "appendonly", "save")) {
				config.putAll(commands.configGet(name));
			}
			String policy = config.getOrDefault("maxmemory-policy", "noeviction");
			if (!"noeviction".equals(policy)) {
				logger.warn("Redis evicts keys under memory pressure (maxmemory-policy {}): it could delete pending "
						+ "Taskito jobs in {}. Set maxmemory-policy noeviction.", policy, this.namespace);
			}
			if ("no".equals(config.get("appendonly")) && config.getOrDefault("save", "").isBlank()) {
				logger.info("Redis keeps nothing on disk (appendonly no, no save points): Taskito jobs in {} are lost "
						+ "when Redis restarts. Use appendonly yes for jobs that must survive.", this.namespace);
			}
		}
		catch (RedisException ex) {
			logger.debug("Cannot read the Redis configuration to check persistence and eviction", ex);
		}
	}

	private static void checkVersion(RedisCommands<String, String> commands) {
		String info = commands.info("server");
		for (String line : info.split("\r?\n")) {
			if (line.startsWith("redis_version:")) {
				String version = line.substring("redis_version:".length()).trim();
				int major = Integer.parseInt(version.replaceAll("^(\\d+).*", "$1"));
				if (major < 5) {
					// Scripts read TIME before writing, which needs effect replication (5.0+).
					throw new TaskitoException("The Taskito Redis store needs Redis 5.0 or later, found " + version);
				}
			}
		}
	}

	/**
	 * Runs a command, repeating it (at most {@value #ATTEMPTS_AFTER_DROP} times in all) when
	 * the connection dropped under it and it is safe to repeat: reads, and scripts whose
	 * replay finds their own earlier effect (a batch id, a job id, a claim token) and
	 * answers as the first run would have. Lettuce reconnects by itself and holds the
	 * repeated command until it has, so a killed connection costs the caller nothing. A
	 * timeout is not repeated: Redis may still be running the command.
	 * @param operation what the command does, for messages, such as {@code "find job <id>"}
	 * @param repeatable whether a replay answers as the first run would
	 * @param action the command
	 * @return the command's answer
	 * @throws IllegalStateException when the connection is not open
	 */
	<T> T call(String operation, boolean repeatable, Function<RedisCommands<String, String>, T> action) {
		for (int attempt = 1;; attempt++) {
			try {
				return action.apply(commands());
			}
			catch (RuntimeException ex) {
				if (!repeatable || attempt >= ATTEMPTS_AFTER_DROP || !isDroppedConnection(ex)) {
					throw translate(operation, ex);
				}
				logger.debug("Redis connection dropped while trying to {}; repeating it", operation, ex);
			}
		}
	}

	/**
	 * Sends commands without waiting for their replies, so that several go in one round trip;
	 * each reply is then read with {@link #await}. Nothing is repeated or translated here.
	 * @return the connection's asynchronous commands
	 * @throws IllegalStateException when the connection is not open
	 */
	RedisAsyncCommands<String, String> async() {
		return connection().async();
	}

	/**
	 * Waits for a reply sent with {@link #async()} as long as a command run with {@link #call}
	 * may take, and fails as that command would have failed (before {@link #call} repeats or
	 * translates it).
	 * @param reply the reply to wait for
	 * @return the reply's value
	 */
	<T> T await(RedisFuture<T> reply) {
		return LettuceFutures.awaitOrCancel(reply, connection().getTimeout().toNanos(), TimeUnit.NANOSECONDS);
	}

	private RedisCommands<String, String> commands() {
		return connection().sync();
	}

	private StatefulRedisConnection<String, String> connection() {
		StatefulRedisConnection<String, String> current = this.connection;
		if (current == null) {
			throw new IllegalStateException("The Redis claim store is not started: call start() first");
		}
		return current;
	}

	/**
	 * @return whether a command failed because its connection dropped under it, so that it may
	 *         be repeated when its replay answers as its first run would
	 */
	static boolean isDroppedConnection(RuntimeException ex) {
		return ex instanceof RedisException && !(ex instanceof RedisCommandExecutionException)
				&& !(ex instanceof RedisCommandTimeoutException) && !(ex instanceof RedisCommandInterruptedException);
	}

	/**
	 * Tells an unreachable Redis (its outcome unknown, worth retrying) from a refused command
	 * (a bug or bad input, not worth retrying).
	 */
	static RuntimeException translate(String operation, RuntimeException ex) {
		if (ex instanceof StoreUnavailableException || ex instanceof IllegalStateException) {
			return ex;
		}
		if (ex instanceof RedisCommandExecutionException refused) {
			String message = String.valueOf(refused.getMessage());
			if (message.startsWith("LOADING") || message.startsWith("BUSY") || message.startsWith("MASTERDOWN")
					|| message.startsWith("READONLY") || message.startsWith("TRYAGAIN")
					|| message.startsWith("CLUSTERDOWN") || message.startsWith("NOREPLICAS")) {
				return new StoreUnavailableException("Redis cannot " + operation + " right now: " + message, ex);
			}
			return new TaskitoException("Redis refused to " + operation + ": " + message, ex);
		}
		if (ex instanceof RedisException) {
			return new StoreUnavailableException("Redis did not answer while trying to " + operation
					+ " (" + ex.getMessage() + "); whether it took effect is unknown", ex);
		}
		return ex;
	}

}
