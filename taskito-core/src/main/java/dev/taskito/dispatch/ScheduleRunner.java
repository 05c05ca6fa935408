package dev.taskito.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.JobId;
import dev.taskito.TaskitoDefaults;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.NewJob;
import dev.taskito.store.ScheduleRecord;
import dev.taskito.store.ScheduleSnapshot;
import dev.taskito.store.ScheduleTick;

/**
 * Enqueues the ticks of this instance's periodic tasks, on a thread of its own. Every
 * instance with the task runs one; the store makes each tick enqueue once (see
 * {@link ClaimStore#enqueueTick}), so no leader is elected and a dead instance delays no
 * tick: whichever instance comes first enqueues it.
 *
 * <p>Each pass reads every schedule with the store's now, asks the store for each due tick
 * (see {@link ScheduleTicks}), then sleeps until the earliest next tick, measured from the
 * store's now, or at most the recheck interval, so that a pause, a resume or a definition
 * that another instance changed is seen soon. A schedule whose stored definition differs
 * from this instance's is left alone, with a warning: the instance started last decides.
 */
final class ScheduleRunner {

	private static final Logger logger = LoggerFactory.getLogger(ScheduleRunner.class);

	/** Wakes a little after a tick, so that the store's now has passed it. */
	private static final long WAKE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

	/** The most ticks of one task asked for in one pass: a backlog is worked off over passes. */
	private static final int MAX_TICKS_PER_PASS = 100;

	private final ClaimStore store;

	private final TaskRegistry registry;

	/** This instance's periodic tasks, read from the registry at start, once every task is registered. */
	private volatile List<TaskDefinition> tasks = List.of();

	private final String instanceId;

	private final Consumer<NewJob> onEnqueued;

	private final StepFailures failures;

	private final Duration recheck;

	private final Duration misfireThreshold;

	private final Object monitor = new Object();

	/** Stored definitions already warned about, per task: a warning is logged once per change. */
	private final Map<String, String> warnedDefinitions = new ConcurrentHashMap<>();

	private Thread thread;

	private boolean wakeRequested;

	private volatile boolean stopped;

	private volatile boolean registered;

	ScheduleRunner(ClaimStore store, TaskRegistry registry, String instanceId, Consumer<NewJob> onEnqueued,
			StepFailures failures, Duration recheck, Duration misfireThreshold) {
		this.store = store;
		this.registry = registry;
		this.instanceId = instanceId;
		this.onEnqueued = onEnqueued;
		this.failures = failures;
		this.recheck = recheck;
		this.misfireThreshold = misfireThreshold;
	}

	/**
	 * Registers this instance's schedules (the instance started last decides each one's
	 * definition), then starts enqueueing ticks; does nothing for an instance without periodic
	 * tasks. A registration that fails is made again by the thread.
	 */
	void start() {
		this.tasks = this.registry.tasks().stream().filter(TaskDefinition::isPeriodic).toList();
		if (this.tasks.isEmpty()) {
			return;
		}
		try {
			registerAll();
		}
		catch (RuntimeException ex) {
			logger.warn("Taskito instance {} could not register its schedules {} yet; trying again", this.instanceId,
					this.tasks.stream().map(TaskDefinition::name).toList(), ex);
		}
		this.thread = Threads.named("taskito-schedules-", true).newThread(this::run);
		this.thread.start();
	}

	/**
	 * Stops enqueueing ticks and waits for a tick under way.
	 * @param timeoutNanos how long to wait
	 */
	void stop(long timeoutNanos) {
		this.stopped = true;
		wake();
		Threads.join(this.thread, timeoutNanos);
	}

	/**
	 * Reads the schedules again now: something on this instance paused or resumed one.
	 */
	void wake() {
		synchronized (this.monitor) {
			this.wakeRequested = true;
			this.monitor.notifyAll();
		}
	}

	private void run() {
		while (!this.stopped) {
			long waitNanos = this.recheck.toNanos();
			try {
				if (!this.registered) {
					registerAll();
				}
				waitNanos = pass();
				this.failures.succeeded("periodic tasks");
			}
			catch (Throwable ex) {
				this.failures.failed("periodic tasks", ex);
			}
			sleep(waitNanos);
		}
	}

	private void registerAll() {
		for (TaskDefinition task : this.tasks) {
			ScheduleRecord record = this.store.registerSchedule(task.name(), task.schedule().definition());
			if (!record.definition().equals(task.schedule().definition())) {
				warnDiffers(task, record);
			}
		}
		this.registered = true;
	}

