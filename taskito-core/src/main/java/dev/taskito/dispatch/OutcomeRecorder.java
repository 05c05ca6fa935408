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

import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimStore;
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
 * batch that cannot be written yet is retried with the outage's backoff and nothing is
 * lost; {@link #stop()} flushes what is left.
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

	private final BlockingQueue<PendingOutcome> outcomes = new LinkedBlockingQueue<>();

	private Thread completerThread;

	OutcomeRecorder(ClaimStore store, HeldClaims held, CapBook caps, WakeSignal wakeSignal, StoreOutage outage,
			StepFailures failures) {
		this.store = store;
		this.held = held;
		this.caps = caps;
		this.wakeSignal = wakeSignal;
		this.outage = outage;
		this.failures = failures;
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

	private void flush(long deadline) {
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
	}

	/**
	 * Commits a batch of outcomes in one store operation. Repeating it after an unknown
	 * outcome is safe: the store fences every outcome by its claim token.
	 * @return whether the batch is done with
	 */
	private boolean commit(List<PendingOutcome> batch) {
		List<Outcome> toCommit = new ArrayList<>(batch.size());
		boolean freesCappedSlot = false;
		for (PendingOutcome pending : batch) {
			toCommit.add(pending.outcome);
			freesCappedSlot |= this.caps.isCapped(pending.job.job);
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
			this.caps.slotFreed();
		}
		this.wakeSignal.wake();
		return true;
	}

	private record PendingOutcome(RunningJob job, Outcome outcome) {
	}

}
