package dev.taskito.dispatch;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.FinishAndClaim;
import dev.taskito.store.Outcome;
import dev.taskito.store.StoreUnavailableException;

/**
 * One dispatch pass, read top to bottom as the flow in DESIGN.md: {@link #activeQueues},
 * {@link #checkPreClaimGates}, {@link #claimForDispatch}, {@link #checkPostClaimConcurrency},
 * {@link #rollbackClaimAndReschedule}, and {@link #handToWorkers}.
 *
 * <p>The cap is checked <em>after</em> the claim committed, in a separate store call that
 * counts every visible claim including the job's own, and a job is rejected only when that
 * count is strictly greater than the cap: of any set of racing dispatchers, the one that
 * counts last sees all their claims. The pool is never handed more jobs than it has free
 * slots, and a claim is never left without someone to run it, give it back or let it
 * expire.
 *
 * <p>Run by the {@link DispatchLoop}'s thread; the steps are package-private so that tests
 * can hold a dispatcher between them.
 */
final class DispatchPass {

	private static final Logger logger = LoggerFactory.getLogger(DispatchPass.class);

	/** How long a claim with outcomes waits for a pass under way, at least and at most. */
	private static final long PASS_LOCK_WAIT_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

	private static final long PASS_LOCK_WAIT_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

	private final ClaimStore store;

	private final TaskRegistry registry;

	private final DispatcherSettings settings;

	private final QueuePauses pauses;

	private final CapBook caps;

	private final HeldClaims held;

	private final WorkerPool workers;

	/** Claims whose answer was lost: they may have committed, so they are looked up by batch id. */
	private final UnresolvedClaims unresolved;

	private final PreClaimCheck preClaimCheck;

	private final PostClaimCheck postClaimCheck;

	private final ClaimGiveBack giveBack;

	private final WorkerHandOver handOver;

	/** Tells the listeners of due jobs a rate limit held back. */
	private final RateLimitReports rateLimits;

	/** Held by a pass from its gates to its hand-over, so that two passes never share out the same free slots. */
	private final ReentrantLock passLock = new ReentrantLock();

	/** Set when the dispatcher stops: outcomes are then recorded without claims. */
	private volatile boolean stopped;

	/** A moving average of how long a claim round trip takes, in nanoseconds. */
	private volatile long claimNanosAverage;

	DispatchPass(ClaimStore store, TaskRegistry registry, DispatcherSettings settings, QueuePauses pauses,
			CapBook caps, HeldClaims held, WorkerPool workers, JobRunner runner, OutcomeRecorder outcomes,
			UnresolvedClaims unresolved, TaskEvents events) {
		this.rateLimits = new RateLimitReports(registry, events);
		this.store = store;
		this.unresolved = unresolved;
		this.preClaimCheck = new PreClaimCheck(store, registry, settings, caps, held, workers, this.rateLimits);
		this.postClaimCheck = new PostClaimCheck(store, caps);
		this.giveBack = new ClaimGiveBack(store, caps, held, workers, events);
		this.handOver = new WorkerHandOver(registry, settings, held, workers, runner, outcomes);
		this.registry = registry;
		this.settings = settings;
		this.pauses = pauses;
		this.caps = caps;
		this.held = held;
		this.workers = workers;
	}

	/** What a pass found, which tells the loop what to do next. */
	enum Result {

		/** Nothing claimable, or no free slot: wait for a wake-up. */
		IDLE,

		/** Jobs were claimed; the slots are now full, a cap rejected some, or the batch came back short. */
		DISPATCHED,

		/** A full batch was admitted and slots remain: go again at once. */
		MORE_MAY_BE_DUE

	}

	/**
	 * One pass of the dispatch flow; it waits for a pass the outcome recorder runs.
	 * @return what the loop should do next
	 */
	Result dispatchOnce() {
		this.passLock.lock();
		try {
			PreClaimGates gates = checkPreClaimGates(activeQueues());
			if (gates == null) {
				return Result.IDLE;
			}
			return dispatchClaimed(gates, claimForDispatch(gates));
		}
		finally {
			this.passLock.unlock();
		}
	}

