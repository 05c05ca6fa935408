package dev.taskito.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.TaskEvent;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.Reschedule;
import dev.taskito.store.StoreUnavailableException;

/**
 * Records what became of the jobs this instance ran. Outcomes are committed in batches by
 * one completer thread, each batch one store operation, fenced by claim token so that a
 * stale outcome never overwrites a new owner's; a job stopped through no fault of its own
 * is given back at once, its attempt intact.
 *
 * <p>A claim stays held (and renewed by the heartbeat) until its outcome is committed, so a
 * batch that cannot be written while the store is unreachable is retried with the outage's
 * backoff and nothing is lost; {@link #stop()} flushes what is left. A batch the store
 * refuses is split, so one outcome it cannot write never holds back another, and that one
 * ends its job as DEAD with the store's reason (or, when even that is refused, leaves its
 * claim to expire): no outcome is retried for ever.
 */
final class OutcomeRecorder {

	private static final Logger logger = LoggerFactory.getLogger(OutcomeRecorder.class);

	private static final int MAX_OUTCOMES_PER_COMMIT = 512;

	private final ClaimStore store;

	private final HeldClaims held;

	private final CapBook caps;

	private final WakeSignal wakeSignal;

	private final StoreOutage outage;

	private final StepFailures failures;

	private final TaskEvents events;

	private final BlockingQueue<PendingOutcome> outcomes = new LinkedBlockingQueue<>();

	private Thread completerThread;

	/** Claims with an outcome batch that frees capped slots, when set. */
	private DispatchPass refill;

	OutcomeRecorder(ClaimStore store, HeldClaims held, CapBook caps, WakeSignal wakeSignal, StoreOutage outage,
			StepFailures failures, TaskEvents events) {
		this.events = events;
		this.store = store;
		this.held = held;
		this.caps = caps;
		this.wakeSignal = wakeSignal;
		this.outage = outage;
		this.failures = failures;
	}

	/**
	 * Lets a batch of outcomes that frees capped slots carry the claim that refills them, in
	 * the same store call (see {@link DispatchPass#finishAndDispatch}).
	 * @param pass the dispatch pass
	 */
	void refillWith(DispatchPass pass) {
		this.refill = pass;
	}

	void start() {
		this.completerThread = Threads.named("taskito-completer-", true).newThread(this::completeLoop);
		this.completerThread.start();
	}

	/**
	 * Stops the completer and commits what is still queued, for up to {@code timeoutNanos};
	 * one commit is tried whatever the time left.
	 */
	void stop(long timeoutNanos) {
		long deadline = System.nanoTime() + timeoutNanos;
		this.completerThread.interrupt();
		Threads.join(this.completerThread, deadline - System.nanoTime());
		flush(deadline);
	}

	/**
	 * Queues an outcome for the next batch commit; from now on the store's fencing decides
	 * whether it stands.
	 */
	void submit(RunningJob job, Outcome outcome) {
		job.outcomeSubmitted = true;
		this.outcomes.add(new PendingOutcome(job, outcome));
	}

	/**
	 * @param job a job whose outcome was just submitted
	 * @return whether recording its outcome claims again for the capped slot it frees, and
	 *         wakes the dispatch loop once recorded
	 */
	boolean refillsWhenRecorded(RunningJob job) {
		return this.refill != null && this.refill.refillsWithOutcomes() && this.caps.isCapped(job.job);
	}

