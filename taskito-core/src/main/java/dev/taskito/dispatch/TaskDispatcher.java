package dev.taskito.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.JobExecutionInterceptor;
import dev.taskito.TaskListener;
import dev.taskito.TaskitoDefaults;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.NewJob;
import dev.taskito.store.StrandedWork;

/**
 * Claims due jobs from the shared store and runs them on a bounded worker pool, holding
 * every task's and queue's concurrency cap across all instances that share the store.
 *
 * <p>This class wires the parts and owns their lifecycle; each part owns its thread and its
 * state (the map in {@code docs/engine.md} shows which runs where):
 * <ul>
 * <li>{@link DispatchLoop} runs {@link DispatchPass}, the dispatch flow of DESIGN.md, whose
 * caps come from the {@link CapBook};</li>
 * <li>{@link WorkerPool} runs each admitted job through the {@link JobRunner};</li>
 * <li>{@link OutcomeRecorder} commits outcomes in batches;</li>
 * <li>{@link LeaseKeeper} renews leases and stops handlers whose claim is gone;</li>
 * <li>{@link LeaseWatchdog} stops handlers whose lease may expire, whatever the store does;</li>
 * <li>{@link Maintenance} reaps expired leases, purges finished jobs and reports stranded work;</li>
 * <li>{@link ScheduleRunner} enqueues the ticks of periodic tasks.</li>
 * </ul>
 *
 * <p>{@link #close()} stops claiming, waits for running jobs up to the shutdown timeout,
 * and gives back what it cannot finish without consuming attempts; {@link DispatcherShutdown}
 * stops the parts, in order.
 *
 * <p>A dispatcher that is never started can instead run due jobs one at a time on the
 * thread that asks, through {@link #runDueJobsOnCallingThread()}: for tests that want every
 * job to have run, in order, when a call returns.
 */