	/**
	 * Makes outcomes recorded from now on claim nothing with them; the dispatch loop stops
	 * on its own.
	 */
	void stopClaimingWithOutcomes() {
		this.stopped = true;
	}

	/**
	 * A pass whose claim rides in the same store call as a batch of outcomes: the claim sees
	 * the capped slots those outcomes free, so they are refilled without a round trip of
	 * their own. The post-claim count stays a separate statement after that commit. Runs on
	 * the outcome recorder's thread, once a pass under way has ended ({@link #awaitPassLock}).
	 * <p>The other instances are woken (as {@link ClaimStore#finish} does with
	 * {@code wakeOthers}) unless this claim may take every capped slot the outcomes free; when
	 * it then took fewer, they are woken after it ({@link RefillCover}).
	 * @param outcomes the outcomes to record
	 * @param finishing the jobs whose claims those outcomes end, still held until they are recorded
	 * @return the claims whose outcome was recorded, or {@code null} when nothing was done
	 *         (a pass under way did not end in time, or nothing may be claimed): record the
	 *         outcomes alone
	 */
	Set<ClaimRef> finishAndDispatch(List<Outcome> outcomes, List<ClaimedJob> finishing) {
		if (this.stopped || !awaitPassLock()) {
			return null;
		}
		try {
			if (this.stopped) {
				return null;
			}
			// The slots these outcomes free are free for this claim.
			this.caps.slotFreed();
			// The pauses as last read: a read of the store here would be a round trip more
			// in the refill, once a poll interval.
			PreClaimGates gates = checkPreClaimGates(activeQueues(this.pauses.known()), JobTally.of(finishing));
			if (gates == null) {
				return null;
			}
			RefillCover cover = RefillCover.of(finishing, gates.request(), this.caps, this.store);
			UUID batchId = UUID.randomUUID();
			long requestedNanos = System.nanoTime();
			FinishAndClaim result;
			try {
				result = this.store.finishAndClaim(outcomes, cover.wakeOthersNow(), gates.request(), batchId);
			}
			catch (StoreUnavailableException ex) {
				this.unresolved.remember(batchId);
				throw ex;
			}
			catch (RuntimeException ex) {
				gates.tokens().giveBackUnused(this.store, new JobTally());
				throw ex;
			}
			if (result.claimUnknown()) {
				this.unresolved.remember(batchId);
			}
			else if (result.claimFailure() != null) {
				logger.debug("Claiming with outcomes failed; the dispatch pass claims next", result.claimFailure());
			}
			takeSlots(result.claimed(), requestedNanos);
			cover.wakeOthersIfShort(result);
			try {
				dispatchClaimed(gates, result.claimed());
			}
			catch (RuntimeException ex) {
				// The outcomes are recorded whatever became of the claim: its jobs were given back,
				// or their leases expire and the reaper takes them back.
				logger.warn("Could not dispatch the jobs claimed with a batch of outcomes", ex);
			}
			return result.recorded();
		}
		finally {
			this.passLock.unlock();
		}
	}

	/**
	 * @return whether outcomes recorded now claim with them
	 */
	boolean refillsWithOutcomes() {
		return !this.stopped;
	}

