package dev.taskito;

import java.time.Duration;

/**
 * Every default, in one place. The Spring Boot properties point here, and a test checks
 * that they agree.
 */
public final class TaskitoDefaults {

	/** The queue of a task that names none. */
	public static final String QUEUE = "default";

	/** Worker threads per instance. */
	public static final int WORKER_CONCURRENCY = 8;

	/** The longest an idle dispatcher waits before looking for due jobs again. */
	public static final Duration POLL_INTERVAL = Duration.ofMillis(500);

	/** The most jobs one dispatch pass claims. */
	public static final int BATCH_SIZE = 64;

	/** How long a claim lives without a heartbeat. */
	public static final Duration LEASE_DURATION = Duration.ofSeconds(30);

	/** How often an instance renews its leases and publishes its caps. */
	public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(5);

	/** How long after a lease expired the reaper waits before taking the job back. */
	public static final Duration REAPER_GRACE = Duration.ofSeconds(2);

	/** Retries after the first attempt. */
	public static final int MAX_RETRIES = 3;

	/** The first retry's delay; each further retry doubles it, with jitter. */
	public static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);

	/** The longest delay between retries. */
	public static final Duration RETRY_MAX_BACKOFF = Duration.ofMinutes(5);

	/** How long a graceful shutdown waits for running jobs. */
	public static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

	/** How long succeeded and cancelled jobs are kept. */
	public static final Duration RETENTION_SUCCEEDED = Duration.ofDays(1);

	/** How long dead jobs are kept. */
	public static final Duration RETENTION_DEAD = Duration.ofDays(14);

	/**
	 * How overdue a periodic task's tick may be and still run as usual; a tick older than this
	 * when an instance comes to enqueue it was missed, and follows the task's {@link Misfire}
	 * policy.
	 */
	public static final Duration SCHEDULE_MISFIRE_THRESHOLD = Duration.ofSeconds(5);

	/**
	 * The longest a periodic task's instance waits before reading the schedules again, so that
	 * a pause, a resume or a changed definition is seen soon even between rare ticks.
	 */
	public static final Duration SCHEDULE_RECHECK_INTERVAL = Duration.ofSeconds(1);

	/** The prefix of the JDBC store's tables. */
	public static final String TABLE_PREFIX = "taskito_";

	/** Where the embedded H2 store keeps its file when nothing else is configured, relative to the working directory. */
	public static final String EMBEDDED_PATH = ".taskito";

	/** Whether the JDBC store creates the tables it is missing at start. */
	public static final boolean INITIALIZE_SCHEMA = true;

	/** Whether an instance runs a dispatcher (false: it only enqueues). */
	public static final boolean DISPATCHER_ENABLED = true;

	/** The prefix of the Redis store's keys. */
	public static final String KEY_PREFIX = "taskito:";

	/**
	 * The most connections of the pool the Spring Boot starter gives the dispatcher: one
	 * each for dispatch, the completer, the heartbeat, maintenance and the PostgreSQL
	 * {@code LISTEN}, and one for {@code find}, {@code retry} and pauses.
	 */
	public static final int JDBC_POOL_MAXIMUM_SIZE = 6;

	/**
	 * How long a store call waits for a connection of that pool; shorter than the
	 * heartbeat interval, so a heartbeat stuck on an exhausted pool fails and the next one
	 * tries again.
	 */
	public static final Duration JDBC_CONNECTION_TIMEOUT = Duration.ofSeconds(3);

	/**
	 * How long a PostgreSQL connection of that pool waits for the server's answer (the
	 * driver's {@code socketTimeout}), so that a call over a silent network ends well
	 * before {@code lease - heartbeat}: with the defaults, a hung call takes at most 3 s +
	 * 10 s, and the next heartbeat still renews before the 25 s mark.
	 */
	public static final Duration JDBC_SOCKET_TIMEOUT = Duration.ofSeconds(10);

	/** How long a Redis command may take (or wait for a reconnect) before it fails. */
	public static final Duration REDIS_COMMAND_TIMEOUT = Duration.ofSeconds(5);

	private TaskitoDefaults() {
	}

}
