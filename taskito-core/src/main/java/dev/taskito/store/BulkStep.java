package dev.taskito.store;

import java.util.List;

import dev.taskito.JobId;

/**
 * What one bounded step of a bulk change did.
 *
 * @param changed the jobs changed
 * @param skipped the jobs the step looked at and left as they were
 * @param last the highest id the step looked at, where the next step starts after; or
 *        {@code null} when it found no job, and the walk is over
 * @param changedJobs the jobs changed, for the listeners told of each (a cancellation is
 *        a {@code TaskEvent}); every store reports them for a cancel step and may leave
 *        them empty for a retry step; never {@code null}
 */
public record BulkStep(int changed, int skipped, JobId last, List<ChangedJob> changedJobs) {

	/**
	 * Copies the changed jobs.
	 */
	public BulkStep {
		changedJobs = (changedJobs != null) ? List.copyOf(changedJobs) : List.of();
	}

	/**
	 * A step that does not report which jobs it changed.
	 * @param changed the jobs changed
	 * @param skipped the jobs looked at and left as they were
	 * @param last the highest id looked at, or {@code null} when none was found
	 */
	public BulkStep(int changed, int skipped, JobId last) {
		this(changed, skipped, last, List.of());
	}

	/**
	 * One job a step changed.
	 *
	 * @param id the job
	 * @param taskName its task
	 * @param queue its queue
	 */
	public record ChangedJob(JobId id, String taskName, String queue) {

	}

}