	/**
	 * Takes the pass lock for a claim with outcomes. A pass under way holds it for a round
	 * trip or two, and waiting that long costs less than the other way, the outcomes recorded
	 * alone and their slots refilled by a pass of its own: a second round trip, after a
	 * wake-up. A pass that takes longer (a store call that hangs) is not waited for.
	 * @return whether the lock is held
	 */
	private boolean awaitPassLock() {
		long waitNanos = Math.min(Math.max(4 * this.claimNanosAverage, PASS_LOCK_WAIT_MIN_NANOS),
				PASS_LOCK_WAIT_MAX_NANOS);
		try {
			return this.passLock.tryLock(waitNanos, TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			// The completer is stopping: record the outcomes alone.
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/**
	 * One pass for a dispatcher that is never started and runs jobs on its caller's thread
	 * instead ({@link TaskDispatcher#runDueJobsOnCallingThread()}): the same steps 1 to 5 as
	 * {@link #dispatchOnce()}, for at most one job, then step 6 runs that job's handler on
	 * the calling thread through the same {@link JobRunner}, so its outcome (a result, a
	 * retry with backoff, DEAD) is made exactly as on a worker. The outcome is queued, not
	 * yet recorded: the caller records it before the next pass.
	 * @return what was claimed and what ran
	 * @throws VirtualMachineError that the handler threw, after its outcome was queued
	 */
	CallingThreadPass runOneOnCallingThread() {
		this.passLock.lock();
		try {
			PreClaimGates gates = this.preClaimCheck.gates(activeQueues(), new JobTally(), 1);
			if (gates == null) {
				return new CallingThreadPass(0, 0);
			}
			List<ClaimedJob> claimed = claimForDispatch(gates);
			this.rateLimits.report(gates.tokens(), claimed);
			if (claimed.isEmpty()) {
				gates.tokens().giveBackUnused(this.store, new JobTally());
				return new CallingThreadPass(0, 0);
			}
			VirtualMachineError[] fatal = new VirtualMachineError[1];
			Admission admission = admitAndHandOver(gates, claimed, (job, handler) -> {
				job.handedNanos = System.nanoTime();
				try {
					handler.run();
				}
				catch (VirtualMachineError ex) {
					if (!job.returned) {
						throw ex;
					}
					// JobRunner rethrows it only once the outcome is queued and the slot freed: let
					// the pass finish like a worker's would, then end the caller as it would end a worker.
					fatal[0] = ex;
				}
			});
			if (fatal[0] != null) {
				throw fatal[0];
			}
			return new CallingThreadPass(claimed.size(), admission.admitted().size());
		}
		finally {
			this.passLock.unlock();
		}
	}

	/**
	 * Steps 4 to 6 for jobs just claimed under {@code gates}.
	 */
	private Result dispatchClaimed(PreClaimGates gates, List<ClaimedJob> claimed) {
		this.rateLimits.report(gates.tokens(), claimed);
		if (claimed.isEmpty()) {
			gates.tokens().giveBackUnused(this.store, new JobTally());
			return Result.IDLE;
		}
		Admission admission = admitAndHandOver(gates, claimed, this.workers::execute);
		boolean fullBatch = claimed.size() == gates.request().limit();
		return (fullBatch && this.workers.freeSlots() > 0 && admission.rejected().isEmpty()) ? Result.MORE_MAY_BE_DUE
				: Result.DISPATCHED;
	}

	/**
	 * Steps 4 to 6 for a claim that is not empty: the post-claim check, the hand-over of
	 * the admitted jobs, the rollback of the rejected ones, and the unused rate-limit tokens
	 * given back.
	 */
	private Admission admitAndHandOver(PreClaimGates gates, List<ClaimedJob> claimed, WorkerHandOver.Where where) {
		Admission admission;
		try {
			admission = checkPostClaimConcurrency(claimed);
		}
		catch (Throwable ex) {
			// Unchecked claims must not run, nor sit in our heartbeat forever: give them back.
			this.giveBack.unchecked(claimed, ex);
			throw ex;
		}
		// Admitted jobs start first: nothing after this may strand them if the store fails.
		try {
			this.handOver.handOver(admission.admitted(), where);
		}
		finally {
			rollbackClaimAndReschedule(admission.rejected());
		}
		gates.tokens().giveBackUnused(this.store, JobTally.of(admission.admitted()));
		return admission;
	}

	/**
	 * Step 1: the queues this instance's tasks use, minus the paused ones.
	 * @return the queues to claim from
	 */
	Set<String> activeQueues() {
		return activeQueues(this.pauses.current());
	}

	private Set<String> activeQueues(Set<String> paused) {
		Set<String> queues = new HashSet<>(this.registry.queueNames());
		queues.removeAll(paused);
		return queues;
	}

	/**
	 * Step 2: how much this pass may claim ({@link PreClaimCheck}): no more than the free
	 * worker slots and the batch size, within this instance's share of the caps and the rate
	 * limits' tokens.
	 * @param queues the active queues
	 * @return the claim request, or {@code null} when nothing may be claimed
	 */
	PreClaimGates checkPreClaimGates(Set<String> queues) {
		return checkPreClaimGates(queues, new JobTally());
	}

	/**
	 * Step 2 for a claim made with outcomes: as {@link #checkPreClaimGates(Set)}, counting
	 * the claims those outcomes end as no longer held.
	 * @param queues the active queues
	 * @param finishing the claims that end with this claim
	 * @return the claim request, or {@code null} when nothing may be claimed
	 */
	PreClaimGates checkPreClaimGates(Set<String> queues, JobTally finishing) {
		return this.preClaimCheck.gates(queues, finishing, this.settings.batchSize());
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
			claimed = this.store.claim(gates.request(), batchId);
			this.claimNanosAverage += (System.nanoTime() - requestedNanos - this.claimNanosAverage) / 8;
		}
		catch (StoreUnavailableException ex) {
			// The claim may have committed without its answer reaching us: resolve it by its batch id later.
			this.unresolved.remember(batchId);
			throw ex;
		}
		takeSlots(claimed, requestedNanos);
		return claimed;
	}

	private void takeSlots(List<ClaimedJob> claimed, long requestedNanos) {
		for (ClaimedJob job : claimed) {
			this.workers.takeSlot();
			TaskDefinition task = this.registry.find(job.taskName()).orElse(null);
			this.held.put(job.claim(), new RunningJob(job, task, requestedNanos));
		}
	}


	/**
	 * Step 4: after the claim has committed, a separate statement counts the claims of
	 * every capped task and queue in the batch, including the batch's own. A job is
	 * admitted while the count including it is not greater than the cap; per task and
	 * queue, the batch may fill {@code cap - (visible claims not in this batch)}, which
	 * includes this instance's own earlier claims.
	 * @param claimed the claimed jobs, in claim order
	 * @return the admitted and rejected jobs
	 */
	Admission checkPostClaimConcurrency(List<ClaimedJob> claimed) {
		return this.postClaimCheck.admit(claimed);
	}

	/**
	 * Step 5: gives rejected claims back in one store operation ({@link ClaimGiveBack}): the
	 * job is PENDING again after a short jittered delay, its attempt not consumed.
	 * @param rejected the claims a cap rejected
	 */
	void rollbackClaimAndReschedule(List<ClaimedJob> rejected) {
		this.giveBack.capRejected(rejected);
	}

	/**
	 * Step 6: hands admitted jobs to the worker pool ({@link WorkerHandOver}); a job whose
	 * stored payload no longer binds to its handler goes to DEAD with the reason, and a job
	 * that cannot be handed over for any other reason is given back; either way the pass
	 * carries on with the others.
	 * @param admitted the jobs the caps admitted
	 */
	void handToWorkers(List<ClaimedJob> admitted) {
		this.handOver.handOver(admitted, this.workers::execute);
	}

	/**
	 * @return how long a claim round trip takes, on average
	 */
	long claimNanosAverage() {
		return this.claimNanosAverage;
	}

	/**
	 * What one {@link #runOneOnCallingThread()} did.
	 * @param claimed how many jobs it claimed: 0 when none was due (or none may be claimed)
	 * @param ran how many of them the caps admitted and ran (the others were given back)
	 */
	record CallingThreadPass(int claimed, int ran) {
	}

	/**
	 * What the gates allow, and the rate-limit tokens taken for it.
	 * @param request the claim to make
	 * @param tokens the tokens taken, to give back what the claim does not use
	 */
	record PreClaimGates(ClaimRequest request, RateLimitTokens tokens) {
	}

	/**
	 * The outcome of the post-claim check.
	 * @param admitted the jobs to run
	 * @param rejected the jobs to give back
	 */
	record Admission(List<ClaimedJob> admitted, List<ClaimedJob> rejected) {
	}

}
