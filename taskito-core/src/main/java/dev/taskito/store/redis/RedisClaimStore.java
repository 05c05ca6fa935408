package dev.taskito.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskitoDefaults;
import dev.taskito.TaskitoException;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.ReapedJob;
import dev.taskito.store.Reschedule;
import dev.taskito.store.StoreUnavailableException;
import dev.taskito.store.TokenRequest;

/**
 * A {@link ClaimStore} on Redis through Lettuce. Every state change is one Lua script from
 * a resource file next to this class ({@code dequeue.lua}, {@code finish.lua}, ...), loaded
 * once with {@code SCRIPT LOAD} and run with {@code EVALSHA}; a {@code NOSCRIPT} reply (a
 * restarted or failed-over Redis) loads it again and retries. Scripts are atomic on the
 * server, so a claim, a count and a rollback never interleave with another instance's.
 *
 * <p>Every key starts with the namespace made from the key prefix: prefix {@code taskito:}
 * gives keys such as {@code {taskito}:job:<id>}. The braces are a Redis Cluster hash tag, so
 * a namespace lives in one slot and each script touches one node; one namespace therefore
 * scales with one Redis primary, and separate namespaces spread over a cluster. See
 * {@code docs/redis.md} for the key layout.
 *
 * <p>Times (leases, due times, timestamps) come from Redis {@code TIME} inside the scripts.
 * The store opens its own connections from the given {@link RedisClient} (named with
 * {@code CLIENT SETNAME}) and closes only those; the client stays the caller's.
 *
 * <pre class="code">
 * RedisClaimStore store = RedisClaimStore.builder(client).keyPrefix("taskito:").build();
 * store.start();
 * </pre>
 */
public final class RedisClaimStore implements ClaimStore {

	private static final Logger logger = LoggerFactory.getLogger(RedisClaimStore.class);

	/** Fields per claimed job in the replies of {@code dequeue.lua} and {@code recover.lua}. */
	private static final int CLAIM_FIELDS = 10;

	/** How many leases or finished jobs one reap or purge script handles, to keep each short. */
	private static final int SWEEP_SIZE = 500;

	/**
	 * How many keys each reap looks at, continuing a SCAN shared by all instances, for
	 * RUNNING jobs without a lease: only a hand-made or corrupted job is in that state, so the
	 * sweep is slow and cheap (about a millisecond of Redis time per reap).
	 */
	private static final int SCAN_SIZE = 1000;

	/**
	 * Scripts whose replay would not answer as their first run: a second cancel or retry
	 * answers {@code false}. (A replayed take of tokens takes them twice, which only slows
	 * the rate down, and a give-back that fails would leave the dispatcher's batch behind.)
	 */
	private static final Set<String> UNREPEATABLE_SCRIPTS = Set.of("cancel", "retry");

