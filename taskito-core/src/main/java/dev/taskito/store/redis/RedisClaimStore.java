package dev.taskito.store.redis;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

import io.lettuce.core.RedisClient;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobView;
import dev.taskito.TaskitoDefaults;
import dev.taskito.store.BulkStep;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.ClusterGauges;
import dev.taskito.store.FinishAndClaim;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;
import dev.taskito.store.InstanceView;
import dev.taskito.store.FinishedCounts;
import dev.taskito.store.JobAdminStore;
import dev.taskito.store.JobCounts;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.ReapedJob;
import dev.taskito.store.Reschedule;
import dev.taskito.store.ScheduleRecord;
import dev.taskito.store.ScheduleSnapshot;
import dev.taskito.store.ScheduleTick;
import dev.taskito.store.StoreUnavailableException;
import dev.taskito.store.StrandedWork;
import dev.taskito.store.TaskKey;
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
 *
 * <p>This class wires the store's parts, opens and closes them under one lock, and delegates
 * each call to the part that owns it: {@link RedisClaims} (claim, count, roll back, finish),
 * {@link RedisLeases} (heartbeats and instances), {@link RedisMaintenance} (reap, purge),
 * {@link RedisJobAdmin} (enqueue, find, watch, cancel, retry, reschedule, delete, paused queues,
 * token buckets), {@link RedisJobIndex} (listing, counting, bulk steps) and
 * {@link RedisWakeUpChannel}; they run the scripts of {@link RedisScripts} on the connection
 * of {@link RedisConnector}, with the keys of {@link RedisKeys}.
 */
public final class RedisClaimStore implements ClaimStore {