	/**
	 * One pass over every periodic task.
	 * @return how long to sleep, in nanoseconds
	 */
	private long pass() {
		ScheduleSnapshot snapshot = this.store.schedules();
		long readNanos = System.nanoTime();
		Instant now = snapshot.storeTime();
		Instant wakeAt = now.plus(this.recheck);
		for (TaskDefinition task : this.tasks) {
			if (this.stopped) {
				break;
			}
			ScheduleRecord record = snapshot.find(task.name()).orElse(null);
			if (record == null) {
				// Removed from the store by hand: registered again on the next pass, starting then.
				this.registered = false;
				continue;
			}
			if (!record.definition().equals(task.schedule().definition())) {
				warnDiffers(task, record);
				continue;
			}
			this.warnedDefinitions.remove(task.name());
			if (record.paused()) {
				continue;
			}
			Instant next = enqueueDueTicks(task, record.lastTick(), now, readNanos);
			if (next != null && next.isBefore(wakeAt)) {
				wakeAt = next;
			}
		}
		long untilWake = Duration.between(now, wakeAt).toNanos() - (System.nanoTime() - readNanos);
		return Math.max(0, untilWake) + WAKE_SLACK_NANOS;
	}

	/**
	 * Asks the store for each due tick in turn, each a compare-and-set on the last tick read.
	 * @return the next tick to wake for, or {@code null} for none
	 */
	private Instant enqueueDueTicks(TaskDefinition task, Instant lastTick, Instant readAt, long readNanos) {
		String definition = task.schedule().definition();
		for (int i = 0; i < MAX_TICKS_PER_PASS; i++) {
			Instant now = readAt.plusNanos(System.nanoTime() - readNanos);
			ScheduleTicks.Plan plan = ScheduleTicks.plan(task.schedule(), lastTick, now, task.misfire(),
					this.misfireThreshold);
			if (plan.tick() == null) {
				return plan.next();
			}
			NewJob job = plan.withJob() ? newJob(task) : null;
			ScheduleTick.Result result = this.store
				.enqueueTick(new ScheduleTick(task.name(), definition, lastTick, plan.tick(), job));
			switch (result) {
				case ENQUEUED -> {
					logger.debug("Enqueued job {} for tick {} of periodic task '{}'", job.id(), plan.tick(), task.name());
					this.onEnqueued.accept(job);
				}
				case SKIPPED_OVERLAP -> logger.info("Passed over tick {} of periodic task '{}': the job of its previous"
						+ " tick has not started yet (counted in its schedule's skipped ticks)", plan.tick(), task.name());
				case PASSED_OVER -> logger.info("Passed over the ticks of periodic task '{}' missed up to {} (misfire: {})",
						task.name(), plan.tick(), task.misfire().configValue());
				case TAKEN -> {
					// Another instance moved the last tick first: read it again when this tick's successor is due.
					return plan.next();
				}
				default -> {
					// Paused, redefined or removed meanwhile: the next pass reads it again.
					return null;
				}
			}
			lastTick = plan.tick();
		}
		return readAt;
	}

	private NewJob newJob(TaskDefinition task) {
		return new NewJob(JobId.newId(), task.name(), task.queue(),
				this.registry.codec().encodeArguments(task, new Object[0]), task.priority(), Duration.ZERO, null, null,
				this.registry.maxRetries(task), null, Map.of());
	}

	private void warnDiffers(TaskDefinition task, ScheduleRecord record) {
		if (Objects.equals(this.warnedDefinitions.put(task.name(), record.definition()), record.definition())) {
			return;
		}
		logger.warn("Taskito instance {} enqueues nothing for periodic task '{}': the store runs it as '{}', declared"
				+ " by an instance started at {}, while this instance declares '{}'. The instance started last decides;"
				+ " when the deploy that changed it is finished this instance is gone. If this instance's schedule is"
				+ " the one wanted, restart it (or deploy it everywhere)", this.instanceId, task.name(),
				record.definition(), record.definedAt(), task.schedule().definition());
	}

	private void sleep(long nanos) {
		long deadline = System.nanoTime() + nanos;
		synchronized (this.monitor) {
			while (!this.wakeRequested && !this.stopped) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					break;
				}
				try {
					TimeUnit.NANOSECONDS.timedWait(this.monitor, left);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					this.stopped = true;
				}
			}
			this.wakeRequested = false;
		}
	}

	/**
	 * @return the runner's defaults: {@link TaskitoDefaults#SCHEDULE_RECHECK_INTERVAL} and
	 *         {@link TaskitoDefaults#SCHEDULE_MISFIRE_THRESHOLD}
	 */
	static ScheduleRunner withDefaults(ClaimStore store, TaskRegistry registry, String instanceId,
			Consumer<NewJob> onEnqueued, StepFailures failures) {
		return new ScheduleRunner(store, registry, instanceId, onEnqueued, failures,
				TaskitoDefaults.SCHEDULE_RECHECK_INTERVAL, TaskitoDefaults.SCHEDULE_MISFIRE_THRESHOLD);
	}

}
