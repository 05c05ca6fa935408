package dev.taskito;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Enqueues jobs and looks after them. Thread-safe. With a JDBC store behind a
 * transaction-aware {@code DataSource}, {@link #enqueue} and {@link #cancel} take part in
 * the caller's transaction: the job exists only if the caller commits.
 */
public interface TaskQueue {

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

}
