package dev.taskito;

/**
 * Where a job is in its lifecycle.
 */
public enum JobStatus {

	/** Waiting to be claimed, possibly not yet due. */
	PENDING,

	/** Claimed by an instance that holds a lease on it. */
	RUNNING,

	/** The handler returned normally; its result is kept until retention purges it. */
	SUCCEEDED,

	/** Every attempt failed (or the payload could not be read); kept until retried or purged. */
	DEAD,

	/** Cancelled by the user while it was pending. */
	CANCELLED;

	/**
	 * Whether the job will not change again on its own.
	 * @return {@code true} for {@link #SUCCEEDED}, {@link #DEAD} and {@link #CANCELLED}
	 */
	public boolean isFinished() {
		return this == SUCCEEDED || this == DEAD || this == CANCELLED;
	}

}
