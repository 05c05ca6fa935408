package dev.taskito.dispatch;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.TaskitoDefaults;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;
import dev.taskito.store.Outcome;
import dev.taskito.store.ReapedJob;
import dev.taskito.store.Reschedule;
import dev.taskito.store.StoreUnavailableException;
import dev.taskito.store.TokenRequest;

/**
 * Claims due jobs from the shared store and runs them on a bounded worker pool, holding
 * every task's and queue's concurrency cap across all instances that share the store.
 *
 * <p>One dispatch pass reads top to bottom as the flow in DESIGN.md: {@link #activeQueues},
 * {@link #checkPreClaimGates}, {@link #claimForDispatch}, {@link #checkPostClaimConcurrency},
 * {@link #rollbackClaimAndReschedule}, then the admitted jobs go to the workers. The cap is
 * checked <em>after</em> the claim committed, counting every visible claim including the
 * job's own, and a job is rejected only when that count is strictly greater than the cap:
 * of any set of racing dispatchers, the one that counts last sees all their claims.
 *
 * <p>Outcomes are committed in batches by one completer thread; leases are renewed by one
 * heartbeat per interval; expired leases of dead instances are reaped a grace period after
 * expiry. {@link #close()} stops claiming, waits for running jobs up to the shutdown
 * timeout, and gives back what it cannot finish without consuming attempts.
 */
