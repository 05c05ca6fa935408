package dev.taskito.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

import dev.taskito.TaskitoDefaults;
import dev.taskito.store.ClaimStore;

/**
 * Claims due jobs from the store and runs them on a bounded worker pool, holding every
 * task's and queue's concurrency cap across all instances that share the store.
 * IMPLEMENTATION IN PROGRESS.
 */
public final class TaskDispatcher implements AutoCloseable {

	private final Builder settings;

	private TaskDispatcher(Builder builder) {
		this.settings = builder;
	}

	/**
	 * @param store the shared store
	 * @param registry the tasks this instance can run
	 * @return a builder with every default from {@link TaskitoDefaults}
	 */
	public static Builder builder(ClaimStore store, TaskRegistry registry) {
		return new Builder(store, registry);
	}

	/** Starts dispatching. */
	public void start() {
		throw new UnsupportedOperationException("in progress");
	}

	/** Stops claiming, waits for running jobs up to the shutdown timeout, releases the rest. */
	@Override
	public void close() {
	}

	/** @return whether started and not closed */
	public boolean isRunning() {
		return false;
	}

	/** Wakes the dispatch loop: jobs may be due. Cheap; safe from any thread. */
	public void wakeUp() {
	}

	/** @param queue a queue to pause on every instance */
	public void pauseQueue(String queue) {
		this.settings.store.setQueuePaused(queue, true);
	}

	/** @param queue a queue to resume on every instance */
	public void resumeQueue(String queue) {
		this.settings.store.setQueuePaused(queue, false);
	}

	/** @return this instance's id, unique per process start */
	public String instanceId() {
		return this.settings.instanceId;
	}

	/** @return jobs this instance is running now */
	public int runningJobs() {
		return 0;
	}

	/**
	 * Settings of a {@link TaskDispatcher}; every one defaults to {@link TaskitoDefaults}.
	 */
	public static final class Builder {

		final ClaimStore store;

		final TaskRegistry registry;

		String instanceId = InstanceIds.next();

		int concurrency = TaskitoDefaults.WORKER_CONCURRENCY;

		ThreadFactory threadFactory;

		Duration pollInterval = TaskitoDefaults.POLL_INTERVAL;

		int batchSize = TaskitoDefaults.BATCH_SIZE;

		Duration leaseDuration = TaskitoDefaults.LEASE_DURATION;

		Duration heartbeatInterval = TaskitoDefaults.HEARTBEAT_INTERVAL;

		Duration reaperGrace = TaskitoDefaults.REAPER_GRACE;

		Duration retryBackoff = TaskitoDefaults.RETRY_BACKOFF;

		Duration retryMaxBackoff = TaskitoDefaults.RETRY_MAX_BACKOFF;

		Duration shutdownTimeout = TaskitoDefaults.SHUTDOWN_TIMEOUT;

		Duration retentionSucceeded = TaskitoDefaults.RETENTION_SUCCEEDED;

		Duration retentionDead = TaskitoDefaults.RETENTION_DEAD;

		Clock clock = Clock.systemUTC();

		private Builder(ClaimStore store, TaskRegistry registry) {
			this.store = Objects.requireNonNull(store, "store");
			this.registry = Objects.requireNonNull(registry, "registry");
		}

		/** @param instanceId this instance's id; must be unique per process start @return this */
		public Builder instanceId(String instanceId) {
			this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
			return this;
		}

		/** @param concurrency worker threads, at least 1 @return this */
		public Builder concurrency(int concurrency) {
			this.concurrency = concurrency;
			return this;
		}

		/** @param threadFactory makes the worker threads (virtual ones, say) @return this */
		public Builder threadFactory(ThreadFactory threadFactory) {
			this.threadFactory = threadFactory;
			return this;
		}

		/** @param pollInterval the longest an idle dispatcher waits @return this */
		public Builder pollInterval(Duration pollInterval) {
			this.pollInterval = pollInterval;
			return this;
		}

		/** @param batchSize the most jobs one pass claims @return this */
		public Builder batchSize(int batchSize) {
			this.batchSize = batchSize;
			return this;
		}

		/** @param leaseDuration how long a claim lives without a heartbeat @return this */
		public Builder leaseDuration(Duration leaseDuration) {
			this.leaseDuration = leaseDuration;
			return this;
		}

		/** @param heartbeatInterval how often leases are renewed @return this */
		public Builder heartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
			return this;
		}

		/** @param reaperGrace how long after expiry the reaper takes a job back @return this */
		public Builder reaperGrace(Duration reaperGrace) {
			this.reaperGrace = reaperGrace;
			return this;
		}

		/** @param retryBackoff the first retry's delay @return this */
		public Builder retryBackoff(Duration retryBackoff) {
			this.retryBackoff = retryBackoff;
			return this;
		}

		/** @param retryMaxBackoff the longest retry delay @return this */
		public Builder retryMaxBackoff(Duration retryMaxBackoff) {
			this.retryMaxBackoff = retryMaxBackoff;
			return this;
		}

		/** @param shutdownTimeout how long {@code close()} waits for running jobs @return this */
		public Builder shutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
			return this;
		}

		/** @param succeeded how long succeeded and cancelled jobs are kept @param dead how long dead jobs are kept @return this */
		public Builder retention(Duration succeeded, Duration dead) {
			this.retentionSucceeded = succeeded;
			this.retentionDead = dead;
			return this;
		}

		/** @param clock the clock for local timing (never for leases) @return this */
		public Builder clock(Clock clock) {
			this.clock = clock;
			return this;
		}

		/** @return the dispatcher, not yet started */
		public TaskDispatcher build() {
			return new TaskDispatcher(this);
		}

	}

}
