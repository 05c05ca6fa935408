package dev.taskito.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

import dev.taskito.Misfire;
import dev.taskito.TaskitoDefaults;

/**
 * Configuration of Taskito, bound from {@code taskito.*}. Every default is the core's own
 * constant in {@link TaskitoDefaults}; a test checks that they agree.
 */
@ConfigurationProperties("taskito")
public class TaskitoProperties {

	/**
	 * The directory of the embedded H2 database when no {@code taskito.jdbc.embedded-path}
	 * is set.
	 */
	public static final String DEFAULT_EMBEDDED_PATH = TaskitoDefaults.EMBEDDED_PATH;

	/**
	 * Which store holds the jobs.
	 */
	private final Store store = new Store();

	/**
	 * The JDBC store: the application's DataSource or the embedded H2 file.
	 */
	private final Jdbc jdbc = new Jdbc();

	/**
	 * The Redis store.
	 */
	private final Redis redis = new Redis();

	/**
	 * Per-task limits, keyed by task name, overriding what {@code @Task} declares.
	 */
	private Map<String, TaskLimits> tasks = new LinkedHashMap<>();

	/**
	 * Per-queue limits, keyed by queue name.
	 */
	private Map<String, QueueLimits> queues = new LinkedHashMap<>();

	/**
	 * The worker pool of this instance.
	 */
	private final Worker worker = new Worker();

	/**
	 * The dispatcher of this instance.
	 */
	private final Dispatcher dispatcher = new Dispatcher();

	/**
	 * The leases that claims are.
	 */
	private final Lease lease = new Lease();

	/**
	 * Retries of failed jobs.
	 */
	private final Retry retry = new Retry();

	/**
	 * Graceful shutdown.
	 */
	private final Shutdown shutdown = new Shutdown();

	/**
	 * How long finished jobs are kept.
	 */
	private final Retention retention = new Retention();

	public Store getStore() {
		return this.store;
	}

	public Jdbc getJdbc() {
		return this.jdbc;
	}

	public Redis getRedis() {
		return this.redis;
	}

	public Map<String, TaskLimits> getTasks() {
		return this.tasks;
	}

	public void setTasks(Map<String, TaskLimits> tasks) {
		this.tasks = tasks;
	}

	public Map<String, QueueLimits> getQueues() {
		return this.queues;
	}

	public void setQueues(Map<String, QueueLimits> queues) {
		this.queues = queues;
	}

	public Worker getWorker() {
		return this.worker;
	}

	public Dispatcher getDispatcher() {
		return this.dispatcher;
	}