public final class TaskDispatcher implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(TaskDispatcher.class);

	private final ClaimStore store;

	private final TaskRegistry registry;

	private final DispatcherSettings settings;

	private final WakeSignal wakeSignal = new WakeSignal();

	/** Every claim this instance holds, from the claim until its outcome is committed. */
	private final HeldClaims held = new HeldClaims();

	private final CapBook caps;

	private final QueuePauses pauses;

	private final WorkerPool workers;

	private final OutcomeRecorder outcomes;

	private final JobRunner runner;

	private final LeaseKeeper leases;

	private final LeaseWatchdog watchdog;

	private final StrandedWorkCheck strandedWork;

	private final Maintenance maintenance;

	private final ScheduleRunner schedules;

	private final StoreOutage outage;

	/** Tells the listeners of starts, outcomes, rejected claims and rate limits. */
	private final TaskEvents events;

	/** The dispatch flow's steps; tests in this package drive them one by one. */
	final DispatchPass pass;

	private final DispatchLoop loop;

	/** Stops the parts of a started dispatcher, in order, within the shutdown timeout. */
	private final DispatcherShutdown shutdown;

	private final Object lifecycleMonitor = new Object();

	private volatile boolean started;

	private volatile boolean closed;

	/** Set once jobs ran on a caller's thread: such a dispatcher is never started. */
	private boolean callerRuns;

	/** Runs jobs on a caller's thread, for a dispatcher that is never started. */
	private final CallingThreadRunner callerRunner;

	private TaskDispatcher(ClaimStore store, TaskRegistry registry, DispatcherSettings settings,
			List<TaskListener> listeners, List<JobExecutionInterceptor> interceptors) {
		this.store = store;
		this.registry = registry;
		this.settings = settings;
		this.events = new TaskEvents(listeners, "instance " + settings.instanceId());
		StoreOutage outage = new StoreOutage(settings.instanceId(), this.wakeSignal::wake);
		this.outage = outage;
		StepFailures failures = new StepFailures(settings.instanceId());
		this.caps = new CapBook(registry, settings.pollInterval());
		this.pauses = new QueuePauses(store, settings.pollInterval());
		this.workers = new WorkerPool(settings.concurrency(), settings.workerThreads(), this.wakeSignal);
		this.outcomes = new OutcomeRecorder(store, this.held, this.caps, this.wakeSignal, outage, failures,
				this.events);
		this.runner = new JobRunner(registry, this.held, this.workers, this.outcomes,
				new RetryBackoff(settings.retryBackoff(), settings.retryMaxBackoff()), settings.leaseSafetyNanos(),
				List.copyOf(interceptors), this.events);
		this.leases = new LeaseKeeper(store, settings, this.held, this.caps, outage, failures);
		this.watchdog = new LeaseWatchdog(this.held, settings, failures);
		this.strandedWork = new StrandedWorkCheck(store, settings.instanceId());
		this.maintenance = new Maintenance(store, settings, this.leases, outage, this.wakeSignal, failures,
				this.strandedWork);
		this.schedules = ScheduleRunner.withDefaults(store, registry, settings.instanceId(), this::onTickEnqueued,
				failures);
		UnresolvedClaims unresolved = new UnresolvedClaims(store, settings.instanceId());
		this.pass = new DispatchPass(store, registry, settings, this.pauses, this.caps, this.held, this.workers,
				this.runner, this.outcomes, unresolved, this.events);
		this.callerRunner = new CallingThreadRunner(this.pass, this.outcomes, this.runner, settings, () -> this.closed);
		this.loop = new DispatchLoop(this.pass, unresolved, settings, this.caps, this.workers, this.wakeSignal, outage,
				failures);
		this.shutdown = new DispatcherShutdown(store, settings, this.wakeSignal, this.held, this.schedules, this.pass,
				this.loop, this.workers, this.outcomes, this.maintenance, this.watchdog, this.leases, this.runner,
				this.events);
	}

	/**
	 * @param store the shared store
	 * @param registry the tasks this instance can run
	 * @return a builder with every default from {@link TaskitoDefaults}
	 */
	public static Builder builder(ClaimStore store, TaskRegistry registry) {
		return new Builder(store, registry);
	}

	// ------------------------------------------------------------------ lifecycle

	/**
	 * Starts the workers, publishes this instance's caps with a first heartbeat, and
	 * starts dispatching.
	 * @throws IllegalStateException if already started or closed
	 */
	public void start() {
		synchronized (this.lifecycleMonitor) {
			if (this.started || this.closed) {
				throw new IllegalStateException("TaskDispatcher " + this.settings.instanceId() + " was already started");
			}
			if (this.callerRuns) {
				throw new IllegalStateException("TaskDispatcher " + this.settings.instanceId()
						+ " ran jobs on a caller's thread (runDueJobsOnCallingThread), so it is never started: its"
						+ " own threads would claim the same jobs");
			}
			this.started = true;
			// Only a started dispatcher claims with its outcomes: on a caller's thread, the caller claims next.
			this.outcomes.refillWith(this.pass);
			this.workers.start();
			this.runner.start();
			this.store.addWakeUpListener(this::onRemoteWakeUp);
			// Caps are published before the first claim, so no instance admits against a cap it has not seen.
			this.leases.start();
			this.watchdog.start();
			this.maintenance.start();
			this.outcomes.start();
			this.loop.start();
			this.schedules.start();
			logger.info("Taskito instance {} started: {} worker(s), tasks {}", this.settings.instanceId(),
					this.settings.concurrency(), this.registry.taskNames());
		}
	}

	/**
	 * Stops gracefully within the shutdown timeout, all of it: no new claims; running jobs
	 * get the timeout less a reserve (a quarter of it, at most five seconds) to finish; then
	 * their threads are interrupted, and every job whose handler has returned or never
	 * started is given back without consuming an attempt. A handler that ignores
	 * the interrupt keeps its claim until its lease expires and another instance takes the
	 * job back.
	 */
	@Override
	public void close() {
		boolean wasStarted;
		boolean ranOnCallers;
		synchronized (this.lifecycleMonitor) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			wasStarted = this.started;
			ranOnCallers = this.callerRuns;
		}
		if (ranOnCallers) {
			this.callerRunner.stop();
		}
		if (!wasStarted) {
			return;
		}
		this.shutdown.run();
	}

	/**
	 * Runs due jobs on the calling thread, one at a time, until none is due, for tests that
	 * want each job to have run when the call returns. Each job goes the dispatcher's own
	 * way: claimed with a lease (so caps, rate limits and paused queues are honoured, and
	 * another instance sharing the store never runs it too), admitted by the post-claim
	 * check, run by the same runner (timeout included), and its outcome recorded before the
	 * next claim: the result stored, or a retry after the backoff, or DEAD once the retries
	 * are spent. A job retried is due again only after its backoff, so this returns before
	 * it; call again once it is due. Jobs that handlers enqueue and that are due at once run
	 * in the same call.
	 *
	 * <p>Only for a dispatcher that is never started (its own threads would claim the same
	 * jobs); once used this way it cannot be started. Nothing renews the lease while a
	 * handler runs and no watchdog stops it: a handler that runs past the lease duration
	 * may be taken back by another instance's reaper, and its outcome is then discarded.
	 * {@link #close()} waits for a call under way up to the shutdown timeout.
	 * @return how many jobs ran, each with its outcome recorded (a job whose stored arguments
	 *         no longer bind to its handler counts too: it is DEAD without running)
	 * @throws IllegalStateException if this dispatcher was started or is closed, if called
	 *         from a handler this method is running, or if the store did not record an
	 *         outcome within the lease's safe window ({@code lease - heartbeat})
	 */
	public int runDueJobsOnCallingThread() {
		synchronized (this.lifecycleMonitor) {
			if (this.started || this.closed) {
				throw new IllegalStateException("TaskDispatcher " + this.settings.instanceId() + " is "
						+ (this.closed ? "closed" : "started: its own threads claim due jobs")
						+ ", so it cannot run jobs on a caller's thread; use a dispatcher that is never started");
			}
			if (!this.callerRuns) {
				this.callerRuns = true;
				this.callerRunner.start();
			}
		}
		return this.callerRunner.runDueJobs();
	}

	/**
	 * @return whether started and not closed
	 */
	public boolean isRunning() {
		return this.started && !this.closed;
	}

	/**
	 * Wakes the dispatch loop: jobs may be due. Cheap; safe from any thread.
	 */
	public void wakeUp() {
		this.wakeSignal.wake();
	}

	/** A tick of a periodic task was enqueued here: run it, and tell the listeners as an enqueue would. */
	private void onTickEnqueued(NewJob job) {
		this.wakeSignal.wake();
		if (this.events.enabled()) {
			this.events.publishLater(TaskEvents.enqueued(job.id(), job.taskName(), job.queue()));
		}
	}

	private void onRemoteWakeUp() {
		// Another instance freed a capped slot or enqueued: what looked saturated may not be.
		this.caps.slotFreed();
		this.wakeSignal.wake();
	}

	/**
	 * Reads the periodic tasks' schedules again before the next tick: something else on this
	 * instance (a {@link dev.taskito.TaskQueue}) paused or resumed one.
	 */
	public void refreshSchedules() {
		this.schedules.wake();
	}

	/**
	 * Pauses a queue on every instance: no job of it is claimed until it is resumed.
	 * @param queue the queue
	 */
	public void pauseQueue(String queue) {
		this.pauses.pause(queue);
	}

	/**
	 * Resumes a paused queue on every instance.
	 * @param queue the queue
	 */
	public void resumeQueue(String queue) {
		this.pauses.resume(queue);
		this.wakeSignal.wake();
	}

	/**
	 * Reads the paused queues from the store again before the next claim: something else on
	 * this instance (a {@link dev.taskito.TaskQueue}) paused or resumed a queue.
	 */
	public void refreshQueuePauses() {
		this.pauses.markStale();
		this.wakeSignal.wake();
	}

	/**
	 * How this dispatcher is doing, from what it already knows: no store call.
	 * @return the status
	 */
	public DispatcherStatus status() {
		return new DispatcherStatus(isRunning(), this.leases.acknowledgedAt(), isRunning() && this.leases.isCurrent(),
				this.outage.problem());
	}

	/**
	 * Claims a cap rejected and jobs a rate limit held back are told to the listeners on a
	 * thread of their own, and dropped rather than queued without bound when the listeners
	 * fall behind (starts and outcomes are told on the thread that has them, never dropped).
	 * @return how many were dropped since this dispatcher was built
	 */
	public long droppedEvents() {
		return this.events.droppedEvents();
	}

	/**
	 * @return this instance's id, unique per process start
	 */
	public String instanceId() {
		return this.settings.instanceId();
	}

	/**
	 * @return how many claims this instance holds (jobs running, or finished but not yet committed)
	 */
	public int runningJobs() {
		return this.held.size();
	}

	/**
	 * The concurrency cap admission uses for a task: the smallest that this instance or any
	 * live instance declares, as the last heartbeat read them. During a rolling deploy that
	 * changes a cap, every instance so reports the same figure, the one that holds.
	 * @param task the task's name
	 * @return the cap, 0 for none
	 */
	public int effectiveCap(String task) {
		return this.caps.taskCap(task);
	}

	/**
	 * The cap per concurrency key admission uses for a task, the smallest live one, as for
	 * {@link #effectiveCap}.
	 * @param task the task's name
	 * @return the cap per key, 0 for none
	 */
	public int effectiveCapPerKey(String task) {
		return this.caps.keyCap(task);
	}

	/**
	 * Handlers that ignore an interrupt (a timeout, a lease that may be lost, a shutdown)
	 * keep their worker slot and their place in the caps until they return; each is logged
	 * with its stack once per lease duration and counted here.
	 * @return how many times a handler was found still running a lease duration after it was
	 *         interrupted, since this instance started
	 */
	public long ignoredInterrupts() {
		return this.watchdog.ignoredInterrupts();
	}

	/**
	 * Pending jobs of a task and queue that no live instance serves wait forever; the
	 * maintenance thread looks for them once a minute and logs a warning for each.
	 * @return the stranded (task, queue) pairs as last found, each count capped at 10,000
	 */
	public List<StrandedWork> strandedWork() {
		return this.strandedWork.strandedWork();
	}

	/**
	 * @return the pending jobs no live instance serves, as last found (the figure for a
	 *         gauge; each pair's count is capped at 10,000)
	 */
	public long strandedJobs() {
		return this.strandedWork.strandedJobs();
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

		final List<TaskListener> listeners = new ArrayList<>();

		final List<JobExecutionInterceptor> interceptors = new ArrayList<>();

		private Builder(ClaimStore store, TaskRegistry registry) {
			this.store = Objects.requireNonNull(store, "store");
			this.registry = Objects.requireNonNull(registry, "registry");
		}

		/** @param instanceId this instance's id; must be unique per process start @return this */
		public Builder instanceId(String instanceId) {
			this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
			return this;
		}

		/**
		 * Adds a listener told of this dispatcher's events (starts, outcomes, rejected claims).
		 * @param listener the listener
		 * @return this
		 */
		public Builder listener(TaskListener listener) {
			this.listeners.add(Objects.requireNonNull(listener, "listener"));
			return this;
		}

		/**
		 * Adds an interceptor around every handler; the first added is outermost.
		 * @param interceptor the interceptor
		 * @return this
		 */
		public Builder interceptor(JobExecutionInterceptor interceptor) {
			this.interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
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

		/**
		 * @param shutdownTimeout the longest {@code close()} takes, waiting for running jobs and
		 * then giving back what did not finish
		 * @return this
		 */
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

		/** @return the dispatcher, not yet started */
		public TaskDispatcher build() {
			return new TaskDispatcher(this.store, this.registry,
					new DispatcherSettings(this.instanceId, this.concurrency, this.threadFactory, this.pollInterval,
							this.batchSize, this.leaseDuration, this.heartbeatInterval, this.reaperGrace,
							this.retryBackoff, this.retryMaxBackoff, this.shutdownTimeout, this.retentionSucceeded,
							this.retentionDead),
					this.listeners, this.interceptors);
		}

	}

}
