package dev.taskito.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobView;
import dev.taskito.TaskitoException;
import dev.taskito.store.BulkStep;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.FinishedCounts;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.ClusterGauges;
import dev.taskito.store.FinishAndClaim;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;
import dev.taskito.store.InstanceView;
import dev.taskito.store.JobCounts;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.ReapedJob;
import dev.taskito.store.Reschedule;
import dev.taskito.store.StoreUnavailableException;
import dev.taskito.store.StrandedWork;
import dev.taskito.store.TaskKey;
import dev.taskito.store.TokenRequest;

/**
 * A real store seen through the seams the dispatcher tests need, so that production code
 * carries none of them:
 * <ul>
 * <li>the seed's two bugs, replayed by what the dispatcher's post-claim count is told
 * ({@code -Dtaskito.test.capCheck=BROKEN_COUNT_BEFORE_CLAIM} or
 * {@code BROKEN_GREATER_OR_EQUAL}), so the cap suites can be watched failing against them;</li>
 * <li>claims without the store's atomic cap gate, so that racing dispatchers over-claim a
 * cap and the post-claim check alone must hold it;</li>
 * <li>hooks right before and right after a claim, to hold dispatchers between the steps, and
 * right before a rollback, to slow a give-back down;</li>
 * <li>queues reported paused to the dispatcher alone, so that a test drives the steps;</li>
 * <li>an {@code Error} thrown once from a named store call, to prove no internal thread dies;</li>
 * <li>a freeze: heartbeats, claims and reaps hang until thawed, as those of a process that
 * stands still (SIGSTOP, a long GC pause) never arrive, while the handlers it already
 * started run on and their outcomes reach the store;</li>
 * <li>outcomes the store refuses: a finish whose batch holds one fails as a store that cannot
 * write it does (not an outage), and the batches finish was called with are kept;</li>
 * <li>an outage: heartbeats, claims and reaps fail as on a store that does not answer, until
 * reconnected;</li>
 * <li>the jobs every enqueue was handed, as the task queue made them.</li>
 * </ul>
 */
final class InterceptingClaimStore implements ClaimStore {

	/** How the post-claim check is made to decide. */
	enum CapCheck {

		/** As built: count after the claim committed, including the job's own claim, reject when greater. */
		AFTER_CLAIM,

		/**
		 * The seed's first bug: count before claiming, then admit what that count allowed. The
		 * count is taken before the claim and handed to the dispatcher's post-claim count with
		 * the batch's own claims added, so that the dispatcher, which subtracts them, decides
		 * by the count from before the claim.
		 */
		BROKEN_COUNT_BEFORE_CLAIM,

		/**
		 * The seed's second bug: reject when the count including the job's own claim reaches
		 * the cap. A dispatcher that rejects at {@code count > cap} decides exactly as one
		 * that rejects at {@code count >= cap} when every count it reads is one higher.
		 */
		BROKEN_GREATER_OR_EQUAL

	}

	private final ClaimStore store;

	private final CapCheck capCheck;

	/** The count before the latest claim on this thread and that claim's jobs, for the count-before-claim bug. */
	private final ThreadLocal<CountedClaim> countedBeforeClaim = new ThreadLocal<>();

	private volatile boolean atomicCapGate = true;

	private volatile Set<TaskKey> keysCountedBeforeClaim = Set.of();

	private volatile Runnable beforeClaim = () -> {
	};

	private volatile Consumer<List<ClaimedJob>> afterClaim = (claimed) -> {
	};

	private volatile Runnable beforeRollback = () -> {
	};

	private volatile CountDownLatch frozen;

	private volatile Set<String> pretendPaused = Set.of();

	private volatile Predicate<Outcome> refused = (outcome) -> false;

	/** Set while heartbeats, claims and reaps fail as on an unreachable store. */
	private volatile StoreUnavailableException cutOff;

	/** The jobs of every enqueue call, in order. */
	final List<NewJob> enqueued = new CopyOnWriteArrayList<>();

	/** The outcomes of every finish call, in order. */
	final List<List<Outcome>> finishes = new CopyOnWriteArrayList<>();

	/** The jobs whose outcomes carried a refill claim ({@code finishAndClaim}), in order. */
	final List<JobId> refilledBy = new CopyOnWriteArrayList<>();

	/** Errors to throw once, by the name of the store call that throws them. */
	private final Map<String, Error> failNext = new ConcurrentHashMap<>();

	/** How many calls each store call has had, by its name. */
	private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

	private InterceptingClaimStore(ClaimStore store, CapCheck capCheck) {
		this.store = store;
		this.capCheck = capCheck;
	}

