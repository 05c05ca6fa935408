package dev.taskito.dispatch;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Runs due jobs on a caller's thread for a dispatcher that is never started
 * ({@link TaskDispatcher#runDueJobsOnCallingThread()}): one pass for one job at a time, each
 * outcome recorded before the next claim, one caller at a time and never from inside a
 * handler it runs.
 */
final class CallingThreadRunner {

	private final DispatchPass pass;

	private final OutcomeRecorder outcomes;

	private final JobRunner runner;

	private final DispatcherSettings settings;

	private final BooleanSupplier closed;

	/** Held while jobs run on a caller's thread: one caller at a time, and none inside a handler. */
	private final ReentrantLock lock = new ReentrantLock();

	CallingThreadRunner(DispatchPass pass, OutcomeRecorder outcomes, JobRunner runner, DispatcherSettings settings,
			BooleanSupplier closed) {
		this.pass = pass;
		this.outcomes = outcomes;
		this.runner = runner;
		this.settings = settings;
		this.closed = closed;
	}

	/**
	 * Starts the timer that interrupts a handler past its timeout; called once, before the
	 * first run.
	 */
	void start() {
		this.runner.start();
	}

	/**
	 * @return how many jobs ran until none was due
	 */
	int runDueJobs() {
		if (this.lock.isHeldByCurrentThread()) {
			throw new IllegalStateException("runDueJobsOnCallingThread was called from a handler it is running; "
					+ "the jobs that handler enqueues run in the same call once it returns");
		}
		this.lock.lock();
		try {
			int ran = 0;
			while (!this.closed.getAsBoolean()) {
				DispatchPass.CallingThreadPass done;
				try {
					done = this.pass.runOneOnCallingThread();
				}
				finally {
					// Whatever became of the pass, an outcome it queued is recorded before the call ends.
					recordOutcomes();
				}
				if (done.claimed() == 0) {
					break;
				}
				ran += done.ran();
			}
			return ran;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void recordOutcomes() {
		if (!this.outcomes.recordQueued(this.settings.leaseSafetyNanos())) {
			throw new IllegalStateException("The store did not record the outcome of the job just run within "
					+ Duration.ofNanos(this.settings.leaseSafetyNanos()).toMillis() + " ms (lease - heartbeat); "
					+ "its lease expires and the job is taken back by a reaper");
		}
	}

	/**
	 * Waits, up to the shutdown timeout, for a call under way to return (it stops after its
	 * current job), then stops the timeout timer.
	 */
	void stop() {
		boolean locked = false;
		try {
			locked = this.lock.tryLock(this.settings.shutdownTimeout().toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		try {
			this.runner.stop();
		}
		finally {
			if (locked) {
				this.lock.unlock();
			}
		}
	}

}
