package dev.taskito;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Which jobs to list, count, cancel or retry. Immutable; each method returns a new query.
 * Jobs come in {@link JobId} order (oldest first), one page at a time: pass the last id of
 * a page to {@link #after(JobId)} for the next.
 *
 * <pre class="code">
 * JobQuery query = JobQuery.all().task("send-email").status(JobStatus.DEAD).limit(100);
 * List&lt;JobView&gt; page = taskQueue.jobs(query);
 * while (!page.isEmpty()) {
 *     // ...
 *     page = taskQueue.jobs(query.after(page.get(page.size() - 1).id()));
 * }
 * </pre>
 *
 * A job that matches for the whole walk is returned exactly once; one that starts or stops
 * matching meanwhile (it changed status, say) is returned at most once.
 */
public final class JobQuery {

	/** The most jobs one page may hold. */
	public static final int MAX_LIMIT = 10_000;

	/** The page size of a query that sets none. */
	public static final int DEFAULT_LIMIT = 100;

	private static final JobQuery ALL = new JobQuery(Collections.emptySet(), null, null, null, null, null,
			DEFAULT_LIMIT);

	private final Set<JobStatus> statuses;

	private final String task;

	private final String queue;

	private final Instant dueFrom;

	private final Instant dueBefore;

	private final JobId after;

	private final int limit;

	private JobQuery(Set<JobStatus> statuses, String task, String queue, Instant dueFrom, Instant dueBefore,
			JobId after, int limit) {
		this.statuses = statuses;
		this.task = task;
		this.queue = queue;
		this.dueFrom = dueFrom;
		this.dueBefore = dueBefore;
		this.after = after;
		this.limit = limit;
	}

	/**
	 * @return a query for every job, the first {@value #DEFAULT_LIMIT} of them
	 */
	public static JobQuery all() {
		return ALL;
	}

	/**
	 * Keeps the jobs in one of these statuses. Without a call, every status matches.
	 * @param statuses one status or more
	 * @return a new query
	 */
	public JobQuery status(JobStatus... statuses) {
		Objects.requireNonNull(statuses, "statuses");
		if (statuses.length == 0 || Arrays.asList(statuses).contains(null)) {
			throw new IllegalArgumentException(
					"JobQuery.status needs one status or more and no null; omit the call to match every status");
		}
		EnumSet<JobStatus> set = EnumSet.copyOf(Arrays.asList(statuses));
		return new JobQuery(Collections.unmodifiableSet(set), this.task, this.queue, this.dueFrom, this.dueBefore,
				this.after, this.limit);
	}

	/**
	 * Keeps the jobs of one task.
	 * @param task the task's name
	 * @return a new query
	 */
	public JobQuery task(String task) {
		return new JobQuery(this.statuses, requireName(task, "task"), this.queue, this.dueFrom, this.dueBefore,
				this.after, this.limit);
	}

	/**
	 * Keeps the jobs in one queue.
	 * @param queue the queue's name
	 * @return a new query
	 */
	public JobQuery queue(String queue) {
		return new JobQuery(this.statuses, this.task, requireName(queue, "queue"), this.dueFrom, this.dueBefore,
				this.after, this.limit);
	}

	/**
	 * Keeps the jobs due at or after an instant ({@link JobView#runAt()}, the latest due time
	 * of a job that already ran).
	 * @param from the earliest due time, inclusive
	 * @return a new query
	 */
	public JobQuery dueFrom(Instant from) {
		Objects.requireNonNull(from, "from");
		checkRange(from, this.dueBefore);
		return new JobQuery(this.statuses, this.task, this.queue, from, this.dueBefore, this.after, this.limit);
	}

	/**
	 * Keeps the jobs due before an instant.
	 * @param before the due time the jobs come before, exclusive
	 * @return a new query
	 */
	public JobQuery dueBefore(Instant before) {
		Objects.requireNonNull(before, "before");
		checkRange(this.dueFrom, before);
		return new JobQuery(this.statuses, this.task, this.queue, this.dueFrom, before, this.after, this.limit);
	}

	/**
	 * Starts after a job: the next page after one that ended with {@code lastSeen}.
	 * @param lastSeen the last id seen, or {@code null} to start from the first job
	 * @return a new query
	 */
	public JobQuery after(JobId lastSeen) {
		return new JobQuery(this.statuses, this.task, this.queue, this.dueFrom, this.dueBefore, lastSeen, this.limit);
	}

	/**
	 * Sets the page size.
	 * @param limit between 1 and {@value #MAX_LIMIT}
	 * @return a new query
	 */
	public JobQuery limit(int limit) {
		if (limit < 1 || limit > MAX_LIMIT) {
			throw new IllegalArgumentException("JobQuery limit must be between 1 and " + MAX_LIMIT + ", was " + limit
					+ "; page with after(lastSeenId) for more");
		}
		return new JobQuery(this.statuses, this.task, this.queue, this.dueFrom, this.dueBefore, this.after, limit);
	}

	/**
	 * @return the statuses that match; empty when every status does
	 */
	public Set<JobStatus> statuses() {
		return this.statuses;
	}

	/**
	 * Whether a job in this status matches.
	 * @param status a status
	 * @return {@code true} when no status was given or this one was
	 */
	public boolean matchesStatus(JobStatus status) {
		return this.statuses.isEmpty() || this.statuses.contains(status);
	}

	/**
	 * @return the task, or {@code null} for every task
	 */
	public String task() {
		return this.task;
	}

	/**
	 * @return the queue, or {@code null} for every queue
	 */
	public String queue() {
		return this.queue;
	}

	/**
	 * @return the earliest due time, inclusive, or {@code null}
	 */
	public Instant dueFrom() {
		return this.dueFrom;
	}

	/**
	 * @return the due time every job comes before, exclusive, or {@code null}
	 */
	public Instant dueBefore() {
		return this.dueBefore;
	}

	/**
	 * @return the id the page starts after, or {@code null} for the first page
	 */
	public JobId after() {
		return this.after;
	}

	/**
	 * @return the page size
	 */
	public int limit() {
		return this.limit;
	}

	private static String requireName(String name, String what) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("JobQuery " + what + " must not be blank; omit the call to match every "
					+ what);
		}
		return name;
	}

	private static void checkRange(Instant from, Instant before) {
		if (from != null && before != null && !from.isBefore(before)) {
			throw new IllegalArgumentException("JobQuery dueFrom (" + from + ") must come before dueBefore (" + before
					+ ")");
		}
	}

	@Override
	public boolean equals(Object other) {
		if (this == other) {
			return true;
		}
		if (!(other instanceof JobQuery query)) {
			return false;
		}
		return this.limit == query.limit && this.statuses.equals(query.statuses) && Objects.equals(this.task, query.task)
				&& Objects.equals(this.queue, query.queue) && Objects.equals(this.dueFrom, query.dueFrom)
				&& Objects.equals(this.dueBefore, query.dueBefore) && Objects.equals(this.after, query.after);
	}

	@Override
	public int hashCode() {
		return Objects.hash(this.statuses, this.task, this.queue, this.dueFrom, this.dueBefore, this.after, this.limit);
	}

	@Override
	public String toString() {
		StringBuilder text = new StringBuilder("JobQuery[");
		if (!this.statuses.isEmpty()) {
			text.append("status=").append(this.statuses).append(", ");
		}
		if (this.task != null) {
			text.append("task=").append(this.task).append(", ");
		}
		if (this.queue != null) {
			text.append("queue=").append(this.queue).append(", ");
		}
		if (this.dueFrom != null) {
			text.append("dueFrom=").append(this.dueFrom).append(", ");
		}
		if (this.dueBefore != null) {
			text.append("dueBefore=").append(this.dueBefore).append(", ");
		}
		if (this.after != null) {
			text.append("after=").append(this.after).append(", ");
		}
		return text.append("limit=").append(this.limit).append(']').toString();
	}

}