	/**
	 * @return the store, deciding caps as {@code -Dtaskito.test.capCheck} says (as built when unset)
	 */
	static InterceptingClaimStore of(ClaimStore store) {
		String capCheck = System.getProperty("taskito.test.capCheck");
		return new InterceptingClaimStore(store, (capCheck != null) ? CapCheck.valueOf(capCheck) : CapCheck.AFTER_CLAIM);
	}

	/**
	 * @return the store, deciding caps as {@code capCheck} says, whatever the system property
	 */
	static InterceptingClaimStore of(ClaimStore store, CapCheck capCheck) {
		return new InterceptingClaimStore(store, capCheck);
	}

	/**
	 * The (task, key) pairs that the count-before-claim bug counts before each claim: a count
	 * taken before the claim cannot know the keys the claim will take.
	 */
	void countKeysBeforeClaim(Set<TaskKey> keys) {
		this.keysCountedBeforeClaim = Set.copyOf(keys);
	}

	/**
	 * Claims without naming the caps, so the store does not gate them.
	 */
	InterceptingClaimStore withoutAtomicCapGate() {
		this.atomicCapGate = false;
		return this;
	}

	/** Runs right before every claim. */
	void beforeClaim(Runnable hook) {
		this.beforeClaim = hook;
	}

	/** Runs right before every rollback (a give-back) reaches the store, as a slow store would delay it. */
	void beforeRollback(Runnable hook) {
		this.beforeRollback = hook;
	}

	/** Runs after every claim that took jobs, before the dispatcher counts. */
	void afterClaim(Consumer<List<ClaimedJob>> hook) {
		this.afterClaim = hook;
	}

	/**
	 * Tells the dispatcher these queues are paused (the store has them as they were), so
	 * that its loop claims nothing while a test drives the dispatch steps with claims that
	 * name the queues.
	 */
	void pretendPaused(Set<String> queues) {
		this.pretendPaused = Set.copyOf(queues);
	}

	/**
	 * From now on a finish whose batch holds an outcome that {@code refuse} matches records
	 * nothing and fails as a database refusing a value does.
	 */
	void refuseOutcomes(Predicate<Outcome> refuse) {
		this.refused = refuse;
	}

	/**
	 * Makes the next call of {@code operation} ({@code claim}, {@code finish},
	 * {@code heartbeat}, {@code reap} or {@code purge}) throw {@code error} instead.
	 */
	void failNext(String operation, Error error) {
		this.failNext.put(operation, error);
	}

	/**
	 * @return how many times {@code operation} was called, failed calls included
	 */
	int calls(String operation) {
		AtomicInteger count = this.calls.get(operation);
		return (count != null) ? count.get() : 0;
	}

	private void called(String operation) {
		this.calls.computeIfAbsent(operation, (key) -> new AtomicInteger()).incrementAndGet();
		Error error = this.failNext.remove(operation);
		if (error != null) {
			throw error;
		}
	}

	/** From now on heartbeats, claims and reaps hang until {@link #thaw()}. */
	void freeze() {
		this.frozen = new CountDownLatch(1);
	}

	void thaw() {
		CountDownLatch latch = this.frozen;
		this.frozen = null;
		if (latch != null) {
			latch.countDown();
		}
	}

	/** From now on heartbeats, claims and reaps fail with {@code failure} until {@link #reconnect()}. */
	void cutOff(StoreUnavailableException failure) {
		this.cutOff = failure;
	}

	void reconnect() {
		this.cutOff = null;
	}