public final class TaskDispatcher implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(TaskDispatcher.class);

	/** How long a claim rejected by a cap waits before it is due again, at least and at most. */
	private static final long REJECTED_DELAY_MIN_MILLIS = 10;

	private static final long REJECTED_DELAY_MAX_MILLIS = 60;

	/** The shortest pause after a cap rejected a claim; it doubles with each rejection in a row. */
	private static final long REJECTION_BACKOFF_MIN_MILLIS = 5;

	/** The first idle wait; it doubles up to the poll interval while nothing is found. */
	private static final long IDLE_WAIT_MIN_MILLIS = 20;

	private static final int MAX_OUTCOMES_PER_COMMIT = 512;

	private static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);

	/**
	 * How the post-claim check decides; only tests choose another, to prove that the tests
	 * fail against the bugs this design exists to prevent.
	 */
	enum CapCheck {

		/** Count after the claim committed, including the job's own claim, reject when greater. */
		AFTER_CLAIM,

		/** The seed's first bug: count before claiming, then admit what the count allowed. */
		BROKEN_COUNT_BEFORE_CLAIM,

		/** The seed's second bug: reject when the count including the job's own claim reaches the cap. */
		BROKEN_GREATER_OR_EQUAL

	}

	private final ClaimStore store;

	private final TaskRegistry registry;

	private final String instanceId;

	private final int concurrency;

	private final ThreadFactory threadFactory;

	private final Duration pollInterval;

	private final int batchSize;

	private final Duration leaseDuration;

	private final Duration heartbeatInterval;

	private final Duration reaperGrace;

	private final Duration retryBackoff;

	private final Duration retryMaxBackoff;

	private final Duration shutdownTimeout;

	private final Duration retentionSucceeded;

	private final Duration retentionDead;

	private final WakeSignal wakeSignal = new WakeSignal();

	private final StoreOutage outage;

	/** Every claim this instance holds, from the claim until its outcome is committed. */
	private final HeldClaims held = new HeldClaims();

	/** Worker slots taken: from the claim until the handler returns (or the claim is given back). */
	private final AtomicInteger busySlots = new AtomicInteger();

	private final BlockingQueue<PendingOutcome> outcomes = new LinkedBlockingQueue<>();

	/** Tasks and queues seen full or just rejecting, until this time or the next wake-up. */
	private final Map<String, Long> saturatedUntilNanos = new ConcurrentHashMap<>();

	/** Rejections in a row per task and queue, for the backoff after a rejection. */
	private final Map<String, Integer> consecutiveRejections = new ConcurrentHashMap<>();

	private final List<UUID> unresolvedClaims = new ArrayList<>();

	private final Object lifecycleMonitor = new Object();

	private volatile CapCheck capCheck = CapCheck.AFTER_CLAIM;

	/** Whether claims name their caps for the store to gate atomically; tests of the post-claim check turn it off. */
	private volatile boolean atomicCapGate = true;

	/** A moving average of how long a claim round trip takes, in nanoseconds. */
	private volatile long claimNanosAverage;

	/** A moving average of how long a slot stays busy after its job is handed to a worker. */
	private volatile long slotNanosAverage;

	private volatile Runnable beforeClaimHook = () -> {
	};

	private volatile Consumer<List<ClaimedJob>> afterClaimHook = (claimed) -> {
	};

	private volatile ClaimCounts clusterCaps = new ClaimCounts(Map.of(), Map.of());

	private volatile Set<String> pausedQueues = Set.of();

	private volatile long pausedQueuesReadAtNanos;

	private volatile boolean pausedQueuesStale = true;

	private volatile long lastRenewalNanos;

	/** The store time of the last heartbeat whose answer arrived: the reaper's proof of contact. */
	private volatile Instant connectedAt;

	private volatile boolean dispatching;

	private volatile boolean heartbeating;

	private volatile boolean started;

	private volatile boolean closed;

	private ThreadPoolExecutor workers;

	/** Reaper, purge and handler timeouts. */
	private ScheduledExecutorService scheduler;

	/**
	 * The heartbeat alone, so that no slow reap or purge can hold back a renewal and cost
	 * this instance its leases.
	 */
	private ScheduledExecutorService heartbeatScheduler;

	private Thread dispatchThread;

	private Thread completerThread;

	private TaskDispatcher(Builder builder) {
		this.store = builder.store;
		this.registry = builder.registry;
		this.instanceId = builder.instanceId;
		this.concurrency = requirePositive(builder.concurrency, "concurrency");
		this.threadFactory = builder.threadFactory;
		this.pollInterval = requirePositive(builder.pollInterval, "pollInterval");
		this.batchSize = requirePositive(builder.batchSize, "batchSize");
		this.leaseDuration = requirePositive(builder.leaseDuration, "leaseDuration");
		this.heartbeatInterval = requirePositive(builder.heartbeatInterval, "heartbeatInterval");
		this.reaperGrace = Objects.requireNonNull(builder.reaperGrace, "reaperGrace");
		this.retryBackoff = requirePositive(builder.retryBackoff, "retryBackoff");
		this.retryMaxBackoff = requirePositive(builder.retryMaxBackoff, "retryMaxBackoff");
		this.shutdownTimeout = Objects.requireNonNull(builder.shutdownTimeout, "shutdownTimeout");
		this.retentionSucceeded = requirePositive(builder.retentionSucceeded, "retention.succeeded");
		this.retentionDead = requirePositive(builder.retentionDead, "retention.dead");
		if (this.heartbeatInterval.compareTo(this.leaseDuration) >= 0) {
			throw new IllegalArgumentException("heartbeatInterval (" + this.heartbeatInterval
					+ ") must be shorter than leaseDuration (" + this.leaseDuration
					+ "), or leases expire between heartbeats: set taskito.lease.heartbeat-interval to at most a third of taskito.lease.duration");
		}
		this.outage = new StoreOutage(this.instanceId, this.wakeSignal::wake);
	}

	private static int requirePositive(int value, String name) {
		if (value < 1) {
			throw new IllegalArgumentException(name + " must be at least 1, was " + value);
		}
		return value;
	}

	private static Duration requirePositive(Duration value, String name) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(name + " must be a positive duration, was " + value);
		}
		return value;
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
		start(true);
	}

	private void start(boolean withDispatchLoop) {
		synchronized (this.lifecycleMonitor) {
			if (this.started || this.closed) {
				throw new IllegalStateException("TaskDispatcher " + this.instanceId + " was already started");
			}
			this.started = true;
			ThreadFactory workerFactory = (this.threadFactory != null) ? this.threadFactory
					: namedThreads("taskito-worker-", false);
			this.workers = new ThreadPoolExecutor(this.concurrency, this.concurrency, 0, TimeUnit.SECONDS,
					new LinkedBlockingQueue<>(), workerFactory);
			ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1,
					namedThreads("taskito-maintenance-", true));
			scheduler.setRemoveOnCancelPolicy(true);
			this.scheduler = scheduler;
			this.store.addWakeUpListener(this::onRemoteWakeUp);
			this.heartbeating = true;
			// Caps are published before the first claim, so no instance admits against a cap it has not seen.
			heartbeat();
			long heartbeatMillis = this.heartbeatInterval.toMillis();
			this.heartbeatScheduler = Executors.newSingleThreadScheduledExecutor(namedThreads("taskito-heartbeat-", true));
			this.heartbeatScheduler.scheduleWithFixedDelay(this::heartbeat, heartbeatMillis, heartbeatMillis,
					TimeUnit.MILLISECONDS);
			this.scheduler.scheduleWithFixedDelay(this::reap, heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
			this.scheduler.scheduleWithFixedDelay(this::purge, 0, PURGE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
			this.completerThread = namedThreads("taskito-completer-", true).newThread(this::completeLoop);
			this.completerThread.start();
			if (withDispatchLoop) {
				this.dispatching = true;
				this.dispatchThread = namedThreads("taskito-dispatcher-", true).newThread(this::dispatchLoop);
				this.dispatchThread.start();
			}
			logger.info("Taskito instance {} started: {} worker(s), tasks {}", this.instanceId, this.concurrency,
					this.registry.taskNames());
		}
	}

	/**
	 * Stops gracefully: no new claims; running jobs get up to the shutdown timeout to
	 * finish; then their threads are interrupted, and every job whose handler has returned
	 * or never started is given back without consuming an attempt. A handler that ignores
	 * the interrupt keeps its claim until its lease expires and another instance takes the
	 * job back.
	 */
	@Override
	public void close() {
		synchronized (this.lifecycleMonitor) {
			if (!this.started || this.closed) {
				this.closed = true;
				return;
			}
			this.closed = true;
		}
		this.dispatching = false;
		this.wakeSignal.wake();
		join(this.dispatchThread);
		awaitIdleWorkers(this.shutdownTimeout.toNanos());
		for (RunningJob job : this.held.values()) {
			if (!job.returned) {
				job.interrupt(RunningJob.Interruption.SHUTDOWN);
			}
		}
		// Handlers that honour the interrupt return promptly and are given back (see afterHandler).
		awaitIdleWorkers(TimeUnit.SECONDS.toNanos(2));
		this.workers.shutdown();
		try {
			this.workers.awaitTermination(1, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.completerThread.interrupt();
		join(this.completerThread);
		flushOutcomes();
		this.heartbeating = false;
		this.scheduler.shutdownNow();
		this.heartbeatScheduler.shutdownNow();
		long stuck = this.held.values().stream().filter((job) -> !job.returned).count();
		if (stuck > 0) {
			logger.warn("Taskito instance {} stopped with {} handler(s) still running that ignored the interrupt; "
					+ "their leases expire and another instance takes the jobs back", this.instanceId, stuck);
		}
		try {
			this.store.removeInstance(this.instanceId);
		}
		catch (RuntimeException ex) {
			logger.debug("Could not remove instance {} from the store", this.instanceId, ex);
		}
		logger.info("Taskito instance {} stopped", this.instanceId);
	}

	private void awaitIdleWorkers(long timeoutNanos) {
		long deadline = System.nanoTime() + timeoutNanos;
		while (this.busySlots.get() > 0 && deadline - System.nanoTime() > 0) {
			try {
				this.wakeSignal.await(WakeSignal.millis(10));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private void flushOutcomes() {
		List<PendingOutcome> batch = new ArrayList<>();
		this.outcomes.drainTo(batch);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (!batch.isEmpty() && deadline - System.nanoTime() > 0) {
			if (commitOutcomes(batch)) {
				batch.clear();
				this.outcomes.drainTo(batch);
			}
			else {
				sleepMillis(this.outage.backoffMillis());
			}
		}
	}

	private static void join(Thread thread) {
		if (thread == null) {
			return;
		}
		try {
			thread.join(TimeUnit.SECONDS.toMillis(30));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
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

	private void onRemoteWakeUp() {
		// Another instance freed a capped slot or enqueued: what looked saturated may not be.
		this.saturatedUntilNanos.clear();
		this.wakeSignal.wake();
	}

	/**
	 * Pauses a queue on every instance: no job of it is claimed until it is resumed.
	 * @param queue the queue
	 */
	public void pauseQueue(String queue) {
		this.store.setQueuePaused(queue, true);
		this.pausedQueuesStale = true;
	}

	/**
	 * Resumes a paused queue on every instance.
	 * @param queue the queue
	 */
	public void resumeQueue(String queue) {
		this.store.setQueuePaused(queue, false);
		this.pausedQueuesStale = true;
		this.wakeSignal.wake();
	}

	/**
	 * @return this instance's id, unique per process start
	 */
	public String instanceId() {
		return this.instanceId;
	}

	/**
	 * @return how many claims this instance holds (jobs running, or finished but not yet committed)
	 */
	public int runningJobs() {
		return this.held.size();
	}

	// ------------------------------------------------------------------ the dispatch flow

	private void dispatchLoop() {
		long idleWaitMillis = IDLE_WAIT_MIN_MILLIS;
		long pollMillis = this.pollInterval.toMillis();
		while (this.dispatching) {
			try {
				resolveUnknownClaims();
				awaitFullerBatch();
				PassResult pass = dispatchOnce();
				this.outage.succeeded();
				if (pass == PassResult.MORE_MAY_BE_DUE) {
					idleWaitMillis = IDLE_WAIT_MIN_MILLIS;
					continue;
				}
				if (pass == PassResult.DISPATCHED) {
					idleWaitMillis = IDLE_WAIT_MIN_MILLIS;
				}
				long waitMillis = millisUntilSaturationEnds(Math.min(idleWaitMillis, pollMillis));
				boolean woken = this.wakeSignal.await(WakeSignal.millis(waitMillis));
				idleWaitMillis = woken ? IDLE_WAIT_MIN_MILLIS : Math.min(idleWaitMillis * 2, pollMillis);
			}
			catch (StoreUnavailableException ex) {
				this.outage.failed("dispatch", ex);
				awaitRecovery(this.outage.backoffMillis());
			}
			catch (InterruptedException ex) {
				if (!this.dispatching) {
					return;
				}
			}
			catch (RuntimeException ex) {
				logger.error("Taskito dispatch pass of instance {} failed; retrying", this.instanceId, ex);
				sleepMillis(Math.min(pollMillis, 1_000));
			}
		}
	}

	private enum PassResult {

		/** Nothing claimable, or no free slot: wait for a wake-up. */
		IDLE,

		/** Jobs were claimed; the slots are now full, a cap rejected some, or the batch came back short. */
		DISPATCHED,

		/** A full batch was admitted and slots remain: go again at once. */
		MORE_MAY_BE_DUE

	}

	/**
	 * One pass of the dispatch flow.
	 * @return what the loop should do next
	 */
	PassResult dispatchOnce() {
		Set<String> queues = activeQueues();
		PreClaimGates gates = checkPreClaimGates(queues);
		if (gates == null) {
			return PassResult.IDLE;
		}
		ClaimCounts countedBeforeClaim = (this.capCheck == CapCheck.BROKEN_COUNT_BEFORE_CLAIM)
				? this.store.countClaims(cappedTasks(gates.request.taskLimits().keySet()),
						cappedQueues(gates.request.queues()))
				: null;
		this.beforeClaimHook.run();
		List<ClaimedJob> claimed = claimForDispatch(gates);
		if (claimed.isEmpty()) {
			giveBackTokens(gates, Map.of(), Map.of());
			return PassResult.IDLE;
		}
		Admission admission;
		try {
			this.afterClaimHook.accept(claimed);
			admission = checkPostClaimConcurrency(claimed, countedBeforeClaim);
		}
		catch (RuntimeException ex) {
			// Unchecked claims must not run, nor sit in our heartbeat forever: give them back.
			giveBackUnchecked(claimed, ex);
			throw ex;
		}
		// Admitted jobs start first: nothing after this may strand them if the store fails.
		handToWorkers(admission.admitted);
		rollbackClaimAndReschedule(admission.rejected);
		giveBackTokens(gates, countByTask(admission.admitted), countByQueue(admission.admitted));
		boolean fullBatch = claimed.size() == gates.request.limit();
		return (fullBatch && freeSlots() > 0 && admission.rejected.isEmpty()) ? PassResult.MORE_MAY_BE_DUE
				: PassResult.DISPATCHED;
	}

	/**
	 * Step 1: the queues this instance's tasks use, minus the paused ones (read from the
	 * store at most once per poll interval, and at once after a local pause or resume).
	 * @return the queues to claim from
	 */
	Set<String> activeQueues() {
		long now = System.nanoTime();
		if (this.pausedQueuesStale || now - this.pausedQueuesReadAtNanos > this.pollInterval.toNanos()) {
			this.pausedQueuesStale = false;
			this.pausedQueues = this.store.pausedQueues();
			this.pausedQueuesReadAtNanos = now;
		}
		Set<String> queues = new HashSet<>(this.registry.queueNames());
		queues.removeAll(this.pausedQueues);
		return queues;
	}

	/**
	 * Step 2: how much this pass may claim: no more than the free worker slots (and the
	 * batch size); only tasks this instance has a handler for, in active queues; no task or
	 * queue whose cap this instance alone already fills or that was just seen saturated; and
	 * no more than the rate limits' tokens, taken from the cluster-wide buckets.
	 * @param queues the active queues
	 * @return the claim request, or {@code null} when nothing may be claimed
	 */
	PreClaimGates checkPreClaimGates(Set<String> queues) {
		int limit = Math.min(freeSlots(), this.batchSize);
		if (limit <= 0 || queues.isEmpty()) {
			return null;
		}
		long now = System.nanoTime();
		Map<String, Integer> taskLimits = new LinkedHashMap<>();
		List<TokenRequest> tokenRequests = new ArrayList<>();
		for (TaskDefinition task : this.registry.tasks()) {
			int taskLimit = limit;
			int cap = taskCap(task.name());
			if (cap > 0) {
				if (isSaturated("task:" + task.name(), now)) {
					continue;
				}
				// Our own claims count against the cap too: never claim what we alone would push over it.
				taskLimit = Math.min(taskLimit, cap - this.held.ofTask(task.name()));
			}
			if (taskLimit <= 0) {
				continue;
			}
			if (task.rateLimit() != null) {
				tokenRequests.add(new TokenRequest("task:" + task.name(), task.rateLimit(), taskLimit));
			}
			taskLimits.put(task.name(), taskLimit);
		}
		Map<String, Integer> queueLimits = new HashMap<>();
		Set<String> claimable = new HashSet<>();
		for (String queue : queues) {
			QueueDefinition definition = this.registry.queue(queue);
			int queueLimit = limit;
			int cap = queueCap(queue);
			if (cap > 0) {
				if (isSaturated("queue:" + queue, now)) {
					continue;
				}
				queueLimit = Math.min(queueLimit, cap - this.held.ofQueue(queue));
			}
			if (queueLimit <= 0) {
				continue;
			}
			if (definition.rateLimit() != null) {
				tokenRequests.add(new TokenRequest("queue:" + queue, definition.rateLimit(), queueLimit));
			}
			if (queueLimit < limit) {
				queueLimits.put(queue, queueLimit);
			}
			claimable.add(queue);
		}
		if (taskLimits.isEmpty() || claimable.isEmpty()) {
			return null;
		}
		Map<String, Integer> granted = tokenRequests.isEmpty() ? Map.of() : this.store.takeTokens(tokenRequests);
		for (TokenRequest request : tokenRequests) {
			int tokens = granted.getOrDefault(request.bucket(), 0);
			String name = bucketName(request);
			if (isTaskBucket(request)) {
				taskLimits.put(name, Math.min(taskLimits.get(name), tokens));
			}
			else {
				queueLimits.put(name, Math.min(queueLimits.getOrDefault(name, limit), tokens));
			}
		}
		taskLimits.values().removeIf((taskLimit) -> taskLimit <= 0);
		queueLimits.forEach((queue, queueLimit) -> {
			if (queueLimit <= 0) {
				claimable.remove(queue);
			}
		});
		queueLimits.keySet().retainAll(claimable);
		PreClaimGates gates = new PreClaimGates(null, tokenRequests, granted);
		if (taskLimits.isEmpty() || claimable.isEmpty()) {
			giveBackTokens(gates, Map.of(), Map.of());
			return null;
		}
		ClaimRequest request = new ClaimRequest(this.instanceId, this.leaseDuration, limit, claimable, taskLimits,
				queueLimits);
		if (this.atomicCapGate) {
			request = request.withCaps(capsOf(taskLimits.keySet(), this::taskCap), capsOf(claimable, this::queueCap));
		}
		return new PreClaimGates(request, tokenRequests, granted);
	}

	/**
	 * The caps the store gates the claim by, so that racing instances never claim past a
	 * cap between them: a rejection after the claim then means a store without the gate or a
	 * cap that shrank, not a lost race. The post-claim count still decides admission.
	 */
	private static Map<String, Integer> capsOf(Collection<String> names, ToIntFunction<String> cap) {
		Map<String, Integer> caps = new HashMap<>();
		for (String name : names) {
			int value = cap.applyAsInt(name);
			if (value > 0) {
				caps.put(name, value);
			}
		}
		return caps;
	}

	/**
	 * Step 3: claims due jobs in one atomic store operation: each becomes RUNNING with a
	 * claim carrying a fresh token and a lease. A slot is taken for every claimed job
	 * before anything else happens, so the pool is never handed more jobs than it has free
	 * slots, and the heartbeat renews the claims from now on.
	 * @param gates what the gates allow
	 * @return the claimed jobs
	 */
	List<ClaimedJob> claimForDispatch(PreClaimGates gates) {
		UUID batchId = UUID.randomUUID();
		long requestedNanos = System.nanoTime();
		List<ClaimedJob> claimed;
		try {
			claimed = this.store.claim(gates.request, batchId);
			this.claimNanosAverage += (System.nanoTime() - requestedNanos - this.claimNanosAverage) / 8;
		}
		catch (StoreUnavailableException ex) {
			// The claim may have committed without its answer reaching us: resolve it by its batch id later.
			synchronized (this.unresolvedClaims) {
				this.unresolvedClaims.add(batchId);
			}
			throw ex;
		}
		for (ClaimedJob job : claimed) {
			this.busySlots.incrementAndGet();
			TaskDefinition task = this.registry.find(job.taskName()).orElse(null);
			this.held.put(job.claim(), new RunningJob(job, task, requestedNanos));
		}
		return claimed;
	}

	/**
	 * Step 4: after the claim has committed, a separate statement counts the claims of
	 * every capped task and queue in the batch, including the batch's own. A job is
	 * admitted while the count including it is not greater than the cap; per task and
	 * queue, the batch may fill {@code cap - (visible claims not in this batch)}, which
	 * includes this instance's own earlier claims.
	 * @param claimed the claimed jobs, in claim order
	 * @param countedBeforeClaim only for {@link CapCheck#BROKEN_COUNT_BEFORE_CLAIM}
	 * @return the admitted and rejected jobs
	 */
	Admission checkPostClaimConcurrency(List<ClaimedJob> claimed, ClaimCounts countedBeforeClaim) {
		Map<String, Integer> batchByTask = countByTask(claimed);
		Map<String, Integer> batchByQueue = countByQueue(claimed);
		Set<String> tasks = cappedTasks(batchByTask.keySet());
		Set<String> queues = cappedQueues(batchByQueue.keySet());
		if (tasks.isEmpty() && queues.isEmpty()) {
			return new Admission(claimed, List.of());
		}
		ClaimCounts counts;
		if (this.capCheck == CapCheck.BROKEN_COUNT_BEFORE_CLAIM) {
			// The count predates the batch, so none of it is "ours" to subtract.
			counts = countedBeforeClaim;
			batchByTask = Map.of();
			batchByQueue = Map.of();
		}
		else {
			counts = this.store.countClaims(tasks, queues);
		}
		Map<String, Integer> admittedByTask = new HashMap<>();
		Map<String, Integer> admittedByQueue = new HashMap<>();
		List<ClaimedJob> admitted = new ArrayList<>();
		List<ClaimedJob> rejected = new ArrayList<>();
		for (ClaimedJob job : claimed) {
			boolean over = false;
			if (tasks.contains(job.taskName())) {
				int others = counts.task(job.taskName()) - batchByTask.getOrDefault(job.taskName(), 0);
				int countWithThisJob = others + admittedByTask.getOrDefault(job.taskName(), 0) + 1;
				over = exceedsCap(countWithThisJob, taskCap(job.taskName()));
			}
			if (!over && queues.contains(job.queue())) {
				int others = counts.queue(job.queue()) - batchByQueue.getOrDefault(job.queue(), 0);
				int countWithThisJob = others + admittedByQueue.getOrDefault(job.queue(), 0) + 1;
				over = exceedsCap(countWithThisJob, queueCap(job.queue()));
			}
			if (over) {
				rejected.add(job);
			}
			else {
				admitted.add(job);
				admittedByTask.merge(job.taskName(), 1, Integer::sum);
				admittedByQueue.merge(job.queue(), 1, Integer::sum);
			}
		}
		markFullCaps(counts, batchByTask, batchByQueue, admittedByTask, admittedByQueue);
		return new Admission(admitted, rejected);
	}

	/**
	 * Remembers the caps this check found filled by admitted claims, so the next passes do
	 * not claim (and roll back) their jobs until a wake-up says a slot was freed somewhere.
	 * A cap that rejected part of this batch is not remembered as full: the claims that
	 * over-filled it may be other dispatchers' claims that are being rolled back right now
	 * (see {@link #rollbackClaimAndReschedule}).
	 */
	private void markFullCaps(ClaimCounts counts, Map<String, Integer> batchByTask, Map<String, Integer> batchByQueue,
			Map<String, Integer> admittedByTask, Map<String, Integer> admittedByQueue) {
		long until = System.nanoTime() + this.pollInterval.toNanos();
		counts.byTask().forEach((task, count) -> {
			int admitted = admittedByTask.getOrDefault(task, 0);
			if (admitted > 0) {
				this.consecutiveRejections.remove("task:" + task);
			}
			int running = count - batchByTask.getOrDefault(task, 0) + admitted;
			if (taskCap(task) > 0 && running >= taskCap(task) && admitted == batchByTask.getOrDefault(task, 0)) {
				this.saturatedUntilNanos.put("task:" + task, until);
			}
		});
		counts.byQueue().forEach((queue, count) -> {
			int admitted = admittedByQueue.getOrDefault(queue, 0);
			if (admitted > 0) {
				this.consecutiveRejections.remove("queue:" + queue);
			}
			int running = count - batchByQueue.getOrDefault(queue, 0) + admitted;
			if (queueCap(queue) > 0 && running >= queueCap(queue) && admitted == batchByQueue.getOrDefault(queue, 0)) {
				this.saturatedUntilNanos.put("queue:" + queue, until);
			}
		});
	}

	private boolean exceedsCap(int countIncludingThisJob, int cap) {
		return (this.capCheck == CapCheck.BROKEN_GREATER_OR_EQUAL) ? countIncludingThisJob >= cap
				: countIncludingThisJob > cap;
	}

	/**
	 * Step 5: gives rejected claims back in one store operation: the claim goes, the job is
	 * PENDING again after a short jittered delay (so racing dispatchers do not collide
	 * again in lockstep), and its attempt is not consumed.
	 * @param rejected the claims a cap rejected
	 */
	void rollbackClaimAndReschedule(List<ClaimedJob> rejected) {
		if (rejected.isEmpty()) {
			return;
		}
		long now = System.nanoTime();
		List<Reschedule> reschedules = new ArrayList<>(rejected.size());
		for (ClaimedJob job : rejected) {
			long delay = ThreadLocalRandom.current().nextLong(REJECTED_DELAY_MIN_MILLIS, REJECTED_DELAY_MAX_MILLIS + 1);
			reschedules.add(new Reschedule(job.claim(), Duration.ofMillis(delay)));
			backOffAfterRejection(job, now);
		}
		try {
			this.store.rollback(reschedules);
		}
		finally {
			// Given back or not, these claims are not ours to run: if the rollback failed, they
			// expire and the reaper takes them back (an outage path, attempt consumed).
			for (ClaimedJob job : rejected) {
				releaseSlot(this.held.remove(job.claim()));
			}
		}
	}

	private void giveBackUnchecked(List<ClaimedJob> claimed, RuntimeException cause) {
		try {
			rollbackClaimAndReschedule(claimed);
		}
		catch (RuntimeException ex) {
			cause.addSuppressed(ex);
			// rollbackClaimAndReschedule dropped them from the heartbeat: their leases expire and
			// the reaper takes them back.
		}
	}

	/**
	 * Step 6: hands admitted jobs to the worker pool; a job whose stored payload no longer
	 * binds to its handler goes to DEAD with the reason, and the pass carries on.
	 */
	void handToWorkers(List<ClaimedJob> admitted) {
		for (ClaimedJob claimedJob : admitted) {
			RunningJob job = this.held.get(claimedJob.claim());
			if (job == null) {
				continue;
			}
			Object[] args;
			try {
				if (job.task == null) {
					throw new PayloadCodec.PayloadException(
							"No handler for task '" + claimedJob.taskName() + "' on instance " + this.instanceId, null);
				}
				args = this.registry.codec().decodeArguments(job.task, claimedJob.payload());
			}
			catch (PayloadCodec.PayloadException ex) {
				logger.error("{} cannot run and goes to DEAD: {}", job, ex.getMessage());
				job.finished();
				submitOutcome(job, new Outcome.Failed(job.claim(), ex.getMessage(), null));
				releaseSlot(job);
				continue;
			}
			job.handedNanos = System.nanoTime();
			this.workers.execute(() -> runJob(job, args));
		}
	}

	/**
	 * Backs off for up to {@code millis} while the store is unreachable, and goes on as soon
	 * as another thread (the heartbeat, every heartbeat interval) finds it back: a claim whose
	 * answer was lost in the outage must be given back before its lease expires, or the reaper
	 * takes it back and its attempt is spent.
	 */
	private void awaitRecovery(long millis) {
		long deadline = System.nanoTime() + WakeSignal.millis(millis);
		try {
			while (this.dispatching && this.outage.isFailing()) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					return;
				}
				this.wakeSignal.await(remaining);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void resolveUnknownClaims() {
		List<UUID> batches;
		synchronized (this.unresolvedClaims) {
			if (this.unresolvedClaims.isEmpty()) {
				return;
			}
			batches = new ArrayList<>(this.unresolvedClaims);
		}
		for (UUID batchId : batches) {
			List<ClaimedJob> recovered = this.store.recoverClaim(this.instanceId, batchId);
			if (!recovered.isEmpty()) {
				logger.info("Giving back {} job(s) of a claim whose answer was lost", recovered.size());
				this.store.rollback(
						recovered.stream().map((job) -> new Reschedule(job.claim(), Duration.ZERO)).toList());
			}
			synchronized (this.unresolvedClaims) {
				this.unresolvedClaims.remove(batchId);
			}
		}
	}

	// ------------------------------------------------------------------ running a job

	private void runJob(RunningJob job, Object[] args) {
		long sinceRenewal = System.nanoTime() - job.leaseRenewedNanos;
		if (sinceRenewal > leaseSafetyNanos()) {
			// This JVM stood still (paused, swapped, starved) between the claim and now: the
			// reaper may already have given the job to another instance, so it must not start.
			logger.warn("Not starting {}: its lease was last renewed {} ms ago, more than lease - heartbeat; "
					+ "giving it back", job, sinceRenewal / 1_000_000);
			job.finished();
			try {
				giveBack(job, "not started");
			}
			finally {
				releaseSlot(job);
			}
			return;
		}
		job.started(Thread.currentThread());
		Duration timeout = (job.job.timeout() != null) ? job.job.timeout() : job.task.timeout();
		if (timeout != null) {
			job.timeoutFuture = this.scheduler.schedule(() -> job.interrupt(RunningJob.Interruption.TIMEOUT),
					timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		Outcome outcome;
		try {
			Object result = job.task.handler().handle(args, job);
			outcome = new Outcome.Succeeded(job.claim(), this.registry.codec().encodeResult(result));
		}
		catch (Throwable ex) {
			if (ex instanceof VirtualMachineError error && !(ex instanceof StackOverflowError)) {
				throw error;
			}
			outcome = failure(job, ex, timeout);
		}
		finally {
			if (job.timeoutFuture != null) {
				job.timeoutFuture.cancel(false);
			}
			job.finished();
		}
		afterHandler(job, outcome);
	}

	private void afterHandler(RunningJob job, Outcome outcome) {
		// The slot is released last, so close(), which waits for free slots, never misses an outcome.
		try {
			switch (job.interruption) {
				case LEASE_LOST -> {
					logger.warn("Discarding the outcome of {}: this instance lost its lease on it", job);
					this.held.remove(job.claim());
				}
				case SHUTDOWN, LEASE_UNRENEWED -> {
					if (outcome instanceof Outcome.Succeeded) {
						// It finished despite the interrupt: its result stands if the claim is still
						// this instance's (the store fences it by claim token).
						submitOutcome(job, outcome);
					}
					else {
						// Stopped by a shutdown or an unreachable store, not by its own fault.
						giveBack(job, (job.interruption == RunningJob.Interruption.SHUTDOWN) ? "at shutdown"
								: "after its lease could not be renewed");
					}
				}
				default -> {
					logFailure(job, outcome);
					submitOutcome(job, outcome);
				}
			}
		}
		finally {
			releaseSlot(job);
		}
	}

	private static void logFailure(RunningJob job, Outcome outcome) {
		if (outcome instanceof Outcome.Failed failed) {
			String reason = failed.error().lines().findFirst().orElse("");
			if (failed.isDead()) {
				logger.warn("{} failed for the last time and is DEAD: {}", job, reason);
			}
			else {
				logger.info("{} failed ({}); retrying in {} ms", job, reason, failed.retryDelay().toMillis());
			}
		}
	}

	/**
	 * Gives a job back with its attempt intact, fenced by its claim token: a claim already
	 * reaped or taken over is left as the store has it.
	 */
	private void giveBack(RunningJob job, String when) {
		try {
			this.store.rollback(List.of(new Reschedule(job.claim(), Duration.ZERO)));
		}
		catch (RuntimeException ex) {
			logger.warn("Could not give back {} ({}); its lease will expire and it will be retried", job, when, ex);
		}
		finally {
			// No longer renewed either way: nothing here runs it any more.
			this.held.remove(job.claim());
		}
	}

	private Outcome failure(RunningJob job, Throwable ex, Duration timeout) {
		String error = (job.interruption == RunningJob.Interruption.TIMEOUT)
				? "Timed out after " + timeout + " (the handler's thread was interrupted)\n" + stackTrace(ex)
				: stackTrace(ex);
		int attempt = job.job.attempt();
		return new Outcome.Failed(job.claim(), error,
				(attempt > job.job.maxRetries()) ? null : retryDelay(attempt));
	}

	/**
	 * Exponential backoff with equal jitter: half the delay is fixed, half random, so
	 * retries of jobs that failed together spread out.
	 * @param attempt the attempt that failed, from 1
	 * @return the delay before the next attempt
	 */
	Duration retryDelay(int attempt) {
		long base = this.retryBackoff.toMillis();
		long max = this.retryMaxBackoff.toMillis();
		int doublings = Math.min(attempt - 1, 30);
		long exponential = Math.min(max, (base > (max >> doublings)) ? max : base << doublings);
		long half = exponential / 2;
		return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(exponential - half + 1));
	}

	private static String stackTrace(Throwable ex) {
		StringWriter out = new StringWriter();
		ex.printStackTrace(new PrintWriter(out));
		String trace = out.toString();
		return (trace.length() > 16_000) ? trace.substring(0, 16_000) + "\n\t... (truncated)" : trace;
	}

	// ------------------------------------------------------------------ committing outcomes

	private record PendingOutcome(RunningJob job, Outcome outcome) {
	}

	private void submitOutcome(RunningJob job, Outcome outcome) {
		job.outcomeSubmitted = true;
		this.outcomes.add(new PendingOutcome(job, outcome));
	}

	private void completeLoop() {
		List<PendingOutcome> batch = new ArrayList<>();
		while (!Thread.currentThread().isInterrupted()) {
			try {
				if (batch.isEmpty()) {
					batch.add(this.outcomes.take());
					this.outcomes.drainTo(batch, MAX_OUTCOMES_PER_COMMIT - 1);
				}
				if (commitOutcomes(batch)) {
					batch.clear();
				}
				else {
					Thread.sleep(this.outage.backoffMillis());
				}
			}
			catch (InterruptedException ex) {
				break;
			}
		}
		// close() flushes what is left on its own thread.
		this.outcomes.addAll(batch);
	}

	/**
	 * Commits a batch of outcomes in one store operation. Repeating it after an unknown
	 * outcome is safe: the store fences every outcome by its claim token.
	 * @return whether the batch is done with
	 */
	private boolean commitOutcomes(List<PendingOutcome> batch) {
		List<Outcome> toCommit = new ArrayList<>(batch.size());
		boolean freesCappedSlot = false;
		for (PendingOutcome pending : batch) {
			toCommit.add(pending.outcome);
			freesCappedSlot |= taskCap(pending.job.job.taskName()) > 0 || queueCap(pending.job.job.queue()) > 0;
		}
		Set<ClaimRef> recorded;
		try {
			recorded = this.store.finish(toCommit, freesCappedSlot);
			this.outage.succeeded();
		}
		catch (StoreUnavailableException ex) {
			this.outage.failed("finish", ex);
			return false;
		}
		catch (RuntimeException ex) {
			logger.error("Could not record {} outcome(s); retrying", batch.size(), ex);
			return false;
		}
		for (PendingOutcome pending : batch) {
			this.held.remove(pending.job.claim());
			if (!recorded.contains(pending.job.claim())) {
				logger.warn("The outcome of {} was rejected by the store: this instance's claim on it was lost "
						+ "(reaped or taken over), so the new owner's result stands", pending.job);
			}
		}
		if (freesCappedSlot) {
			// A freed claim may make capped work claimable here too.
			this.saturatedUntilNanos.clear();
		}
		this.wakeSignal.wake();
		return true;
	}

	// ------------------------------------------------------------------ leases

	private void heartbeat() {
		if (!this.heartbeating) {
			return;
		}
		List<RunningJob> snapshot = new ArrayList<>(this.held.values());
		List<ClaimRef> claims = snapshot.stream().map(RunningJob::claim).toList();
		long startedNanos = System.nanoTime();
		try {
			HeartbeatResult result = this.store.heartbeat(new Heartbeat(this.instanceId, this.leaseDuration,
					declaredTaskCaps(), declaredQueueCaps(), claims));
			this.outage.succeeded();
			this.lastRenewalNanos = startedNanos;
			this.connectedAt = result.storeTime();
			this.clusterCaps = result.clusterCaps();
			for (RunningJob job : snapshot) {
				if (result.renewed().contains(job.claim())) {
					job.leaseRenewedNanos = startedNanos;
				}
				else if (this.held.containsKey(job.claim())) {
					leaseLost(job, "its claim is gone from the store (reaped or taken over)", true);
				}
			}
		}
		catch (RuntimeException ex) {
			this.outage.failed("heartbeat", ex);
			long sinceRenewal = System.nanoTime() - this.lastRenewalNanos;
			if (this.lastRenewalNanos != 0
					&& sinceRenewal > leaseSafetyNanos()) {
				// Our leases may expire before we can renew them: stop before another instance starts the same jobs.
				for (RunningJob job : snapshot) {
					if (this.held.containsKey(job.claim())) {
						leaseLost(job, "its lease could not be renewed for " + (sinceRenewal / 1_000_000) + " ms", false);
					}
				}
			}
		}
	}

	/**
	 * @return how long after its last renewal this instance still counts a lease as its own:
	 *         lease - heartbeat, as DESIGN.md says, so one heartbeat is left to stop a handler
	 *         before the reaper can give its job to another instance
	 */
	private long leaseSafetyNanos() {
		return this.leaseDuration.minus(this.heartbeatInterval).toNanos();
	}

	/**
	 * Stops a job whose lease is lost ({@code confirmed}: the store no longer has the claim,
	 * so its outcome is discarded) or may soon be (it could not be renewed: a result the
	 * handler still returns is offered to the store, which keeps it only if the claim is still
	 * this instance's, and a failure gives the job back).
	 */
	private void leaseLost(RunningJob job, String why, boolean confirmed) {
		if (job.outcomeSubmitted) {
			// Its outcome may have committed while the heartbeat ran; if not, the store rejects it.
			return;
		}
		if (confirmed) {
			logger.warn("{} lost its lease ({}); interrupting it and discarding its outcome", job, why);
			job.interrupt(RunningJob.Interruption.LEASE_LOST);
			if (job.returned) {
				this.held.remove(job.claim());
			}
		}
		else {
			logger.warn("{} may lose its lease ({}); interrupting it before another instance can take it over",
					job, why);
			job.interrupt(RunningJob.Interruption.LEASE_UNRENEWED);
		}
	}

	private void reap() {
		if (!this.heartbeating) {
			return;
		}
		long recoveredAt = this.outage.recoveredAtNanos();
		if (this.outage.isFailing()
				|| (recoveredAt >= 0 && System.nanoTime() - recoveredAt < this.leaseDuration.toNanos())) {
			// After an outage every instance's leases look expired; give live instances one lease to renew.
			return;
		}
		try {
			Instant connected = this.connectedAt;
			if (connected == null) {
				return;
			}
			List<ReapedJob> reaped = this.store.reap(this.reaperGrace, connected);
			for (ReapedJob job : reaped) {
				logger.warn("Took back job {} of task '{}' from instance {} whose lease expired: now {}", job.jobId(),
						job.taskName(), job.instanceId(), job.status());
			}
			if (!reaped.isEmpty()) {
				this.wakeSignal.wake();
			}
		}
		catch (RuntimeException ex) {
			this.outage.failed("reap", ex);
		}
	}

	private void purge() {
		try {
			int purged = this.store.purge(this.retentionSucceeded, this.retentionDead);
			if (purged > 0) {
				logger.debug("Purged {} finished job(s)", purged);
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Purge failed; trying again later", ex);
		}
	}

	// ------------------------------------------------------------------ caps and slots

	private Map<String, Integer> declaredTaskCaps() {
		Map<String, Integer> caps = new HashMap<>();
		for (TaskDefinition task : this.registry.tasks()) {
			if (task.isCapped()) {
				caps.put(task.name(), task.maxConcurrent());
			}
		}
		return caps;
	}

	private Map<String, Integer> declaredQueueCaps() {
		Map<String, Integer> caps = new HashMap<>();
		for (QueueDefinition queue : this.registry.configuredQueues()) {
			if (queue.isCapped()) {
				caps.put(queue.name(), queue.maxConcurrent());
			}
		}
		return caps;
	}

	/**
	 * The cap admission uses for a task: the smallest that this instance or any live
	 * instance declares, so a rolling deploy never runs more than either version allows.
	 * @param task the task
	 * @return the cap, 0 for none
	 */
	int taskCap(String task) {
		int local = this.registry.find(task).map(TaskDefinition::maxConcurrent).orElse(0);
		return smallestCap(local, this.clusterCaps.task(task));
	}

	/**
	 * @param queue the queue
	 * @return the cap admission uses for the queue, 0 for none
	 */
	int queueCap(String queue) {
		return smallestCap(this.registry.queue(queue).maxConcurrent(), this.clusterCaps.queue(queue));
	}

	private static int smallestCap(int a, int b) {
		if (a <= 0) {
			return Math.max(b, 0);
		}
		return (b <= 0) ? a : Math.min(a, b);
	}

	private Set<String> cappedTasks(Collection<String> tasks) {
		Set<String> capped = new HashSet<>();
		for (String task : tasks) {
			if (taskCap(task) > 0) {
				capped.add(task);
			}
		}
		return capped;
	}

	private Set<String> cappedQueues(Collection<String> queues) {
		Set<String> capped = new HashSet<>();
		for (String queue : queues) {
			if (queueCap(queue) > 0) {
				capped.add(queue);
			}
		}
		return capped;
	}

	/**
	 * Backs off from a cap that rejected a claim, for a random time that doubles with each
	 * rejection in a row (up to the poll interval). Dispatchers that collided all rejected
	 * together; a random, growing pause lets one of them claim alone next time, where a
	 * fixed pause would have them collide again in lockstep.
	 */
	private void backOffAfterRejection(ClaimedJob job, long nowNanos) {
		if (taskCap(job.taskName()) > 0) {
			backOff("task:" + job.taskName(), nowNanos);
		}
		if (queueCap(job.queue()) > 0) {
			backOff("queue:" + job.queue(), nowNanos);
		}
	}

	private void backOff(String key, long nowNanos) {
		int rejections = this.consecutiveRejections.merge(key, 1, Integer::sum);
		long maxMillis = Math.min(this.pollInterval.toMillis(),
				REJECTION_BACKOFF_MIN_MILLIS << Math.min(rejections - 1, 16));
		long millis = ThreadLocalRandom.current().nextLong(maxMillis / 2, maxMillis + 1);
		this.saturatedUntilNanos.put(key, nowNanos + TimeUnit.MILLISECONDS.toNanos(millis));
	}

	/**
	 * @return how long until the first remembered saturation ends, at most {@code maxMillis}
	 */
	private long millisUntilSaturationEnds(long maxMillis) {
		long now = System.nanoTime();
		long soonest = maxMillis;
		for (long until : this.saturatedUntilNanos.values()) {
			long millis = TimeUnit.NANOSECONDS.toMillis(until - now);
			if (millis >= 0 && millis < soonest) {
				soonest = Math.max(millis, 1);
			}
		}
		return soonest;
	}

	private boolean isSaturated(String key, long nowNanos) {
		Long until = this.saturatedUntilNanos.get(key);
		return until != null && until - nowNanos > 0;
	}

	private int freeSlots() {
		return this.concurrency - this.busySlots.get();
	}

	private void releaseSlot(RunningJob job) {
		if (job != null) {
			if (job.handedNanos != 0) {
				// A racy average is good enough: it only tunes how long a pass waits for more free slots.
				long busyNanos = System.nanoTime() - job.handedNanos;
				this.slotNanosAverage += (busyNanos - this.slotNanosAverage) / 8;
			}
			this.busySlots.decrementAndGet();
			this.wakeSignal.wake();
		}
	}

	/**
	 * Before a pass, waits a little for more free slots when handlers are short next to a
	 * claim's round trip: a claim costs about the same for one job as for sixteen, so a pass
	 * that starts at the first freed slot of a burst of short jobs claims one job and keeps
	 * the others waiting for the next round trip. Handlers that run longer than a quarter of
	 * a claim are not waited for, and no wait is longer than half a claim.
	 */
	private void awaitFullerBatch() throws InterruptedException {
		int target = Math.min(this.concurrency, this.batchSize);
		int free = freeSlots();
		long claimNanos = this.claimNanosAverage;
		if (free <= 0 || free >= target || this.slotNanosAverage * 4 > claimNanos) {
			return;
		}
		long deadline = System.nanoTime() + claimNanos / 2;
		long remaining;
		while (freeSlots() < target && (remaining = deadline - System.nanoTime()) > 0) {
			this.wakeSignal.await(remaining);
		}
	}

	private void giveBackTokens(PreClaimGates gates, Map<String, Integer> usedByTask,
			Map<String, Integer> usedByQueue) {
		if (gates.tokenRequests.isEmpty()) {
			return;
		}
		List<TokenRequest> giveBack = new ArrayList<>();
		for (TokenRequest request : gates.tokenRequests) {
			String name = bucketName(request);
			int used = isTaskBucket(request) ? usedByTask.getOrDefault(name, 0) : usedByQueue.getOrDefault(name, 0);
			int unused = gates.granted.getOrDefault(request.bucket(), 0) - used;
			if (unused > 0) {
				giveBack.add(new TokenRequest(request.bucket(), request.limit(), -unused));
			}
		}
		if (!giveBack.isEmpty()) {
			try {
				this.store.takeTokens(giveBack);
			}
			catch (RuntimeException ex) {
				// Unused tokens are lost: the rate runs a little under its limit for a moment.
				logger.debug("Could not give back {} unused rate-limit token bucket(s)", giveBack.size(), ex);
			}
		}
	}

	private static boolean isTaskBucket(TokenRequest request) {
		return request.bucket().startsWith("task:");
	}

	private static String bucketName(TokenRequest request) {
		return request.bucket().substring(request.bucket().indexOf(':') + 1);
	}

	private static Map<String, Integer> countByTask(List<ClaimedJob> jobs) {
		Map<String, Integer> counts = new HashMap<>();
		jobs.forEach((job) -> counts.merge(job.taskName(), 1, Integer::sum));
		return counts;
	}

	private static Map<String, Integer> countByQueue(List<ClaimedJob> jobs) {
		Map<String, Integer> counts = new HashMap<>();
		jobs.forEach((job) -> counts.merge(job.queue(), 1, Integer::sum));
		return counts;
	}

	private static void sleepMillis(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static ThreadFactory namedThreads(String prefix, boolean daemon) {
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
			thread.setDaemon(daemon);
			return thread;
		};
	}

	// ------------------------------------------------------------------ test seams

	/**
	 * Starts everything but the dispatch loop, so a test can drive the steps itself.
	 */
	void startWithoutDispatchLoop() {
		start(false);
	}

	/** Chooses how the post-claim check decides; tests only. */
	void setCapCheck(CapCheck capCheck) {
		this.capCheck = capCheck;
	}

	/**
	 * Whether claims ask the store to gate them by the cluster caps; tests turn it off to
	 * let racing dispatchers over-claim, so that the post-claim check alone must hold the cap.
	 */
	void setAtomicCapGate(boolean atomicCapGate) {
		this.atomicCapGate = atomicCapGate;
	}

	/** Runs right before the claim; tests hold dispatchers there. */
	void setBeforeClaimHook(Runnable beforeClaimHook) {
		this.beforeClaimHook = beforeClaimHook;
	}

	/** Runs between the claim and the post-claim count; tests hold dispatchers there. */
	void setAfterClaimHook(Consumer<List<ClaimedJob>> afterClaimHook) {
		this.afterClaimHook = afterClaimHook;
	}

	/**
	 * Simulates a crash or a long pause: stops heartbeats and claiming at once, giving
	 * nothing back; running handlers run on and submit their outcomes, as a paused process's
	 * would when it wakes. Tests only.
	 */
	void simulateCrash() {
		this.heartbeating = false;
		this.dispatching = false;
		this.wakeSignal.wake();
	}

	/** What the gates allow, and the rate-limit tokens taken for it. */
	record PreClaimGates(ClaimRequest request, List<TokenRequest> tokenRequests, Map<String, Integer> granted) {
	}

	/** The outcome of the post-claim check. */
	record Admission(List<ClaimedJob> admitted, List<ClaimedJob> rejected) {
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

		/** @return the dispatcher, not yet started */
		public TaskDispatcher build() {
			return new TaskDispatcher(this);
		}

	}

}
