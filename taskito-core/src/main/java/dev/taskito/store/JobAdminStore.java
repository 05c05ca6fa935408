package dev.taskito.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobView;

/**
 * The store's side of the operations API: listing and counting jobs through the job index,
 * bulk steps, rescheduling, deleting, and awaiting jobs, for {@link dev.taskito.TaskQueue}
 * and the dashboard. A second role beside {@link ClaimStore}'s claim protocol, which extends
 * it: every store implements both, and every implementation passes
 * {@code JobAdminContractTest}. Failures are as {@link ClaimStore} describes them.
 */
public interface JobAdminStore {

	/**
	 * Lists jobs in {@link JobId} order: those matching the query with an id above
	 * {@link JobQuery#after()}, at most {@link JobQuery#limit()}. Each call reads one
	 * consistent moment of the store (a statement or a script), so a walk page by page
	 * returns a job that matches throughout exactly once. Served by indexes: the work is
	 * bounded by the page, the (task, queue) pairs and the jobs the due-time range skips, not
	 * by the number of jobs stored.
	 * @param query the filter, the page's start and its size
	 * @return the page, possibly empty
	 */
	List<JobView> jobs(JobQuery query);

	/**
	 * Counts the jobs matching a query, ignoring its limit ({@link JobQuery#after()} is
	 * honoured).
	 * @param query the filter
	 * @return how many jobs match
	 */
	long count(JobQuery query);

	/**
	 * Counts the pending, running and dead jobs per (task, queue) pair.
	 * @return one entry per pair that has any of them, ordered by task then queue
	 */
	List<JobCounts> jobCounts();

	/**
	 * Counts the {@code SUCCEEDED} and {@code DEAD} jobs per (task, queue) pair in slices of
	 * job ids: slice {@code i} holds the ids from {@code bounds.get(i)} inclusive up to
	 * {@code bounds.get(i + 1)} exclusive. Since ids are UUIDv7, a slice of ids is a slice of
	 * creation time. Served by the job index (an id range of each pair's finished jobs,
	 * counted there), never by reading the jobs, nor by counters kept per job.
	 * @param bounds the slices' bounds in increasing {@link JobId} order, at least two
	 * @return one entry per pair and slice that has any such job, in no order
	 */
	List<FinishedCounts> finishedCounts(List<JobId> bounds);

	/**
	 * One bounded step of a bulk cancel, in a transaction (or script) of its own, never the
	 * caller's: cancels the {@code PENDING} jobs that match {@code query} (whose statuses
	 * the caller has narrowed to {@code PENDING}) with an id above {@link JobQuery#after()}
	 * and at most {@code upTo}, the first {@link JobQuery#limit()} of them by id.
	 * @param query the filter, where to start and how many to look at
	 * @param upTo the highest id to touch
	 * @return what the step did, and where the next starts
	 */
	BulkStep cancelStep(JobQuery query, JobId upTo);

	/**
	 * One bounded step of a bulk retry, as {@link #cancelStep} for {@code DEAD} jobs, each
	 * retried as {@link ClaimStore#retry} does. A dead job whose unique key another pending or running
	 * job holds (or an earlier job of the same step now holds) is skipped, not failed.
	 * @param query the filter, where to start and how many to look at
	 * @param upTo the highest id to touch
	 * @return what the step did, and where the next starts
	 */
	BulkStep retryStep(JobQuery query, JobId upTo);

	/**
	 * The newest job matching a query (its limit and start ignored): where a bulk change
	 * stops, so that jobs enqueued while it runs are not touched.
	 * @param query the filter
	 * @return the highest matching id, or empty when none matches
	 */
	Optional<JobId> newestId(JobQuery query);

	/**
	 * Moves a {@code PENDING} job's due time. Wakes the dispatchers when it is due now.
	 * @param id the job
	 * @param runAt its new due time
	 * @return {@code true} if the job was pending and now has that due time
	 */
	boolean reschedule(JobId id, Instant runAt);

	/**
	 * Deletes a finished job ({@code SUCCEEDED}, {@code DEAD} or {@code CANCELLED}) now,
	 * rather than when retention purges it.
	 * @param id the job
	 * @return {@code true} if the job was finished and is gone
	 */
	boolean delete(JobId id);

	/**
	 * Marks a job as awaited, so that when it finishes ({@code SUCCEEDED}, {@code DEAD} or
	 * {@code CANCELLED}), on whichever instance, the store tells every instance's
	 * {@linkplain #addFinishedListener finished listeners}. Jobs that nobody awaits cost no
	 * notification. The mark is made before the job is read, so a job that finishes after
	 * the read is always told.
	 * @param id the job
	 * @return the job as it is after the mark, or empty when unknown or purged
	 */
	Optional<JobView> watch(JobId id);

	/**
	 * Registers a listener called (on a store thread; it must return quickly) with the id
	 * of each {@linkplain #watch awaited} job that finished, on any instance. A store may
	 * lose a notification while its connection is down: callers check again now and then.
	 * @param listener the listener
	 */
	void addFinishedListener(Consumer<JobId> listener);

	/**
	 * A helper for implementations: the check of {@link #finishedCounts}'s bounds, so that
	 * every store refuses the same bounds with the same message.
	 * @param bounds the slices' bounds
	 * @return the bounds
	 * @throws NullPointerException when {@code bounds} is {@code null}
	 * @throws IllegalArgumentException when there are fewer than two
	 */
	static List<JobId> requireSliceBounds(List<JobId> bounds) {
		Objects.requireNonNull(bounds, "bounds");
		if (bounds.size() < 2) {
			throw new IllegalArgumentException("finishedCounts needs two bounds or more, was " + bounds.size());
		}
		return bounds;
	}

}