	public Lease getLease() {
		return this.lease;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public Shutdown getShutdown() {
		return this.shutdown;
	}

	public Retention getRetention() {
		return this.retention;
	}

	/**
	 * The kinds of store Taskito can keep its jobs in.
	 */
	public enum StoreType {

		/**
		 * A relational database: the application's {@code DataSource}, else the embedded H2
		 * file.
		 */
		JDBC,

		/**
		 * Redis, through the application's Lettuce connection factory.
		 */
		REDIS

	}

	/**
	 * Whether the JDBC store creates the tables it is missing at startup.
	 */
	public enum InitializeSchema {

		/**
		 * Create missing tables at startup (after Flyway or Liquibase have run).
		 */
		ALWAYS,

		/**
		 * Never touch the schema; startup fails when the tables are missing.
		 */
		NEVER

	}

	/**
	 * Which store holds the jobs.
	 */
	public static class Store {

		/**
		 * The store to use: "jdbc" or "redis". Unset means auto: the application's
		 * DataSource, else Redis when a Redis connection factory exists, else an embedded H2
		 * database file.
		 */
		private StoreType type;

		public StoreType getType() {
			return this.type;
		}

		public void setType(StoreType type) {
			this.type = type;
		}

	}

	/**
	 * The JDBC store.
	 */
	public static class Jdbc {

		/**
		 * Name of the DataSource bean to keep jobs in, when the application has several.
		 */
		private String dataSource;

		/**
		 * Directory of the embedded H2 database used when the application has no
		 * DataSource. Opened by one process at a time.
		 */
		private String embeddedPath = DEFAULT_EMBEDDED_PATH;

		/**
		 * Prefix of Taskito's table names.
		 */
		private String tablePrefix = TaskitoDefaults.TABLE_PREFIX;

		/**
		 * Whether to create missing tables at startup: "always" or "never".
		 */
		private InitializeSchema initializeSchema = InitializeSchema.ALWAYS;

		/**
		 * The dispatcher's own connection pool, derived from the application's HikariCP
		 * pool.
		 */
		private final Pool pool = new Pool();

		public String getDataSource() {
			return this.dataSource;
		}

		public void setDataSource(String dataSource) {
			this.dataSource = dataSource;
		}

		public String getEmbeddedPath() {
			return this.embeddedPath;
		}

		public void setEmbeddedPath(String embeddedPath) {
			this.embeddedPath = embeddedPath;
		}

		public String getTablePrefix() {
			return this.tablePrefix;
		}

		public void setTablePrefix(String tablePrefix) {
			this.tablePrefix = tablePrefix;
		}

		public InitializeSchema getInitializeSchema() {
			return this.initializeSchema;
		}

		public void setInitializeSchema(InitializeSchema initializeSchema) {
			this.initializeSchema = initializeSchema;
		}

		public Pool getPool() {
			return this.pool;
		}

	}

	/**
	 * The small connection pool of Taskito's own that the dispatcher uses when jobs live in
	 * the application's HikariCP DataSource (same database and credentials): its bounds
	 * make every store call end well before a lease could be taken back.
	 */
	public static class Pool {

		/**
		 * Most connections of the dispatcher's pool (dispatch, completer, heartbeat,
		 * maintenance, the PostgreSQL LISTEN, and find, retry and pauses).
		 */
		private int maximumSize = TaskitoDefaults.JDBC_POOL_MAXIMUM_SIZE;

		/**
		 * How long a store call waits for a connection of the dispatcher's pool. Keep it
		 * shorter than "taskito.lease.heartbeat-interval". Also bounds the embedded H2
		 * file's pool.
		 */
		private Duration connectionTimeout = TaskitoDefaults.JDBC_CONNECTION_TIMEOUT;

		/**
		 * How long a PostgreSQL connection of the dispatcher's pool waits for an answer
		 * (the driver's socketTimeout, in whole seconds; TCP keepalive is switched on too).
		 * With the connection timeout, keep it shorter than "taskito.lease.duration" minus
		 * "taskito.lease.heartbeat-interval".
		 */
		private Duration socketTimeout = TaskitoDefaults.JDBC_SOCKET_TIMEOUT;

		public int getMaximumSize() {
			return this.maximumSize;
		}

		public void setMaximumSize(int maximumSize) {
			this.maximumSize = maximumSize;
		}

		public Duration getConnectionTimeout() {
			return this.connectionTimeout;
		}

		public void setConnectionTimeout(Duration connectionTimeout) {
			this.connectionTimeout = connectionTimeout;
		}

		public Duration getSocketTimeout() {
			return this.socketTimeout;
		}

		public void setSocketTimeout(Duration socketTimeout) {
			this.socketTimeout = socketTimeout;
		}

	}

	/**
	 * The Redis store.
	 */
	public static class Redis {

		/**
		 * Prefix of Taskito's Redis keys.
		 */
		private String keyPrefix = TaskitoDefaults.KEY_PREFIX;

		/**
		 * How long a Redis command of Taskito's may take (or wait for a reconnect) before
		 * it fails, whatever "spring.data.redis.timeout" says. Keep it shorter than
		 * "taskito.lease.duration" minus "taskito.lease.heartbeat-interval".
		 */
		private Duration commandTimeout = TaskitoDefaults.REDIS_COMMAND_TIMEOUT;

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public Duration getCommandTimeout() {
			return this.commandTimeout;
		}

		public void setCommandTimeout(Duration commandTimeout) {
			this.commandTimeout = commandTimeout;
		}

	}

	/**
	 * Limits of one task, overriding its {@code @Task} attributes; unset ones keep the
	 * annotation's value.
	 */
	public static class TaskLimits {

		/**
		 * Most jobs of this task running at once across every instance; 0 for no cap.
		 */
		private Integer maxConcurrent;

		/**
		 * Most jobs of this task with one concurrency key running at once across every
		 * instance; 0 for no cap per key.
		 */
		private Integer maxConcurrentPerKey;

		/**
		 * Retries after a failed first attempt before the job is marked dead.
		 */
		private Integer maxRetries;

		/**
		 * How long one attempt may run before it is interrupted and counts as failed.
		 */
		private Duration timeout;

		/**
		 * Cluster-wide rate limit such as "100/m" or "5/10s" (units s, m, h, d).
		 */
		private String rateLimit;

		/**
		 * Default priority of the task's jobs; higher runs first.
		 */
		private Integer priority;

		/**
		 * Cron expression (six fields, seconds first) that makes the task periodic: each tick
		 * enqueues one job across the cluster. Overrides @Task(cron); "-" switches it off.
		 */
		private String cron;

		/**
		 * Time zone the cron expression is read in, such as "Europe/Paris"; blank means UTC,
		 * never the JVM's zone. Overrides @Task(zone).
		 */
		private String zone;

		/**
		 * What a periodic task does with ticks missed while every instance was down or the
		 * schedule paused: one catch-up run (run-once) or none (skip).
		 */
		private Misfire misfire;

		public Integer getMaxConcurrent() {
			return this.maxConcurrent;
		}

		public void setMaxConcurrent(Integer maxConcurrent) {
			this.maxConcurrent = maxConcurrent;
		}

		public Integer getMaxConcurrentPerKey() {
			return this.maxConcurrentPerKey;
		}

		public void setMaxConcurrentPerKey(Integer maxConcurrentPerKey) {
			this.maxConcurrentPerKey = maxConcurrentPerKey;
		}

		public Integer getMaxRetries() {
			return this.maxRetries;
		}

		public void setMaxRetries(Integer maxRetries) {
			this.maxRetries = maxRetries;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public String getRateLimit() {
			return this.rateLimit;
		}

		public void setRateLimit(String rateLimit) {
			this.rateLimit = rateLimit;
		}

		public Integer getPriority() {
			return this.priority;
		}

		public void setPriority(Integer priority) {
			this.priority = priority;
		}

		public String getCron() {
			return this.cron;
		}

		public void setCron(String cron) {
			this.cron = cron;
		}

		public String getZone() {
			return this.zone;
		}

		public void setZone(String zone) {
			this.zone = zone;
		}

		public Misfire getMisfire() {
			return this.misfire;
		}

		public void setMisfire(Misfire misfire) {
			this.misfire = misfire;
		}


	}

	/**
	 * Limits of one queue.
	 */
	public static class QueueLimits {

		/**
		 * Most jobs of this queue running at once across every instance; 0 for no cap.
		 */
		private int maxConcurrent;

		/**
		 * Cluster-wide rate limit of the queue such as "100/m" or "5/10s".
		 */
		private String rateLimit;

		/**
		 * Pauses (true) or resumes (false) the queue for every instance at startup; unset
		 * leaves it as it is in the store.
		 */
		private Boolean paused;

		public int getMaxConcurrent() {
			return this.maxConcurrent;
		}

		public void setMaxConcurrent(int maxConcurrent) {
			this.maxConcurrent = maxConcurrent;
		}

		public String getRateLimit() {
			return this.rateLimit;
		}

		public void setRateLimit(String rateLimit) {
			this.rateLimit = rateLimit;
		}

		public Boolean getPaused() {
			return this.paused;
		}

		public void setPaused(Boolean paused) {
			this.paused = paused;
		}

	}

	/**
	 * The worker pool that runs jobs on this instance.
	 */
	public static class Worker {

		/**
		 * Worker threads on this instance: the most jobs it runs at once.
		 */
		private int concurrency = TaskitoDefaults.WORKER_CONCURRENCY;

		/**
		 * Whether workers are virtual threads (Java 21+; ignored with a warning on older
		 * runtimes). Unset follows "spring.threads.virtual.enabled".
		 */
		private Boolean virtualThreads;

		public int getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(int concurrency) {
			this.concurrency = concurrency;
		}

		public Boolean getVirtualThreads() {
			return this.virtualThreads;
		}

		public void setVirtualThreads(Boolean virtualThreads) {
			this.virtualThreads = virtualThreads;
		}

	}

	/**
	 * The dispatcher that claims jobs on this instance.
	 */
	public static class Dispatcher {

		/**
		 * Whether this instance runs jobs; false makes it a producer that only enqueues.
		 */
		private boolean enabled = true;

		/**
		 * Whether the dispatcher starts claiming jobs with the application; false builds it
		 * without starting it, so that jobs run only when a test asks
		 * (TaskitoTestSupport.runDueJobs() in taskito-spring-boot-test) or the application
		 * starts it.
		 */
		private boolean autoStartup = true;

		/**
		 * Longest an idle dispatcher waits before looking for due jobs again.
		 */
		private Duration pollInterval = TaskitoDefaults.POLL_INTERVAL;

		/**
		 * Most jobs one dispatch pass claims.
		 */
		private int batchSize = TaskitoDefaults.BATCH_SIZE;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public boolean isAutoStartup() {
			return this.autoStartup;
		}

		public void setAutoStartup(boolean autoStartup) {
			this.autoStartup = autoStartup;
		}

		public Duration getPollInterval() {
			return this.pollInterval;
		}

		public void setPollInterval(Duration pollInterval) {
			this.pollInterval = pollInterval;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

	}

	/**
	 * The leases that claims are.
	 */
	public static class Lease {

		/**
		 * How long a claim lives without a heartbeat before another instance may take the
		 * job back.
		 */
		private Duration duration = TaskitoDefaults.LEASE_DURATION;

		/**
		 * How often an instance renews its leases and publishes its caps.
		 */
		private Duration heartbeatInterval = TaskitoDefaults.HEARTBEAT_INTERVAL;

		public Duration getDuration() {
			return this.duration;
		}

		public void setDuration(Duration duration) {
			this.duration = duration;
		}

		public Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
		}

	}

	/**
	 * Retries of failed jobs.
	 */
	public static class Retry {

		/**
		 * Retries after a failed first attempt, for tasks that set none.
		 */
		private int maxRetries = TaskitoDefaults.MAX_RETRIES;

		/**
		 * Delay before the first retry; each further retry doubles it, with jitter.
		 */
		private Duration backoff = TaskitoDefaults.RETRY_BACKOFF;

		/**
		 * Longest delay between retries.
		 */
		private Duration maxBackoff = TaskitoDefaults.RETRY_MAX_BACKOFF;

		public int getMaxRetries() {
			return this.maxRetries;
		}

		public void setMaxRetries(int maxRetries) {
			this.maxRetries = maxRetries;
		}

		public Duration getBackoff() {
			return this.backoff;
		}

		public void setBackoff(Duration backoff) {
			this.backoff = backoff;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

	}

	/**
	 * Graceful shutdown.
	 */
	public static class Shutdown {

		/**
		 * How long stopping the dispatcher may take in all: waiting for running jobs, then
		 * interrupting them and giving back their claims. Unset means
		 * "spring.lifecycle.timeout-per-shutdown-phase" (30s by default) minus a margin of a
		 * tenth of it, at most 3s, so that the whole stop ends inside Spring Boot's shutdown
		 * phase.
		 */
		private Duration timeout;

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

	/**
	 * How long finished jobs are kept.
	 */
	public static class Retention {

		/**
		 * How long succeeded and cancelled jobs are kept before they are purged.
		 */
		private Duration succeeded = TaskitoDefaults.RETENTION_SUCCEEDED;

		/**
		 * How long dead jobs are kept before they are purged.
		 */
		private Duration dead = TaskitoDefaults.RETENTION_DEAD;

		public Duration getSucceeded() {
			return this.succeeded;
		}

		public void setSucceeded(Duration succeeded) {
			this.succeeded = succeeded;
		}

		public Duration getDead() {
			return this.dead;
		}

		public void setDead(Duration dead) {
			this.dead = dead;
		}

	}

}
