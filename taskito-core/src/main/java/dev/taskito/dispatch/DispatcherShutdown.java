package dev.taskito.dispatch;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.store.ClaimStore;

/**
 * The shutdown sequence of a started {@link TaskDispatcher}, which its
 * {@link TaskDispatcher#close()} runs once. It stops gracefully within the shutdown
 * timeout, all of it, but for store calls already under way: running jobs get the timeout
 * less a reserve (a quarter of it, at most five seconds) to finish, and the reserve is
 * left for giving back and recording what they leave.
 *
 * <p>The order, and why:
 * <ol>
 * <li>The schedules stop enqueueing ticks (a tick under way gets up to the reserve), then
 * claiming stops: outcomes recorded from now on claim nothing with them, and the dispatch
 * loop finishes the pass under way and starts no other. No new job is claimed while the
 * running ones finish.</li>
 * <li>The running jobs get the timeout less the reserve to finish: the workers are waited
 * for until every slot is free. A worker frees its slot only after its outcome is queued,
 * so waiting for free slots never misses an outcome.</li>
 * <li>Then the handlers that have not returned are interrupted. Handlers that honour the
 * interrupt return promptly and are given back without consuming an attempt (see
 * {@link JobRunner}); they are waited for again, and half the reserve is left for the
 * outcomes still to be recorded.</li>
 * <li>Give-backs already under way are waited for whatever the time left, at most a lease
 * duration ({@code awaitGiveBacksUnderWay()} says why).</li>
 * <li>The workers are let go and the last outcomes committed, until the deadline; one
 * commit is tried whatever the time left.</li>
 * <li>Only then do the maintenance, the lease watchdog, the heartbeat and the timeouts'
 * timer stop: the claims held until their outcomes are committed keep their leases renewed
 * meanwhile.</li>
 * <li>What the listeners' thread still has to tell gets what is left of the reserve.</li>
 * <li>A handler that ignored the interrupt keeps its claim until its lease expires and
 * another instance takes the job back; that is logged as a warning.</li>
 * <li>Last, the instance's record is removed from the store, so its caps no longer count
 * (its claims are not touched); a store that does not answer is only logged.</li>
 * </ol>
 */
final class DispatcherShutdown {

	/** The dispatcher's own logger, so that what {@code close()} logs keeps its category. */
	private static final Logger logger = LoggerFactory.getLogger(TaskDispatcher.class);

	private final ClaimStore store;

	private final DispatcherSettings settings;

	private final WakeSignal wakeSignal;

	private final HeldClaims held;

	private final ScheduleRunner schedules;

	private final DispatchPass pass;

	private final DispatchLoop loop;

	private final WorkerPool workers;

	private final OutcomeRecorder outcomes;

	private final Maintenance maintenance;

	private final LeaseWatchdog watchdog;

	private final LeaseKeeper leases;

	private final JobRunner runner;

	private final TaskEvents events;

	DispatcherShutdown(ClaimStore store, DispatcherSettings settings, WakeSignal wakeSignal, HeldClaims held,
			ScheduleRunner schedules, DispatchPass pass, DispatchLoop loop, WorkerPool workers,
			OutcomeRecorder outcomes, Maintenance maintenance, LeaseWatchdog watchdog, LeaseKeeper leases,
			JobRunner runner, TaskEvents events) {
		this.store = store;
		this.settings = settings;
		this.wakeSignal = wakeSignal;
		this.held = held;
		this.schedules = schedules;
		this.pass = pass;
		this.loop = loop;
		this.workers = workers;
		this.outcomes = outcomes;
		this.maintenance = maintenance;
		this.watchdog = watchdog;
		this.leases = leases;
		this.runner = runner;
		this.events = events;
	}

	/**
	 * Runs the sequence; called once, for a dispatcher that was started.
	 */
	void run() {
		long budget = this.settings.shutdownTimeout().toNanos();
		long reserve = Math.min(TimeUnit.SECONDS.toNanos(5), budget / 4);
		long deadline = System.nanoTime() + budget;
		this.schedules.stop(reserve);
		this.pass.stopClaimingWithOutcomes();
		this.loop.stop(deadline - reserve - System.nanoTime());
		this.workers.awaitIdle(deadline - reserve - System.nanoTime());
		for (RunningJob job : this.held.values()) {
			if (!job.returned) {
				job.interrupt(RunningJob.Interruption.SHUTDOWN);
			}
		}
		// Handlers that honour the interrupt return promptly and are given back (see JobRunner);
		// half the reserve is left for the outcomes still to be recorded.
		this.workers.awaitIdle(deadline - reserve / 2 - System.nanoTime());
		awaitGiveBacksUnderWay();
		this.workers.shutdown();
		this.outcomes.stop(deadline - System.nanoTime());
		this.maintenance.stop();
		this.watchdog.stop();
		this.leases.stop();
		this.runner.stop();
		// What the listeners' thread still has to tell gets what is left of the reserve.
		this.events.close(deadline - System.nanoTime());
		long stuck = this.held.values().stream().filter((job) -> !job.returned).count();
		if (stuck > 0) {
			logger.warn("Taskito instance {} stopped with {} handler(s) still running that ignored the interrupt; "
					+ "their leases expire and another instance takes the jobs back", this.settings.instanceId(), stuck);
		}
		try {
			this.store.removeInstance(this.settings.instanceId());
		}
		catch (RuntimeException ex) {
			logger.debug("Could not remove instance {} from the store", this.settings.instanceId(), ex);
		}
		logger.info("Taskito instance {} stopped", this.settings.instanceId());
	}

	/**
	 * Waits for the give-backs already under way: jobs whose handler returned (to the
	 * shutdown's interrupt, say) without an outcome, and whose claim a worker is giving back
	 * right now. Each is one store call that has begun; like the last outcomes, which get one
	 * commit whatever the time left, it is not cut off by the end of the reserve: a close()
	 * that returned first would leave the job RUNNING, for the reaper to take back with its
	 * attempt spent, and the caller's next step (Spring closing the {@code DataSource}) could
	 * fail the call. Handlers that ignore their interrupt are not waited for (they have not
	 * returned), and a give-back that outlasts the lease is moot (the reaper takes the job
	 * back), so the wait ends then.
	 */
	private void awaitGiveBacksUnderWay() {
		long deadline = System.nanoTime() + this.settings.leaseDuration().toNanos();
		while (isGivingBack() && deadline - System.nanoTime() > 0) {
			try {
				// A worker frees its slot, which wakes this signal, once its give-back has ended.
				this.wakeSignal.await(WakeSignal.millis(10));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	/**
	 * @return whether a held job's handler has returned without an outcome queued: its claim
	 *         is being given back (a give-back drops the claim from the held ones once done)
	 */
	private boolean isGivingBack() {
		return this.held.values().stream().anyMatch((job) -> job.returned && !job.outcomeSubmitted);
	}

}
