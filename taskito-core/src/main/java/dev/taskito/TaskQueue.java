package dev.taskito;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Enqueues jobs and looks after them, from any instance, whether it runs a dispatcher or
 * only produces. Thread-safe. With a JDBC store behind a transaction-aware
 * {@code DataSource}, {@link #enqueue} and {@link #cancel} take part in the caller's
 * transaction: the job exists only if the caller commits. The bulk operations
 * ({@link #cancelAll}, {@link #retryAll}) never do: each of their batches commits on its
 * own, so that a large change neither holds the caller's transaction open nor is undone
 * by it.
 */
public interface TaskQueue {

	/** How many slices {@link #throughput(Duration)} divides its window into. */
	int THROUGHPUT_SLICES = 60;

	/**
	 * Enqueues one job of {@code taskName} with the task's defaults.
	 * @param taskName a registered task's name
	 * @param args the handler's arguments, in order
	 * @return the new job's id
	 * @throws UnknownTaskException if no handler of that name is registered
	 * @throws InvalidArgumentsException if the arguments do not fit the handler's parameters
	 */
	JobId enqueue(String taskName, Object... args);

	/**
	 * Enqueues one job. With a unique key that a {@code PENDING} or {@code RUNNING} job
	 * already holds, nothing is enqueued and that job's id is returned.
	 * @param request the job
	 * @return the job's id
	 * @throws UnknownTaskException if no handler of that name is registered
	 * @throws InvalidArgumentsException if the arguments do not fit the handler's parameters
	 */
	JobId enqueue(EnqueueRequest request);

	/**
	 * Enqueues many jobs in one round trip. Every request is validated before any is stored:
	 * one bad request enqueues none.
	 * @param requests the jobs
	 * @return their ids, in the order of {@code requests}
	 */
	List<JobId> enqueueAll(Collection<EnqueueRequest> requests);

	/**
	 * Looks a job up.
	 * @param id the job's id
	 * @return the job, or empty if it never existed or was purged
	 */
	Optional<JobView> find(JobId id);

	/**
	 * Reads a job's arguments as they were stored: the JSON array the handler's parameters
	 * bind from. Meant for people looking after the queue (the dashboard shows them), not
	 * for decoding: arguments may hold personal data, so show them only to those allowed.
	 * @param id the job's id
	 * @return the arguments' JSON, or empty if the job never existed or was purged
	 */
	Optional<String> argumentsOf(JobId id);

	/**
	 * Cancels a pending job.
	 * @param id the job's id
	 * @return {@code true} if it was {@code PENDING} and is now {@code CANCELLED}
	 */
	boolean cancel(JobId id);

	/**
	 * Enqueues a {@link JobStatus#DEAD} job again, with its attempts reset, due now.
	 * @param id the dead job's id
	 * @return the same id
	 * @throws IllegalStateException if the job is not {@code DEAD}, or if another pending or
	 *         running job holds its unique key now ({@code dev.taskito.store.UniqueKeyHeldException},
	 *         naming the key and that job)
	 */
	JobId retry(JobId id);

	/**
	 * Reads a succeeded job's result, decoded with the application's JSON mapper.
	 * @param <T> the result's type
	 * @param id the job's id
	 * @param type the handler's return type, or a type its JSON binds to
	 * @return the result, or empty when the job is unknown, has not {@code SUCCEEDED}, or
	 *         returned nothing
	 * @throws TaskitoException naming the job and the type when the result does not bind to it
	 */
	<T> Optional<T> resultOf(JobId id, Class<T> type);

	/**
	 * Waits until a job is {@code SUCCEEDED}, {@code DEAD} or {@code CANCELLED}. The wait is
	 * woken by the store's notification when the job finishes, on whichever instance (only
	 * awaited jobs cost a notification), and checks the store again now and then in case a
	 * notification was lost.
	 * @param id the job's id
	 * @param timeout how long to wait at most
	 * @return the finished job
	 * @throws AwaitTimeoutException when the job has not finished within {@code timeout}
	 * @throws TaskitoException when the job does not exist (never enqueued, or purged), or the
	 *         waiting thread is interrupted (its interrupt flag is set again)
	 */
	JobView awaitFinished(JobId id, Duration timeout);

	/**
	 * Lists jobs, one page in {@link JobId} order; see {@link JobQuery} for paging.
	 * @param query the filter and page
	 * @return the page, possibly empty
	 */
	List<JobView> jobs(JobQuery query);

	/**
	 * Counts the jobs that match a query (its limit ignored).
	 * @param query the filter
	 * @return how many jobs match
	 */
	long count(JobQuery query);

	/**
	 * Counts pending, running and dead jobs per task and per queue, beside the caps and rate
	 * limits this instance knows and the paused queues.
	 * @return the snapshot
	 */
	JobStats stats();

	/**
	 * Counts the jobs that succeeded and died over a recent window, in
	 * {@value #THROUGHPUT_SLICES} slices of equal length (a whole number of seconds) that end
	 * with the slice holding now, and per task: see {@link Throughput} for what is counted.
	 * Read from the job index (a range count per task, queue and slice), never by reading
	 * jobs, so its cost grows with the jobs finished in the window, not with those stored.
	 * @param window how far back to count, from one minute to seven days; the slices may
	 *        start up to one slice earlier, so that their bounds fall on whole slices
	 * @return the counts
	 * @throws IllegalArgumentException when the window is out of range
	 */
	Throughput throughput(Duration window);

	/**
	 * Cancels every {@code PENDING} job that matches a query, as it stands when the call
	 * starts: jobs enqueued meanwhile are not touched. Works in batches, each committed on
	 * its own (never in the caller's transaction), so a failure part way leaves the earlier
	 * batches cancelled. The query's limit is ignored; its {@code after} is honoured.
	 * @param query the filter; its statuses, if any, must include {@code PENDING}
	 * @return how many jobs were cancelled
	 * @throws IllegalArgumentException when the query asks only for other statuses
	 */
	BulkResult cancelAll(JobQuery query);

	/**
	 * Retries every {@code DEAD} job that matches a query, as {@link #retry} does, in batches
	 * as {@link #cancelAll} does. A dead job whose unique key another pending or running job
	 * holds is skipped and counted.
	 * @param query the filter; its statuses, if any, must include {@code DEAD}
	 * @return how many jobs were retried and skipped
	 * @throws IllegalArgumentException when the query asks only for other statuses
	 */
	BulkResult retryAll(JobQuery query);

	/**
	 * Moves a pending job's due time.
	 * @param id the job's id
	 * @param runAt when it is due (on the store's clock); a time past makes it due now
	 * @return {@code true} if the job was {@code PENDING} and now has that due time
	 */
	boolean reschedule(JobId id, Instant runAt);

	/**
	 * Deletes a finished job before retention would.
	 * @param id the job's id
	 * @return {@code true} if the job was {@code SUCCEEDED}, {@code DEAD} or
	 *         {@code CANCELLED} and is gone
	 */
	boolean delete(JobId id);

	/**
	 * Pauses a queue on every instance: no instance claims its jobs until it is resumed.
	 * Jobs already running finish. This instance stops claiming at once, others within a
	 * poll interval. The pause survives restarts: an instance that starts with
	 * {@code taskito.queues.<queue>.paused} set applies that value only when it differs
	 * from the value configured last.
	 * @param queue the queue
	 */
	void pauseQueue(String queue);

	/**
	 * Resumes a paused queue on every instance.
	 * @param queue the queue
	 */
	void resumeQueue(String queue);

	/**
	 * @return the queues paused now, on every instance
	 */
	Set<String> pausedQueues();

	/**
	 * Lists the periodic tasks' schedules as the store records them for the whole cluster,
	 * with when each runs next.
	 * @return the schedules, by task name
	 */
	List<ScheduleView> schedules();

	/**
	 * Pauses a periodic task's schedule on every instance: no tick enqueues a job until it is
	 * resumed, and the pause survives restarts. Jobs already enqueued still run. Ticks that
	 * pass meanwhile follow the task's {@link Misfire} policy at the resume.
	 * @param task the periodic task
	 * @throws UnknownScheduleException when the store has no schedule for that task
	 */
	void pauseSchedule(String task);

	/**
	 * Resumes a paused schedule on every instance.
	 * @param task the periodic task
	 * @throws UnknownScheduleException when the store has no schedule for that task
	 */
	void resumeSchedule(String task);

}
