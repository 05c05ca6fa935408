package dev.taskito;

import java.time.Instant;
import java.util.Optional;

/**
 * What a running handler may know about its job. Declare a parameter of this type on a
 * {@link Task} method to receive it; it is not part of the job's JSON arguments.
 */
public interface JobContext {

	/**
	 * The job being run.
	 * @return its id
	 */
	JobId jobId();

	/**
	 * The task being run.
	 * @return the task's name
	 */
	String taskName();

	/**
	 * Which attempt this is, starting at 1.
	 * @return the attempt number
	 */
	int attempt();

	/**
	 * Whether this instance has lost its lease on the job (it was paused or cut off from
	 * the store for longer than the lease). Another instance may now run the job, and this
	 * attempt's outcome will be discarded; a handler that sees {@code true} should stop.
	 * @return {@code true} once the lease is lost
	 */
	boolean isLeaseLost();

	/**
	 * The tick of the periodic schedule that enqueued this job, on the store's clock: the
	 * time the job stands for, whenever it actually runs (a retry, or a wait behind the cap,
	 * runs later).
	 * @return the tick, or empty for a job enqueued otherwise
	 */
	default Optional<Instant> scheduledFor() {
		return Optional.empty();
	}

}
