package dev.taskito.dispatch;

import dev.taskito.store.StoreUnavailableException;

/**
 * The dispatch thread: runs {@link DispatchPass passes} back to back while jobs are due,
 * and between them sleeps until something may have changed — a wake-up (a job enqueued
 * here or elsewhere, a slot freed, a job reaped), a remembered cap saturation ending, or
 * an idle wait that doubles up to the poll interval. While the store is unreachable it
 * backs off, and goes on as soon as any thread finds the store back.
 */
final class DispatchLoop {

	/** The first idle wait; it doubles up to the poll interval while nothing is found. */
	private static final long IDLE_WAIT_MIN_MILLIS = 20;

	private final DispatchPass pass;

	private final UnresolvedClaims unresolved;

	private final DispatcherSettings settings;

	private final CapBook caps;

	private final WorkerPool workers;

	private final WakeSignal wakeSignal;

	private final StoreOutage outage;

	private final StepFailures failures;

	private volatile boolean dispatching;

	private Thread thread;

	DispatchLoop(DispatchPass pass, UnresolvedClaims unresolved, DispatcherSettings settings, CapBook caps,
			WorkerPool workers, WakeSignal wakeSignal, StoreOutage outage, StepFailures failures) {
		this.pass = pass;
		this.unresolved = unresolved;
		this.settings = settings;
		this.caps = caps;
		this.workers = workers;
		this.wakeSignal = wakeSignal;
		this.outage = outage;
		this.failures = failures;
	}

	void start() {
		this.dispatching = true;
		this.thread = Threads.named("taskito-dispatcher-", true).newThread(this::run);
		this.thread.start();
	}

	/**
	 * Stops claiming: the pass under way finishes, and no other starts.
	 * @param timeoutNanos how long to wait for the pass under way (its store calls are bounded)
	 */
	void stop(long timeoutNanos) {
		this.dispatching = false;
		this.wakeSignal.wake();
		Threads.join(this.thread, timeoutNanos);
	}

	private void run() {
		long idleWaitMillis = IDLE_WAIT_MIN_MILLIS;
		long pollMillis = this.settings.pollInterval().toMillis();
		while (this.dispatching) {
			try {
				this.unresolved.resolve();
				awaitFullerBatch();
				DispatchPass.Result result = this.pass.dispatchOnce();
				this.outage.succeeded();
				this.failures.succeeded("dispatch pass");
				if (result == DispatchPass.Result.MORE_MAY_BE_DUE) {
					idleWaitMillis = IDLE_WAIT_MIN_MILLIS;
					continue;
				}
				if (result == DispatchPass.Result.DISPATCHED) {
					idleWaitMillis = IDLE_WAIT_MIN_MILLIS;
				}
				long waitMillis = this.caps.millisUntilSaturationEnds(Math.min(idleWaitMillis, pollMillis));
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
			catch (Throwable ex) {
				// Whatever failed (a bug, an Error, a statement the store rejects), claiming goes on:
				// the pass left no claim that nobody runs, gives back or lets expire.
				this.failures.failed("dispatch pass", ex);
				Threads.sleepMillis(Math.min(pollMillis, 1_000));
			}
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
		int target = Math.min(this.workers.concurrency(), this.settings.batchSize());
		int free = this.workers.freeSlots();
		long claimNanos = this.pass.claimNanosAverage();
		if (free <= 0 || free >= target || this.workers.slotNanosAverage() * 4 > claimNanos) {
			return;
		}
		long deadline = System.nanoTime() + claimNanos / 2;
		long remaining;
		while (this.workers.freeSlots() < target && (remaining = deadline - System.nanoTime()) > 0) {
			this.wakeSignal.await(remaining);
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

}