	/**
	 * How long the store's commands wait by default: well under a lease, so that a heartbeat
	 * that cannot reach Redis fails soon enough for the dispatcher to stop its jobs before
	 * their leases expire, and to try again.
	 */
	static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);

	private final RedisKeys keys;

	private final String clientName;

	private final RedisConnector connector;

	private final RedisScripts scripts;

	private final RedisWakeUpChannel wakeUps;

	private final RedisJobAdmin jobAdmin;

	private final RedisJobIndex jobIndex;

	private final RedisClaims claims;

	private final RedisLeases leases;

	private final RedisGauges gauges;

	private final RedisMaintenance maintenance;

	private final RedisSchedules schedules;

	private final Object lifecycle = new Object();

	private RedisClaimStore(Builder builder) {
		this.keys = new RedisKeys(builder.keyPrefix);
		this.clientName = builder.clientName;
		this.connector = new RedisConnector(builder.client, builder.clientName, builder.commandTimeout,
				this.keys.namespace());
		this.scripts = new RedisScripts(this.connector, this.keys);
		this.wakeUps = new RedisWakeUpChannel(builder.client, builder.clientName, this.keys.wakeUpChannel(),
				this.keys.finishedChannel());
		this.jobAdmin = new RedisJobAdmin(this.scripts, this.connector, this.keys);
		this.jobIndex = new RedisJobIndex(this.scripts);
		this.claims = new RedisClaims(this.scripts);
		this.leases = new RedisLeases(this.scripts);
		this.gauges = new RedisGauges(this.scripts);
		this.maintenance = new RedisMaintenance(this.scripts);
		this.schedules = new RedisSchedules(this.scripts);
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
	 * @return the namespace every key of this store starts with, such as <code>{taskito}:</code>
	 */
	public String namespace() {
		return this.keys.namespace();
	}

	/**
	 * @return the name the store's connections give themselves with {@code CLIENT SETNAME}
	 */
	public String clientName() {
		return this.clientName;
	}

	/**
	 * Opens the store's connection, loads every script and indexes the jobs that a version
	 * without the job index stored (once per store: a sweep in bounded steps, whose cursor
	 * is kept in Redis). Idempotent.
	 * @throws StoreUnavailableException naming the Redis client's URI when Redis does not answer
	 */
	@Override
	public void start() {
		synchronized (this.lifecycle) {
			if (this.connector.isOpen()) {
				return;
			}
			this.connector.open(this.scripts::load);
			try {
				this.jobIndex.indexStoredJobs();
				this.wakeUps.subscribe();
			}
			catch (RuntimeException ex) {
				this.connector.close();
				throw ex;
			}
		}
	}

	@Override
	public List<JobId> enqueue(List<NewJob> jobs) {
		return this.jobAdmin.enqueue(jobs);
	}

	@Override
	public Optional<JobView> find(JobId id) {
		return this.jobAdmin.find(id);
	}

	@Override
	public boolean cancel(JobId id) {
		return this.jobAdmin.cancel(id);
	}

	@Override
	public boolean retry(JobId id) {
		return this.jobAdmin.retry(id);
	}

	@Override
	public List<JobView> jobs(JobQuery query) {
		return this.jobIndex.jobs(query);
	}

	@Override
	public long count(JobQuery query) {
		return this.jobIndex.count(query);
	}

	@Override
	public List<JobCounts> jobCounts() {
		return this.jobIndex.jobCounts();
	}

	@Override
	public Optional<String> payload(JobId id) {
		return this.jobAdmin.payload(Objects.requireNonNull(id, "id"));
	}

	@Override
	public List<FinishedCounts> finishedCounts(List<JobId> bounds) {
		return this.jobIndex.finishedCounts(JobAdminStore.requireSliceBounds(bounds));
	}

	@Override
	public BulkStep cancelStep(JobQuery query, JobId upTo) {
		return this.jobIndex.cancelStep(query, upTo);
	}

	@Override
	public BulkStep retryStep(JobQuery query, JobId upTo) {
		return this.jobIndex.retryStep(query, upTo);
	}

	@Override
	public Optional<JobId> newestId(JobQuery query) {
		return this.jobIndex.newestId(query);
	}

	@Override
	public boolean reschedule(JobId id, Instant runAt) {
		return this.jobAdmin.reschedule(id, runAt);
	}

	@Override
	public boolean delete(JobId id) {
		return this.jobAdmin.delete(id);
	}

	@Override
	public Optional<JobView> watch(JobId id) {
		return this.jobAdmin.watch(id);
	}

	@Override
	public void addFinishedListener(Consumer<JobId> listener) {
		this.wakeUps.addFinishedListener(listener);
		synchronized (this.lifecycle) {
			if (this.connector.isOpen()) {
				this.wakeUps.subscribe();
			}
		}
	}

	@Override
	public ScheduleRecord registerSchedule(String task, String definition) {
		return this.schedules.register(task, definition);
	}

	@Override
	public ScheduleSnapshot schedules() {
		return this.schedules.schedules();
	}

	@Override
	public ScheduleTick.Result enqueueTick(ScheduleTick tick) {
		return this.schedules.enqueueTick(Objects.requireNonNull(tick, "tick"));
	}

	@Override
	public boolean setSchedulePaused(String task, boolean paused) {
		return this.schedules.setPaused(task, paused);
	}

	@Override
	public boolean applyConfiguredPause(String queue, boolean paused) {
		return this.jobAdmin.applyConfiguredPause(queue, paused);
	}

	@Override
	public ClusterGauges gauges(int countLimit) {
		return this.gauges.gauges(countLimit, Map.of());
	}

	@Override
	public ClusterGauges gauges(int countLimit, Map<String, Integer> keyCaps) {
		return this.gauges.gauges(countLimit, keyCaps);
	}

	@Override
	public List<InstanceView> liveInstances() {
		return this.gauges.liveInstances();
	}

	@Override
	public void setQueuePaused(String queue, boolean paused) {
		this.jobAdmin.setQueuePaused(queue, paused);
	}

	@Override
	public Set<String> pausedQueues() {
		return this.jobAdmin.pausedQueues();
	}

	@Override
	public Map<String, Integer> takeTokens(List<TokenRequest> requests) {
		return this.jobAdmin.takeTokens(requests);
	}

	@Override
	public List<ClaimedJob> claim(ClaimRequest request, UUID batchId) {
		return this.claims.claim(request, batchId);
	}

	@Override
	public List<ClaimedJob> recoverClaim(String instanceId, UUID batchId) {
		return this.claims.recoverClaim(instanceId, batchId);
	}

	@Override
	public ClaimCounts countClaims(Set<String> tasks, Set<String> queues) {
		return this.claims.countClaims(tasks, queues, Set.of());
	}

	@Override
	public ClaimCounts countClaims(Set<String> tasks, Set<String> queues, Set<TaskKey> keys) {
		return this.claims.countClaims(tasks, queues, keys);
	}

	@Override
	public Set<ClaimRef> rollback(List<Reschedule> reschedules) {
		return this.claims.rollback(reschedules);
	}

	@Override
	public Set<ClaimRef> finish(List<Outcome> outcomes, boolean wakeOthers) {
		return this.claims.finish(outcomes, wakeOthers);
	}

	@Override
	public boolean wakesOthersAlone() {
		return true;
	}

	/**
	 * Publishes a wake-up on the namespace's channel, as the scripts do.
	 */
	@Override
	public void wakeOthers() {
		this.connector.call("wake the other instances", true,
				(commands) -> commands.publish(this.keys.wakeUpChannel(), "freed"));
	}

	/**
	 * Records the outcomes and claims in one round trip: the claim's script is sent right
	 * behind the outcomes' script, without waiting for its reply.
	 */
	@Override
	public FinishAndClaim finishAndClaim(List<Outcome> outcomes, boolean wakeOthers, ClaimRequest request,
			UUID batchId) {
		if (outcomes.isEmpty()) {
			return ClaimStore.super.finishAndClaim(outcomes, wakeOthers, request, batchId);
		}
		return this.claims.finishAndClaim(outcomes, wakeOthers, request, batchId);
	}

	@Override
	public HeartbeatResult heartbeat(Heartbeat heartbeat) {
		return this.leases.heartbeat(heartbeat);
	}

	@Override
	public void removeInstance(String instanceId) {
		this.leases.removeInstance(instanceId);
	}

	@Override
	public List<StrandedWork> strandedWork(int countLimit) {
		return this.leases.strandedWork(countLimit);
	}

	@Override
	public List<ReapedJob> reap(Duration grace, Instant reaperConnectedAt) {
		return this.maintenance.reap(grace, reaperConnectedAt);
	}

	@Override
	public int purge(Duration succeeded, Duration dead) {
		return this.maintenance.purge(succeeded, dead);
	}

	@Override
	public void addWakeUpListener(Runnable listener) {
		this.wakeUps.addListener(listener);
		synchronized (this.lifecycle) {
			if (this.connector.isOpen()) {
				this.wakeUps.subscribe();
			}
		}
	}

	/**
	 * Closes the store's own connections; the {@link RedisClient} and the data stay.
	 */
	@Override
	public void close() {
		synchronized (this.lifecycle) {
			this.wakeUps.close();
			this.connector.close();
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
			RedisKeys.namespaceOf(keyPrefix);
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
		return "RedisClaimStore[" + this.keys.namespace() + "]";
	}

}