	/**
	 * How long the store's commands wait by default: well under a lease, so that a heartbeat
	 * that cannot reach Redis fails soon enough for the dispatcher to stop its jobs before
	 * their leases expire, and to try again.
	 */
	static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);

	/** How often a repeatable command is tried when its connection drops under it. */
	private static final int ATTEMPTS_AFTER_DROP = 3;

	private final RedisClient client;

	private final String namespace;

	private final String clientName;

	private final Duration commandTimeout;

	private final Map<String, Script> scripts = new LinkedHashMap<>();

	private final List<Runnable> wakeUpListeners = new CopyOnWriteArrayList<>();

	private final Object lifecycle = new Object();

	private volatile StatefulRedisConnection<String, String> connection;

	private volatile StatefulRedisPubSubConnection<String, String> pubSubConnection;

	private RedisClaimStore(Builder builder) {
		this.client = builder.client;
		this.namespace = namespaceOf(builder.keyPrefix);
		this.clientName = builder.clientName;
		this.commandTimeout = builder.commandTimeout;
		String library = readScript("lib");
		for (String name : List.of("enqueue", "dequeue", "recover", "count", "finish", "rollback", "heartbeat",
				"remove_instance", "pause", "tokens", "reap", "purge", "cancel", "retry")) {
			this.scripts.put(name, new Script(library + "\n" + readScript(name), !UNREPEATABLE_SCRIPTS.contains(name)));
		}
	}

	/**
	 * Starts building a store on {@code client}, such as the client of Spring Data Redis's
	 * {@code LettuceConnectionFactory}.
	 * @param client the Lettuce client to open connections from
	 * @return a builder
	 */
	public static Builder builder(RedisClient client) {
		return new Builder(client);
	}

	/**
	 * Turns a key prefix into the namespace every key starts with: the prefix without its
	 * trailing colon, in braces (a Cluster hash tag), then a colon. A prefix that already has
	 * a hash tag is used as it is.
	 * @param keyPrefix the prefix, such as {@code taskito:}
	 * @return the namespace, such as <code>{taskito}:</code>
	 */
	static String namespaceOf(String keyPrefix) {
		if (keyPrefix.matches(".*\\{[^}]+}.*")) {
			return keyPrefix.endsWith(":") ? keyPrefix : keyPrefix + ":";
		}
		String name = keyPrefix.endsWith(":") ? keyPrefix.substring(0, keyPrefix.length() - 1) : keyPrefix;
		if (name.isEmpty()) {
			throw new IllegalArgumentException("keyPrefix must not be empty; use such as \"taskito:\"");
		}
		return "{" + name + "}:";
	}

	/**
	 * @return the namespace every key of this store starts with, such as <code>{taskito}:</code>
	 */
	public String namespace() {
		return this.namespace;
	}

	/**
	 * @return the name the store's connections give themselves with {@code CLIENT SETNAME}
	 */
	public String clientName() {
		return this.clientName;
	}

	/**
	 * Opens the store's connection and loads every script. Idempotent.
	 * @throws StoreUnavailableException naming the Redis client's URI when Redis does not answer
	 */
	@Override
	public void start() {
		synchronized (this.lifecycle) {
			if (this.connection != null) {
				return;
			}
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
				for (Script script : this.scripts.values()) {
					script.sha = opened.sync().scriptLoad(script.source);
				}
			}
			catch (RuntimeException ex) {
				opened.close();
				throw translate("start the store", ex);
			}
			this.connection = opened;
			if (!this.wakeUpListeners.isEmpty()) {
				subscribe();
			}
		}
	}

	/**
	 * Names a connection so that operators (and the fault tests) can tell the store's
	 * connections apart in {@code CLIENT LIST}. A plain {@code CLIENT SETNAME} is forgotten
	 * when Lettuce reconnects; the connection's own {@code setClientName} is kept in its
	 * state and sent again in every reconnect's handshake.
	 */
	private static void nameConnection(StatefulRedisConnection<String, String> connection, String name) {
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

	@Override
	public List<JobId> enqueue(List<NewJob> jobs) {
		if (jobs.isEmpty()) {
			throw new IllegalArgumentException("enqueue needs at least one job");
		}
		List<String> args = new ArrayList<>(jobs.size() * 10);
		for (NewJob job : jobs) {
			args.add(job.id().toString());
			args.add(job.taskName());
			args.add(job.queue());
			args.add(job.payload());
			args.add(Integer.toString(job.priority()));
			args.add(Long.toString(Math.max(0, job.delay().toMillis())));
			args.add((job.runAt() != null) ? Long.toString(Math.max(0, job.runAt().toEpochMilli())) : "");
			args.add((job.uniqueKey() != null) ? job.uniqueKey() : "");
			args.add(Integer.toString(job.maxRetries()));
			args.add((job.timeout() != null) ? Long.toString(job.timeout().toMillis()) : "");
		}
		List<Object> reply = run("enqueue", "enqueue " + jobs.size() + " jobs", args);
		return reply.stream().map((id) -> JobId.parse(id.toString())).toList();
	}

	@Override
	public Optional<JobView> find(JobId id) {
		Map<String, String> job = call("find job " + id, true, () -> commands().hgetall(this.namespace + "job:" + id));
		if (job == null || job.isEmpty()) {
			return Optional.empty();
		}
		return Optional.of(new JobView(id, job.get("task"), job.get("queue"), JobStatus.valueOf(job.get("status")),
				Integer.parseInt(job.get("attempts")), Integer.parseInt(job.get("max_retries")),
				Integer.parseInt(job.get("priority")), instant(job.get("created")), instant(job.get("run_at")),
				instant(job.get("started")), instant(job.get("finished")), job.get("error"), job.get("result"),
				job.get("unique_key")));
	}

	@Override
	public boolean cancel(JobId id) {
		return number(run("cancel", "cancel job " + id, List.of(id.toString()))) == 1;
	}

	@Override
	public boolean retry(JobId id) {
		return number(run("retry", "retry job " + id, List.of(id.toString()))) == 1;
	}

	@Override
	public void setQueuePaused(String queue, boolean paused) {
		run("pause", (paused ? "pause" : "resume") + " queue " + queue, List.of(queue, paused ? "1" : "0"));
	}

	@Override
	public Set<String> pausedQueues() {
		return Set.copyOf(call("read paused queues", true, () -> commands().smembers(this.namespace + "paused")));
	}

	@Override
	public List<ClaimedJob> claim(ClaimRequest request, UUID batchId) {
		List<String> args = new ArrayList<>();
		args.add(request.instanceId());
		args.add(Long.toString(request.lease().toMillis()));
		args.add(Integer.toString(request.limit()));
		args.add(batchId.toString());
		// The batch's record outlives every claim in it unless heartbeats renew them, which
		// is all recoverClaim needs: an unrenewed claim is reaped after lease and grace.
		args.add(Long.toString(Math.max(Duration.ofMinutes(10).toMillis(), request.lease().toMillis() * 4)));
		args.add(Integer.toString(request.queues().size()));
		args.addAll(request.queues());
		addCounts(args, request.taskLimits());
		addCounts(args, request.queueLimits());
		addCounts(args, request.taskCaps());
		addCounts(args, request.queueCaps());
		for (int i = 0; i < request.limit(); i++) {
			args.add(freshToken().toString());
		}
		return claimedJobs(run("dequeue", "claim jobs for instance " + request.instanceId(), args));
	}

	/** Adds a count of entries, then each name and number. */
	private static void addCounts(List<String> args, Map<String, Integer> counts) {
		args.add(Integer.toString(counts.size()));
		counts.forEach((name, count) -> {
			args.add(name);
			args.add(Integer.toString(count));
		});
	}

	@Override
	public List<ClaimedJob> recoverClaim(String instanceId, UUID batchId) {
		return claimedJobs(run("recover", "recover claim batch " + batchId, List.of(instanceId, batchId.toString())));
	}

	@Override
	public ClaimCounts countClaims(Set<String> tasks, Set<String> queues) {
		List<String> taskList = List.copyOf(tasks);
		List<String> queueList = List.copyOf(queues);
		List<String> args = new ArrayList<>();
		args.add(Integer.toString(taskList.size()));
		args.addAll(taskList);
		args.addAll(queueList);
		List<Object> reply = run("count", "count claims", args);
		Map<String, Integer> byTask = new HashMap<>();
		Map<String, Integer> byQueue = new HashMap<>();
		// Like the JDBC store's GROUP BY, a task or queue without claims is left out.
		for (int i = 0; i < taskList.size(); i++) {
			putIfClaimed(byTask, taskList.get(i), number(reply.get(i)));
		}
		for (int i = 0; i < queueList.size(); i++) {
			putIfClaimed(byQueue, queueList.get(i), number(reply.get(taskList.size() + i)));
		}
		return new ClaimCounts(byTask, byQueue);
	}

	private static void putIfClaimed(Map<String, Integer> counts, String name, long count) {
		if (count > 0) {
			counts.put(name, (int) count);
		}
	}

	@Override
	public Set<ClaimRef> rollback(List<Reschedule> reschedules) {
		if (reschedules.isEmpty()) {
			return Set.of();
		}
		List<String> args = new ArrayList<>();
		for (Reschedule reschedule : reschedules) {
			addClaim(args, reschedule.claim());
			args.add(Long.toString(Math.max(0, reschedule.delay().toMillis())));
		}
		return claimsOf(run("rollback", "roll back " + reschedules.size() + " claims", args));
	}

	@Override
	public Set<ClaimRef> finish(List<Outcome> outcomes, boolean wakeOthers) {
		if (outcomes.isEmpty()) {
			return Set.of();
		}
		List<String> args = new ArrayList<>();
		args.add(wakeOthers ? "1" : "0");
		for (Outcome outcome : outcomes) {
			if (outcome instanceof Outcome.Succeeded succeeded) {
				args.add((succeeded.result() != null) ? "R" : "S");
				addClaim(args, outcome.claim());
				args.add((succeeded.result() != null) ? succeeded.result() : "");
				args.add("0");
			}
			else if (outcome instanceof Outcome.Failed failed) {
				args.add(failed.isDead() ? "D" : "F");
				addClaim(args, outcome.claim());
				args.add(failed.error());
				args.add(failed.isDead() ? "0" : Long.toString(Math.max(0, failed.retryDelay().toMillis())));
			}
		}
		return claimsOf(run("finish", "record " + outcomes.size() + " outcomes", args));
	}

	private static void addClaim(List<String> args, ClaimRef claim) {
		args.add(claim.jobId().toString());
		args.add(claim.token().toString());
	}

	@Override
	public HeartbeatResult heartbeat(Heartbeat heartbeat) {
		List<String> args = new ArrayList<>();
		args.add(heartbeat.instanceId());
		args.add(Long.toString(heartbeat.lease().toMillis()));
		addCaps(args, heartbeat.taskCaps());
		addCaps(args, heartbeat.queueCaps());
		for (ClaimRef claim : heartbeat.claims()) {
			addClaim(args, claim);
		}
		List<Object> reply = run("heartbeat", "heartbeat of instance " + heartbeat.instanceId(), args);
		Set<ClaimRef> renewed = claimsOf(list(reply.get(0)));
		List<Object> caps = list(reply.get(1));
		Map<String, Integer> taskCaps = new HashMap<>();
		Map<String, Integer> queueCaps = new HashMap<>();
		for (int i = 0; i + 1 < caps.size(); i += 2) {
			String name = caps.get(i).toString();
			int cap = (int) number(caps.get(i + 1));
			(name.startsWith("t:") ? taskCaps : queueCaps).put(name.substring(2), cap);
		}
		return new HeartbeatResult(renewed, new ClaimCounts(taskCaps, queueCaps),
				Instant.ofEpochMilli(number(reply.get(2))));
	}

	private static void addCaps(List<String> args, Map<String, Integer> caps) {
		args.add(Integer.toString(caps.size()));
		caps.forEach((name, cap) -> {
			args.add(name);
			args.add(Integer.toString(cap));
		});
	}

	@Override
	public void removeInstance(String instanceId) {
		run("remove_instance", "remove instance " + instanceId, List.of(instanceId));
	}

	@Override
	public Map<String, Integer> takeTokens(List<TokenRequest> requests) {
		if (requests.isEmpty()) {
			return Map.of();
		}
		List<String> args = new ArrayList<>();
		for (TokenRequest request : requests) {
			args.add(request.bucket());
			args.add(Integer.toString(request.limit().permits()));
			args.add(Long.toString(Math.max(1, request.limit().period().toMillis())));
			args.add(Integer.toString(request.count()));
		}
		List<Object> reply = run("tokens", "take rate-limit tokens", args);
		Map<String, Integer> granted = new LinkedHashMap<>();
		for (int i = 0; i < requests.size(); i++) {
			granted.merge(requests.get(i).bucket(), (int) number(reply.get(i)), Integer::sum);
		}
		return granted;
	}

	@Override
	public List<ReapedJob> reap(Duration grace, Instant reaperConnectedAt) {
		String connectedAtMillis = Long.toString(
				Objects.requireNonNull(reaperConnectedAt, "reaperConnectedAt").toEpochMilli());
		List<ReapedJob> reaped = new ArrayList<>();
		List<Object> reply;
		// The first call also sweeps on through the namespace for RUNNING jobs without a lease.
		int scanCount = SCAN_SIZE;
		do {
			reply = run("reap", "reap expired leases", List.of(Long.toString(Math.max(0, grace.toMillis())),
					Integer.toString(SWEEP_SIZE), Integer.toString(scanCount), connectedAtMillis));
			scanCount = 0;
			for (int i = 0; i + 3 < reply.size(); i += 4) {
				String instance = reply.get(i + 2).toString();
				reaped.add(new ReapedJob(JobId.parse(reply.get(i).toString()), reply.get(i + 1).toString(),
						instance.isEmpty() ? null : instance, JobStatus.valueOf(reply.get(i + 3).toString())));
			}
		}
		while (reply.size() / 4 >= SWEEP_SIZE);
		return reaped;
	}

	@Override
	public int purge(Duration succeeded, Duration dead) {
		int deleted = 0;
		List<Object> reply;
		do {
			reply = run("purge", "purge finished jobs", List.of(Long.toString(succeeded.toMillis()),
					Long.toString(dead.toMillis()), Integer.toString(SWEEP_SIZE)));
			deleted += (int) number(reply.get(0));
		}
		while (number(reply.get(1)) > 0 && number(reply.get(1)) >= SWEEP_SIZE);
		return deleted;
	}

	@Override
	public void addWakeUpListener(Runnable listener) {
		Objects.requireNonNull(listener, "listener");
		this.wakeUpListeners.add(listener);
		synchronized (this.lifecycle) {
			if (this.connection != null) {
				subscribe();
			}
		}
	}

	/**
	 * Subscribes to the namespace's wake-up channel once: the scripts {@code PUBLISH} there
	 * when they enqueue due jobs, free a capped slot, resume a queue or reap a lease, so an
	 * idle dispatcher starts at once instead of at its next poll. Lettuce subscribes again by
	 * itself after a reconnect.
	 */
	private void subscribe() {
		if (this.pubSubConnection != null) {
			return;
		}
		StatefulRedisPubSubConnection<String, String> pubSub;
		try {
			pubSub = this.client.connectPubSub();
		}
		catch (RedisException ex) {
			throw new StoreUnavailableException("Cannot open the Redis connection for Taskito wake-ups", ex);
		}
		try {
			pubSub.addListener(new RedisPubSubAdapter<>() {

				private boolean subscribedBefore;

				@Override
				public void message(String channel, String message) {
					// Passed on at once, to every instance: the claim's cap gate keeps instances
					// that claim together from over-claiming a freed slot between them.
					notifyWakeUpListeners();
				}

				@Override
				public void subscribed(String channel, long count) {
					// Lettuce subscribes again after a reconnect; whatever was published while
					// the connection was down is lost, so look for due work now.
					if (this.subscribedBefore) {
						notifyWakeUpListeners();
					}
					this.subscribedBefore = true;
				}

			});
			nameConnection(pubSub, this.clientName + "-wakeup");
			pubSub.sync().subscribe(this.namespace + "wakeup");
		}
		catch (RuntimeException ex) {
			pubSub.close();
			throw translate("subscribe to wake-ups", ex);
		}
		this.pubSubConnection = pubSub;
	}

	private void notifyWakeUpListeners() {
		for (Runnable listener : this.wakeUpListeners) {
			try {
				listener.run();
			}
			catch (RuntimeException ex) {
				logger.warn("A Taskito wake-up listener failed", ex);
			}
		}
	}

	/**
	 * Closes the store's own connections; the {@link RedisClient} and the data stay.
	 */
	@Override
	public void close() {
		synchronized (this.lifecycle) {
			if (this.pubSubConnection != null) {
				this.pubSubConnection.close();
				this.pubSubConnection = null;
			}
			if (this.connection != null) {
				this.connection.close();
				this.connection = null;
			}
		}
	}

	private RedisCommands<String, String> commands() {
		StatefulRedisConnection<String, String> current = this.connection;
		if (current == null) {
			throw new IllegalStateException("The Redis claim store is not started: call start() first");
		}
		return current.sync();
	}

	/**
	 * Runs a script by its SHA, loading it again when Redis no longer knows it (a restart or
	 * a fail-over to a replica that never saw {@code SCRIPT LOAD}).
	 */
	private List<Object> run(String name, String operation, List<String> args) {
		Script script = this.scripts.get(name);
		String[] keys = { this.namespace };
		String[] values = args.toArray(new String[0]);
		return call(operation, script.repeatable, () -> {
			RedisCommands<String, String> commands = commands();
			Object reply;
			try {
				reply = commands.evalsha(script.sha, ScriptOutputType.MULTI, keys, values);
			}
			catch (RedisNoScriptException ex) {
				script.sha = commands.scriptLoad(script.source);
				reply = commands.evalsha(script.sha, ScriptOutputType.MULTI, keys, values);
			}
			return list(reply);
		});
	}

	/**
	 * Runs a command, repeating it (at most {@value #ATTEMPTS_AFTER_DROP} times in all) when
	 * the connection dropped under it and it is safe to repeat: reads, and scripts whose
	 * replay finds their own earlier effect (a batch id, a job id, a claim token) and
	 * answers as the first run would have. Lettuce reconnects by itself and holds the
	 * repeated command until it has, so a killed connection costs the caller nothing. A
	 * timeout is not repeated: Redis may still be running the command.
	 */
	private <T> T call(String operation, boolean repeatable, Supplier<T> action) {
		for (int attempt = 1;; attempt++) {
			try {
				return action.get();
			}
			catch (RuntimeException ex) {
				if (!repeatable || attempt >= ATTEMPTS_AFTER_DROP || !isDroppedConnection(ex)) {
					throw translate(operation, ex);
				}
				logger.debug("Redis connection dropped while trying to {}; repeating it", operation, ex);
			}
		}
	}

	private static boolean isDroppedConnection(RuntimeException ex) {
		return ex instanceof RedisException && !(ex instanceof RedisCommandExecutionException)
				&& !(ex instanceof RedisCommandTimeoutException) && !(ex instanceof RedisCommandInterruptedException);
	}

	/**
	 * Tells an unreachable Redis (its outcome unknown, worth retrying) from a refused command
	 * (a bug or bad input, not worth retrying).
	 */
	private static RuntimeException translate(String operation, RuntimeException ex) {
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

	private List<ClaimedJob> claimedJobs(List<Object> reply) {
		List<ClaimedJob> jobs = new ArrayList<>(reply.size() / CLAIM_FIELDS);
		for (int i = 0; i + CLAIM_FIELDS - 1 < reply.size(); i += CLAIM_FIELDS) {
			String timeout = reply.get(i + 7).toString();
			jobs.add(new ClaimedJob(
					new ClaimRef(JobId.parse(reply.get(i).toString()), UUID.fromString(reply.get(i + 1).toString())),
					reply.get(i + 2).toString(), reply.get(i + 3).toString(), reply.get(i + 4).toString(),
					(int) number(reply.get(i + 5)), (int) number(reply.get(i + 6)),
					timeout.isEmpty() ? null : Duration.ofMillis(Long.parseLong(timeout)),
					(int) number(reply.get(i + 8)), Instant.ofEpochMilli(number(reply.get(i + 9)))));
		}
		return jobs;
	}

	/**
	 * Reads the claims a script answers with, as id and token each.
	 */
	private static Set<ClaimRef> claimsOf(List<Object> reply) {
		Set<ClaimRef> claims = new LinkedHashSet<>();
		for (int i = 0; i + 1 < reply.size(); i += 2) {
			claims.add(new ClaimRef(JobId.parse(reply.get(i).toString()), UUID.fromString(reply.get(i + 1).toString())));
		}
		return claims;
	}

	@SuppressWarnings("unchecked")
	private static List<Object> list(Object reply) {
		if (reply == null) {
			return List.of();
		}
		if (reply instanceof List<?> list) {
			return (List<Object>) list;
		}
		return List.of(reply);
	}

	private static long number(Object value) {
		if (value instanceof Number number) {
			return number.longValue();
		}
		if (value instanceof List<?> list && list.size() == 1) {
			return number(list.get(0));
		}
		return Long.parseLong(String.valueOf(value));
	}

	private static long number(List<Object> reply) {
		return number(reply.isEmpty() ? null : reply.get(0));
	}

	private static Instant instant(String millis) {
		return (millis == null || millis.isEmpty()) ? null : Instant.ofEpochMilli(Long.parseLong(millis));
	}

	/**
	 * A random version 4 UUID. Claim tokens fence writes against stale workers; they need to
	 * be unique, not secret, so the fast thread-local generator will do.
	 */
	private static UUID freshToken() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		long most = (random.nextLong() & ~0xF000L) | 0x4000L;
		long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(most, least);
	}

	private static String readScript(String name) {
		String resource = name + ".lua";
		try (InputStream in = RedisClaimStore.class.getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalStateException("Missing Lua script " + resource + " next to " + RedisClaimStore.class);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read Lua script " + resource, ex);
		}
	}

	/**
	 * A script's source (the shared library and the script) and its SHA once loaded.
	 */
	private static final class Script {

		final String source;

		/** Whether a replay after a dropped connection answers as the first run would. */
		final boolean repeatable;

		volatile String sha;

		Script(String source, boolean repeatable) {
			this.source = source;
			this.repeatable = repeatable;
		}

	}

	/**
	 * Settings of a {@link RedisClaimStore}.
	 */
	public static final class Builder {

		private final RedisClient client;

		private String keyPrefix = TaskitoDefaults.KEY_PREFIX;

		private String clientName = "taskito-" + ManagementFactory.getRuntimeMXBean().getName().replaceAll("[^\\w.@-]", "_");

		private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;

		private Builder(RedisClient client) {
			this.client = Objects.requireNonNull(client, "client");
		}

		/**
		 * @param keyPrefix the prefix of every key, {@code taskito:} by default; it becomes
		 * the Cluster hash tag of the namespace (see {@link RedisClaimStore})
		 * @return this
		 */
		public Builder keyPrefix(String keyPrefix) {
			Objects.requireNonNull(keyPrefix, "keyPrefix");
			namespaceOf(keyPrefix);
			this.keyPrefix = keyPrefix;
			return this;
		}

		/**
		 * @param clientName the name the store's connections give themselves with
		 * {@code CLIENT SETNAME} (no spaces), {@code taskito-<pid@host>} by default
		 * @return this
		 */
		public Builder clientName(String clientName) {
			if (clientName == null || clientName.isBlank() || clientName.contains(" ")) {
				throw new IllegalArgumentException("clientName must be non-blank without spaces, was '" + clientName + "'");
			}
			this.clientName = clientName;
			return this;
		}

		/**
		 * @param commandTimeout how long a command may take (or wait for a reconnect) before
		 * it fails with {@link StoreUnavailableException}, 5 seconds by default; {@code null}
		 * keeps the client's (Lettuce's default is 60 seconds, long enough for leases to
		 * expire while a heartbeat waits)
		 * @return this
		 */
		public Builder commandTimeout(Duration commandTimeout) {
			this.commandTimeout = commandTimeout;
			return this;
		}

		/**
		 * @return the store, not started yet
		 */
		public RedisClaimStore build() {
			return new RedisClaimStore(this);
		}

	}

	@Override
	public String toString() {
		return "RedisClaimStore[" + this.namespace + "]";
	}

}
