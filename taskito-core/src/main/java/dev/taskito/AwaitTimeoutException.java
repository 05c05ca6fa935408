package dev.taskito;

import java.time.Duration;

/**
 * Thrown by {@link TaskQueue#awaitFinished} when the job did not finish in time. The job
 * is untouched and may still finish later.
 */
public class AwaitTimeoutException extends TaskitoException {

	private static final long serialVersionUID = 1L;

	private final transient JobView job;

	/**
	 * @param job the job as it was when the wait ended
	 * @param timeout how long the caller waited
	 */
	public AwaitTimeoutException(JobView job, Duration timeout) {
		super("Job " + job.id() + " of task '" + job.taskName() + "' in queue '" + job.queue() + "' is still "
				+ job.status() + " after " + timeout + " (attempts " + job.attempts() + "); wait longer, or look at "
				+ "the queue: is it paused, or are its workers busy or missing?");
		this.job = job;
	}

	/**
	 * @return the job as it was when the wait ended
	 */
	public JobView getJob() {
		return this.job;
	}

}
