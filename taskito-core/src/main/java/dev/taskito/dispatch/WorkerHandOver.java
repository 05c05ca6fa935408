package dev.taskito.dispatch;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.store.ClaimedJob;
import dev.taskito.store.Outcome;

/**
 * Step 6 of the dispatch flow (see {@link DispatchPass}): each admitted job is bound to its
 * handler (its stored payload decoded into the handler's arguments) and run where the pass
 * says: on a worker, or on the thread that runs the pass. A job whose payload no longer binds
 * to its handler goes to DEAD with the reason, and a job that cannot be handed over for any
 * other reason is given back; either way the others are handed over all the same.
 */
final class WorkerHandOver {

	/** The pass's logger, as before this step had a class of its own: users' log settings still apply. */
	private static final Logger logger = LoggerFactory.getLogger(DispatchPass.class);

	private final TaskRegistry registry;

	private final DispatcherSettings settings;

	private final HeldClaims held;

	private final WorkerPool workers;

	private final JobRunner runner;

	private final OutcomeRecorder outcomes;

	WorkerHandOver(TaskRegistry registry, DispatcherSettings settings, HeldClaims held, WorkerPool workers,
			JobRunner runner, OutcomeRecorder outcomes) {
		this.registry = registry;
		this.settings = settings;
		this.held = held;
		this.workers = workers;
		this.runner = runner;
		this.outcomes = outcomes;
	}

	/**
	 * Hands admitted jobs over, each through {@code where}.
	 * @param admitted the jobs the caps admitted, their slots taken and their claims held
	 * @param where where each job's handler runs
	 */
	void handOver(List<ClaimedJob> admitted, Where where) {
		for (ClaimedJob claimedJob : admitted) {
			RunningJob job = this.held.get(claimedJob.claim());
			if (job == null) {
				continue;
			}
			try {
				handOver(job, where);
			}
			catch (PayloadCodec.PayloadException ex) {
				logger.error("{} cannot run and goes to DEAD: {}", job, ex.getMessage());
				job.finished();
				this.outcomes.submit(job, new Outcome.Failed(job.claim(), ex.getMessage(), null));
				this.workers.releaseSlot(job);
			}
			catch (Throwable ex) {
				logger.error("Could not hand {} to a worker; giving it back", job, ex);
				job.finished();
				try {
					this.outcomes.giveBack(job, "not handed to a worker");
				}
				finally {
					this.workers.releaseSlot(job);
				}
			}
		}
	}

	private void handOver(RunningJob job, Where where) {
		if (job.task == null) {
			throw new PayloadCodec.PayloadException(
					"No handler for task '" + job.taskName() + "' on instance " + this.settings.instanceId(), null);
		}
		Object[] args = this.registry.codec().decodeArguments(job.task, job.job.payload());
		where.run(job, () -> this.runner.run(job, args));
	}

	/**
	 * Where a job's handler runs: on a worker ({@link WorkerPool#execute}), or on the thread
	 * that runs the pass.
	 */
	@FunctionalInterface
	interface Where {

		void run(RunningJob job, Runnable handler);

	}

}