	private void awaitThaw() {
		StoreUnavailableException failure = this.cutOff;
		if (failure != null) {
			throw failure;
		}
		CountDownLatch latch = this.frozen;
		if (latch == null) {
			return;
		}
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new StoreUnavailableException("the test froze this instance's store calls", ex);
		}
	}

	@Override
	public List<ClaimedJob> claim(ClaimRequest request, UUID batchId) {
		awaitThaw();
		called("claim");
		// The buggy count comes first, before any hook holds this dispatcher: racing
		// dispatchers then count before either has claimed, as the seed's did.
		ClaimCounts before = (this.capCheck == CapCheck.BROKEN_COUNT_BEFORE_CLAIM)
				? this.store.countClaims(request.taskLimits().keySet(), request.queues(), this.keysCountedBeforeClaim)
				: null;
		this.beforeClaim.run();
		ClaimRequest toClaim = this.atomicCapGate ? request : new ClaimRequest(request.instanceId(), request.lease(),
				request.limit(), request.queues(), request.taskLimits(), request.queueLimits());
		List<ClaimedJob> claimed = this.store.claim(toClaim, batchId);
		this.countedBeforeClaim.set((before != null) ? new CountedClaim(before, claimed) : null);
		if (!claimed.isEmpty()) {
			this.afterClaim.accept(claimed);
		}
		return claimed;
	}

	@Override
	public ClaimCounts countClaims(Set<String> tasks, Set<String> queues) {
		return countClaims(tasks, queues, Set.of());
	}

	@Override
	public ClaimCounts countClaims(Set<String> tasks, Set<String> queues, Set<TaskKey> keys) {
		CountedClaim counted = this.countedBeforeClaim.get();
		this.countedBeforeClaim.remove();
		if (counted != null) {
			return counted.asIfCountedAfter(tasks, queues, keys);
		}
		ClaimCounts counts = keys.isEmpty() ? this.store.countClaims(tasks, queues)
				: this.store.countClaims(tasks, queues, keys);
		return (this.capCheck == CapCheck.BROKEN_GREATER_OR_EQUAL) ? plusOne(counts, tasks, queues, keys) : counts;
	}

	private static ClaimCounts plusOne(ClaimCounts counts, Set<String> tasks, Set<String> queues, Set<TaskKey> keys) {
		Map<String, Integer> byTask = new HashMap<>();
		tasks.forEach((task) -> byTask.put(task, counts.task(task) + 1));
		Map<String, Integer> byQueue = new HashMap<>();
		queues.forEach((queue) -> byQueue.put(queue, counts.queue(queue) + 1));
		Map<TaskKey, Integer> byKey = new HashMap<>();
		keys.forEach((key) -> byKey.put(key, counts.key(key) + 1));
		return new ClaimCounts(byTask, byQueue, byKey);
	}

	/** A count taken before a claim, and the jobs that claim took. */
	private record CountedClaim(ClaimCounts before, List<ClaimedJob> claimed) {

		ClaimCounts asIfCountedAfter(Set<String> tasks, Set<String> queues, Set<TaskKey> keys) {
			Map<TaskKey, Integer> byKey = new HashMap<>();
			keys.forEach((key) -> byKey.put(key, this.before.key(key)
					+ (int) this.claimed.stream().filter((job) -> key.equals(TaskKey.of(job))).count()));
			Map<String, Integer> byTask = new HashMap<>();
			tasks.forEach((task) -> byTask.put(task, this.before.task(task)
					+ (int) this.claimed.stream().filter((job) -> job.taskName().equals(task)).count()));
			Map<String, Integer> byQueue = new HashMap<>();
			queues.forEach((queue) -> byQueue.put(queue, this.before.queue(queue)
					+ (int) this.claimed.stream().filter((job) -> job.queue().equals(queue)).count()));
			return new ClaimCounts(byTask, byQueue, byKey);
		}

	}

	@Override
	public HeartbeatResult heartbeat(Heartbeat heartbeat) {
		awaitThaw();
		called("heartbeat");
		return this.store.heartbeat(heartbeat);
	}

	@Override
	public List<ReapedJob> reap(Duration grace, Instant reaperConnectedAt) {
		awaitThaw();
		called("reap");
		return this.store.reap(grace, reaperConnectedAt);
	}

	// ------------------------------------------------------------------ passed through

	@Override
	public void start() {
		this.store.start();
	}

	@Override
	public List<JobId> enqueue(List<NewJob> jobs) {
		this.enqueued.addAll(jobs);
		return this.store.enqueue(jobs);
	}

	@Override
	public Optional<JobView> find(JobId id) {
		return this.store.find(id);
	}

	@Override
	public List<JobView> jobs(JobQuery query) {
		return this.store.jobs(query);
	}

	@Override
	public long count(JobQuery query) {
		return this.store.count(query);
	}

	@Override
	public List<JobCounts> jobCounts() {
		return this.store.jobCounts();
	}

	@Override
	public Optional<String> payload(JobId id) {
		return this.store.payload(id);
	}

	@Override
	public List<FinishedCounts> finishedCounts(List<JobId> bounds) {
		return this.store.finishedCounts(bounds);
	}

	@Override
	public BulkStep cancelStep(JobQuery query, JobId upTo) {
		return this.store.cancelStep(query, upTo);
	}

	@Override
	public BulkStep retryStep(JobQuery query, JobId upTo) {
		return this.store.retryStep(query, upTo);
	}

	@Override
	public Optional<JobId> newestId(JobQuery query) {
		return this.store.newestId(query);
	}

	@Override
	public boolean reschedule(JobId id, Instant runAt) {
		return this.store.reschedule(id, runAt);
	}

	@Override
	public boolean delete(JobId id) {
		return this.store.delete(id);
	}

	@Override
	public Optional<JobView> watch(JobId id) {
		return this.store.watch(id);
	}

	@Override
	public void addFinishedListener(Consumer<JobId> listener) {
		this.store.addFinishedListener(listener);
	}

	@Override
	public boolean applyConfiguredPause(String queue, boolean paused) {
		return this.store.applyConfiguredPause(queue, paused);
	}

	@Override
	public ClusterGauges gauges(int countLimit) {
		return this.store.gauges(countLimit);
	}

	@Override
	public ClusterGauges gauges(int countLimit, Map<String, Integer> keyCaps) {
		return this.store.gauges(countLimit, keyCaps);
	}

	@Override
	public List<InstanceView> liveInstances() {
		return this.store.liveInstances();
	}

	@Override
	public boolean cancel(JobId id) {
		return this.store.cancel(id);
	}

	@Override
	public boolean retry(JobId id) {
		return this.store.retry(id);
	}

	@Override
	public void setQueuePaused(String queue, boolean paused) {
		this.store.setQueuePaused(queue, paused);
	}

	@Override
	public dev.taskito.store.ScheduleRecord registerSchedule(String task, String definition) {
		return this.store.registerSchedule(task, definition);
	}

	@Override
	public dev.taskito.store.ScheduleSnapshot schedules() {
		return this.store.schedules();
	}

	@Override
	public dev.taskito.store.ScheduleTick.Result enqueueTick(dev.taskito.store.ScheduleTick tick) {
		return this.store.enqueueTick(tick);
	}

	@Override
	public boolean setSchedulePaused(String task, boolean paused) {
		return this.store.setSchedulePaused(task, paused);
	}

	@Override
	public Set<String> pausedQueues() {
		Set<String> paused = new HashSet<>(this.store.pausedQueues());
		paused.addAll(this.pretendPaused);
		return paused;
	}

	@Override
	public List<ClaimedJob> recoverClaim(String instanceId, UUID batchId) {
		return this.store.recoverClaim(instanceId, batchId);
	}

	@Override
	public Set<ClaimRef> rollback(List<Reschedule> reschedules) {
		this.beforeRollback.run();
		return this.store.rollback(reschedules);
	}

	@Override
	public Set<ClaimRef> finish(List<Outcome> outcomes, boolean wakeOthers) {
		called("finish");
		if (wakeOthers) {
			called("finish waking others");
		}
		this.finishes.add(List.copyOf(outcomes));
		if (outcomes.stream().anyMatch(this.refused)) {
			throw new TaskitoException("Could not record outcomes in table test_jobs: ERROR: the test refuses "
					+ "this value (SQLState 22000)");
		}
		return this.store.finish(outcomes, wakeOthers);
	}

	@Override
	public FinishAndClaim finishAndClaim(List<Outcome> outcomes, boolean wakeOthers, ClaimRequest request,
			UUID batchId) {
		if (this.frozen != null) {
			// A frozen instance's outcomes still reach the store; its claims do not.
			return new FinishAndClaim(finish(outcomes, wakeOthers), List.of(), null);
		}
		if (this.capCheck != CapCheck.AFTER_CLAIM || !this.atomicCapGate || outcomes.stream().anyMatch(this.refused)
				|| !this.failNext.isEmpty()) {
			// The seams that act on a claim or an outcome see each call on its own.
			return ClaimStore.super.finishAndClaim(outcomes, wakeOthers, request, batchId);
		}
		called("finishAndClaim");
		if (wakeOthers) {
			called("finishAndClaim waking others");
		}
		this.finishes.add(List.copyOf(outcomes));
		outcomes.forEach((outcome) -> this.refilledBy.add(outcome.claim().jobId()));
		this.beforeClaim.run();
		FinishAndClaim result = this.store.finishAndClaim(outcomes, wakeOthers, request, batchId);
		if (!result.claimed().isEmpty()) {
			this.afterClaim.accept(result.claimed());
		}
		return result;
	}

	@Override
	public boolean wakesOthersAlone() {
		return this.store.wakesOthersAlone();
	}

	@Override
	public void wakeOthers() {
		called("wakeOthers");
		this.store.wakeOthers();
	}

	@Override
	public void removeInstance(String instanceId) {
		this.store.removeInstance(instanceId);
	}

	@Override
	public List<StrandedWork> strandedWork(int countLimit) {
		return this.store.strandedWork(countLimit);
	}

	@Override
	public Map<String, Integer> takeTokens(List<TokenRequest> requests) {
		return this.store.takeTokens(requests);
	}

	@Override
	public int purge(Duration succeeded, Duration dead) {
		called("purge");
		return this.store.purge(succeeded, dead);
	}

	@Override
	public void addWakeUpListener(Runnable listener) {
		this.store.addWakeUpListener(listener);
	}

	/**
	 * Only thaws: the test that made this view closes the real store itself.
	 */
	@Override
	public void close() {
		thaw();
	}

}
