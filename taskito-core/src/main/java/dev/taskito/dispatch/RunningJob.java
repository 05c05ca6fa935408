package dev.taskito.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Future;

import dev.taskito.JobContext;
import dev.taskito.JobId;
import dev.taskito.TaskEvent;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimedJob;

/**
 * A claim this instance holds, from the claim until its outcome is committed (or the
 * lease is found lost): what the heartbeat renews and the handler sees as its context.
 */
final class RunningJob implements JobContext {

	/** Why a handler's thread was interrupted; decides what its outcome becomes. */
	enum Interruption {

		NONE, TIMEOUT,
		/** The store no longer has this instance's claim: the job is someone else's now. */
		LEASE_LOST,
		/**
		 * The lease could not be renewed for lease - heartbeat, so it may expire: the handler
		 * is stopped, but the claim may still be this instance's.
		 */
		LEASE_UNRENEWED, SHUTDOWN

	}

	final ClaimedJob job;

	final TaskDefinition task;

	volatile Thread thread;

	volatile Future<?> timeoutFuture;

	volatile Interruption interruption = Interruption.NONE;

	/** Set once the handler has returned. */
	volatile boolean returned;

	/** Set once its outcome is queued for commit: from then on the store's fencing decides. */
	volatile boolean outcomeSubmitted;

	/**
	 * When its lease was last known to be renewed, on this JVM's monotonic clock: when the
	 * claim was asked for, then when each heartbeat that renewed it was sent. Always a little
	 * earlier than the store's renewal, so a lease measured from here errs on the short side.
	 */
	volatile long leaseRenewedNanos;

	/**
	 * When its running handler was interrupted, on this JVM's monotonic clock; 0 while it was
	 * not. The {@link LeaseWatchdog} moves it on each time it reports a handler that ignores
	 * the interrupt.
	 */
	volatile long interruptedNanos;

	/** When it was handed to the worker pool, on this JVM's monotonic clock; 0 before. */
	long handedNanos;

	/** When its handler started, on this JVM's monotonic clock; 0 before. */
	volatile long startedNanos;

	/** When its handler returned, on this JVM's monotonic clock; 0 before. */
	volatile long returnedNanos;

	/** When its handler started, on this JVM's clock; set only when listeners want events. */
	volatile Instant startedAt;

	RunningJob(ClaimedJob job, TaskDefinition task, long claimRequestedNanos) {
		this.job = job;
		this.task = task;
		this.leaseRenewedNanos = claimRequestedNanos;
	}

	ClaimRef claim() {
		return this.job.claim();
	}

	/**
	 * Interrupts the handler for {@code reason}, unless it was already interrupted for
	 * another reason or has returned.
	 */
	synchronized void interrupt(Interruption reason) {
		if (this.interruption == Interruption.NONE || reason == Interruption.LEASE_LOST
				|| (reason == Interruption.LEASE_UNRENEWED && this.interruption != Interruption.LEASE_LOST)) {
			this.interruption = reason;
		}
		Thread running = this.thread;
		if (running != null && !this.returned) {
			interrupt(running);
		}
	}

	synchronized void started(Thread thread) {
		this.thread = thread;
		if (this.interruption != Interruption.NONE) {
			interrupt(thread);
		}
	}

	private void interrupt(Thread running) {
		if (this.interruptedNanos == 0) {
			this.interruptedNanos = System.nanoTime();
		}
		running.interrupt();
	}

	synchronized void finished() {
		this.returned = true;
		this.thread = null;
		// Clears an interrupt aimed at this job so it cannot leak into the next one on this thread.
		Thread.interrupted();
	}

	/**
	 * An event of this attempt: its due time, how long it waited from due to start and, once
	 * the handler returned, how long it ran.
	 */
	TaskEvent event(TaskEvent.Type type, String error, Duration retryDelay) {
		long started = this.startedNanos;
		long ended = this.returnedNanos;
		Duration executionTime = (started != 0 && ended != 0) ? Duration.ofNanos(ended - started) : null;
		return new TaskEvent(type, this.job.id(), this.job.taskName(), this.job.queue(), this.job.attempt(),
				this.job.dueAt(), TaskEvents.waited(this.job.dueAt(), this.startedAt), executionTime, error, retryDelay,
				1, Instant.now());
	}

	@Override
	public JobId jobId() {
		return this.job.id();
	}

	@Override
	public String taskName() {
		return this.job.taskName();
	}

	@Override
	public int attempt() {
		return this.job.attempt();
	}

	@Override
	public Optional<Instant> scheduledFor() {
		return Optional.ofNullable(this.job.scheduledFor());
	}

	@Override
	public boolean isLeaseLost() {
		return this.interruption == Interruption.LEASE_LOST || this.interruption == Interruption.LEASE_UNRENEWED;
	}

	@Override
	public String toString() {
		return "job " + this.job.id() + " of task '" + this.job.taskName() + "' (attempt " + this.job.attempt() + ")";
	}

}
