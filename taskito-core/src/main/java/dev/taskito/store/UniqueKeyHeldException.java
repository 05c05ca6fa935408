package dev.taskito.store;

import dev.taskito.JobId;

/**
 * A {@code DEAD} job cannot be retried because another job, {@code PENDING} or
 * {@code RUNNING}, holds its unique key now: two active jobs never share a key. Every store
 * throws it the same way and leaves the dead job as it was.
 */
public final class UniqueKeyHeldException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final JobId holder;

	/**
	 * @param job the dead job that was to be retried
	 * @param uniqueKey its unique key
	 * @param holder the active job that holds the key
	 */
	public UniqueKeyHeldException(JobId job, String uniqueKey, JobId holder) {
		super("Cannot retry job " + job + ": its unique key '" + uniqueKey + "' is held by job " + holder
				+ ", which is pending or running. Retry it once that job has finished, or cancel that job first");
		this.holder = holder;
	}

	/**
	 * @return the active job that holds the key
	 */
	public JobId holder() {
		return this.holder;
	}

}