	/**
	 * Gives a job back with its attempt intact, fenced by its claim token: a claim already
	 * reaped or taken over is left as the store has it.
	 * @param when why it is given back, for the log
	 */
	void giveBack(RunningJob job, String when) {
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

	private void completeLoop() {
		List<PendingOutcome> batch = new ArrayList<>();
		while (!Thread.currentThread().isInterrupted()) {
			try {
				if (batch.isEmpty()) {
					batch.add(this.outcomes.take());
					this.outcomes.drainTo(batch, MAX_OUTCOMES_PER_COMMIT - 1);
				}
				if (commit(batch)) {
					batch.clear();
				}
				else {
					Thread.sleep(this.outage.backoffMillis());
				}
			}
			catch (InterruptedException ex) {
				break;
			}
			catch (Throwable ex) {
				// The batch stays for the next try: nothing queued here may be lost with this thread.
				this.failures.failed("recording outcomes", ex);
				if (!Threads.sleepMillis(this.outage.backoffMillis())) {
					break;
				}
			}
		}
		// stop() flushes what is left on its own thread.
		this.outcomes.addAll(batch);
	}

	/**
	 * Commits the queued outcomes on the calling thread, for a dispatcher that has no
	 * completer thread because it runs its jobs on its caller's thread: the outcome is in the
	 * store before the caller claims again. While the store is unreachable it is tried again
	 * with the outage's backoff until the timeout; one commit is tried whatever the time left.
	 * @param timeoutNanos how long to keep trying
	 * @return whether every queued outcome is done with; what is not stays queued
	 */
	boolean recordQueued(long timeoutNanos) {
		return flush(System.nanoTime() + timeoutNanos);
	}

	private boolean flush(long deadline) {
		List<PendingOutcome> batch = new ArrayList<>();
		this.outcomes.drainTo(batch);
		boolean first = true;
		while (!batch.isEmpty() && (first || deadline - System.nanoTime() > 0)) {
			first = false;
			if (commit(batch)) {
				batch.clear();
				this.outcomes.drainTo(batch);
			}
			else {
				Threads.sleepMillis(this.outage.backoffMillis());
			}
		}
		// Left for a later try: their claims stay held until they are recorded.
		this.outcomes.addAll(batch);
		return batch.isEmpty();
	}

	/**
	 * Commits a batch of outcomes in one store operation, and takes what it recorded out of
	 * the list. Repeating it after an unknown outcome is safe: the store fences every outcome
	 * by its claim token.
	 * <p>A batch the store refuses for another reason than an outage is committed in halves,
	 * and so on down to single outcomes, so that one outcome the store cannot write never
	 * holds back another; see {@link #commitUnstorable}.
	 * @return whether the whole batch is done with; when the store is unreachable, what is
	 *         left stays in the list, to be tried again after the outage's backoff
	 */
	private boolean commit(List<PendingOutcome> batch) {
		try {
			record(batch);
			return true;
		}
		catch (StoreUnavailableException ex) {
			this.outage.failed("finish", ex);
			return false;
		}
		catch (RuntimeException ex) {
			if (batch.size() == 1) {
				return commitUnstorable(batch, ex);
			}
			logger.debug("The store refused a batch of {} outcome(s); recording them in smaller batches",
					batch.size(), ex);
			List<PendingOutcome> first = new ArrayList<>(batch.subList(0, batch.size() / 2));
			List<PendingOutcome> second = new ArrayList<>(batch.subList(batch.size() / 2, batch.size()));
			boolean done = commit(first) && commit(second);
			batch.clear();
			batch.addAll(first);
			batch.addAll(second);
			return done;
		}
	}

	/**
	 * One outcome the store refused. It is tried once more on its own (a refusal may be
	 * passing, such as a lock timeout), then its job ends as DEAD with the reason the store
	 * gave, without a retry: what the handler did cannot be recorded. When even that cannot
	 * be written, the claim is no longer renewed, so its lease expires and the reaper takes
	 * the job back; nothing loops for ever.
	 * @param single a list of the one outcome, emptied when it is done with
	 * @param refusal why the store refused it
	 * @return whether it is done with; {@code false} when the store became unreachable
	 */
	private boolean commitUnstorable(List<PendingOutcome> single, RuntimeException refusal) {
		PendingOutcome pending = single.get(0);
		PendingOutcome dead = new PendingOutcome(pending.job, new Outcome.Failed(pending.job.claim(),
				"Taskito could not store this job's outcome: " + refusal.getMessage(), null));
		RuntimeException last = refusal;
		for (PendingOutcome attempt : List.of(pending, dead)) {
			try {
				record(new ArrayList<>(List.of(attempt)));
				if (attempt == dead) {
					logger.error("The store refused the outcome of {}, so the job is DEAD: {}", pending.job,
							refusal.toString());
				}
				single.clear();
				return true;
			}
			catch (StoreUnavailableException ex) {
				this.outage.failed("finish", ex);
				return false;
			}
			catch (RuntimeException ex) {
				last = ex;
			}
		}
		logger.error("The store refused the outcome of {} ({}), and refused to record the job as DEAD too; no longer "
				+ "renewing its lease, so the reaper takes the job back once the lease expires", pending.job,
				refusal.toString(), last);
		this.held.remove(pending.job.claim());
		if (this.events.enabled()) {
			this.events.publishLater(pending.job.event(TaskEvent.Type.OUTCOME_DISCARDED,
					"the store refused its outcome: " + refusal.getMessage(), null));
		}
		single.clear();
		return true;
	}

	/**
	 * Commits a batch in one store call, lets go of its claims and empties it.
	 */
	private void record(List<PendingOutcome> batch) {
		List<Outcome> toCommit = new ArrayList<>(batch.size());
		for (PendingOutcome pending : batch) {
			toCommit.add(pending.outcome);
		}
		boolean freesCappedSlot = freesCappedSlot(batch);
		Set<ClaimRef> recorded = null;
		if (freesCappedSlot && this.refill != null) {
			// The capped slots these outcomes free are claimed again in the same round trip.
			List<ClaimedJob> finishing = new ArrayList<>(batch.size());
			batch.forEach((pending) -> finishing.add(pending.job.job));
			recorded = this.refill.finishAndDispatch(toCommit, finishing);
		}
		if (recorded == null) {
			recorded = this.store.finish(toCommit, freesCappedSlot);
		}
		this.outage.succeeded();
		for (PendingOutcome pending : batch) {
			this.held.remove(pending.job.claim());
			if (!recorded.contains(pending.job.claim())) {
				logger.warn("The outcome of {} was rejected by the store: this instance's claim on it was lost "
						+ "(reaped or taken over), so the new owner's result stands", pending.job);
			}
		}
		if (freesCappedSlot) {
			// A freed claim may make capped work claimable here too.
			this.caps.slotFreed();
		}
		this.wakeSignal.wake();
		if (this.events.enabled()) {
			try {
				published(batch, recorded);
			}
			catch (RuntimeException ex) {
				// The batch is committed: nothing here may make it look unrecorded and be tried again.
				logger.warn("Could not tell the listeners of {} recorded outcome(s)", batch.size(), ex);
			}
		}
		batch.clear();
	}

	/**
	 * Tells the listeners what became of each outcome of a batch just committed (only now is
	 * it known which were recorded and which the store discarded because the claim was lost),
	 * through the bounded events thread in one hand-off for the batch: a listener that blocks must never hold up the
	 * recording of outcomes, which would keep capped slots taken across the cluster.
	 */
	private void published(List<PendingOutcome> batch, Set<ClaimRef> recorded) {
		List<TaskEvent> events = new ArrayList<>(batch.size());
		for (PendingOutcome pending : batch) {
			TaskEvent event;
			if (!recorded.contains(pending.job.claim())) {
				event = pending.job.event(TaskEvent.Type.OUTCOME_DISCARDED,
						"the store no longer had this instance's claim (reaped or taken over)", null);
			}
			else if (pending.outcome instanceof Outcome.Failed failed) {
				event = pending.job.event(failed.isDead() ? TaskEvent.Type.DEAD : TaskEvent.Type.FAILED,
						TaskEvents.firstLine(failed.error()), failed.retryDelay());
			}
			else {
				event = pending.job.event(TaskEvent.Type.SUCCEEDED, null, null);
			}
			events.add(event);
		}
		this.events.publishLater(events);
	}

	private boolean freesCappedSlot(List<PendingOutcome> batch) {
		for (PendingOutcome pending : batch) {
			if (this.caps.isCapped(pending.job.job)) {
				return true;
			}
		}
		return false;
	}

	private record PendingOutcome(RunningJob job, Outcome outcome) {
	}

}
