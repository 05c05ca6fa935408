package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatus;

import dev.taskito.BulkResult;
import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskQueue;
import dev.taskito.UnknownScheduleException;
import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardJobs.JobPage;

/**
 * What each call of the dashboard's API does and answers, apart from the web stack that
 * serves it ({@link DashboardHandlers} adapts it to Spring MVC). Reads go through {@link DashboardSnapshots} (the
 * overview) or straight to {@link TaskQueue} (a page of jobs, one job: a keyset page through
 * the job index, a lookup by id). Writes are refused here when the dashboard is read-only,
 * whatever the security in front of it let through. Blocking: every call may reach the store.
 */
public final class DashboardApi {

	/** The most jobs one page of the jobs list holds. */
	public static final int MAX_PAGE = 200;

	private final TaskQueue taskQueue;

	private final DashboardSnapshots snapshots;

	private final DashboardAccess access;

	private final Duration refreshInterval;

	/**
	 * @param taskQueue the operations API
	 * @param snapshots the shared overview
	 * @param access whether writes are allowed, and if not why
	 * @param refreshInterval how often the pages refresh
	 */
	public DashboardApi(TaskQueue taskQueue, DashboardSnapshots snapshots, DashboardAccess access,
			Duration refreshInterval) {
		this.taskQueue = taskQueue;
		this.snapshots = snapshots;
		this.access = access;
		this.refreshInterval = refreshInterval;
	}

	Answer session(@Nullable String user) {
		return Answer.ok(new SessionView(this.access.writable(), this.access.readOnlyReason(),
				this.refreshInterval.toMillis(), user));
	}

	Answer overview() {
		return Answer.ok(this.snapshots.current());
	}

	Answer jobs(Function<String, Optional<String>> params) {
		JobQuery query = query(params);
		int limit = params.apply("limit").map(Integer::parseInt).orElse(50);
		if (limit < 1 || limit > MAX_PAGE) {
			throw new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE + ", was " + limit);
		}
		query = query.limit(limit)
			.after(params.apply("after").filter((text) -> !text.isBlank()).map(JobId::parse).orElse(null));
		List<JobView> page = this.taskQueue.jobs(query);
		String next = (page.size() == limit) ? page.get(page.size() - 1).id().toString() : null;
		return Answer.ok(new JobPage(page.stream().map(DashboardJobs::row).toList(), next));
	}

	Answer job(String idText) {
		JobId id = JobId.parse(idText);
		Optional<JobView> job = this.taskQueue.find(id);
		if (job.isEmpty()) {
			return Answer.error(HttpStatus.NOT_FOUND, "No job " + id + ": it was never enqueued in this store, or it "
					+ "finished and was purged (taskito.retention.*)");
		}
		return Answer.ok(DashboardJobs.detail(job.get(), this.taskQueue.argumentsOf(id).orElse(null)));
	}

	Answer retry(String idText) {
		return write(() -> {
			JobId id = JobId.parse(idText);
			this.taskQueue.retry(id);
			return Map.of("retried", id.toString());
		});
	}

	Answer cancel(String idText) {
		return write(() -> {
			JobId id = JobId.parse(idText);
			if (!this.taskQueue.cancel(id)) {
				throw new IllegalStateException("Job " + id + " is not PENDING (any more): only a pending job can be "
						+ "cancelled");
			}
			return Map.of("cancelled", id.toString());
		});
	}

	Answer retryAll(Function<String, Optional<String>> params) {
		return write(() -> {
			BulkResult result = this.taskQueue.retryAll(query(params).status(JobStatus.DEAD));
			return Map.of("retried", result.changed(), "skipped", result.skipped());
		});
	}

	Answer pause(String queue, boolean paused) {
		return write(() -> {
			if (paused) {
				this.taskQueue.pauseQueue(queue);
			}
			else {
				this.taskQueue.resumeQueue(queue);
			}
			return Map.of("queue", queue, "paused", paused);
		});
	}

	Answer pauseSchedule(String task, boolean paused) {
		return write(() -> {
			try {
				if (paused) {
					this.taskQueue.pauseSchedule(task);
				}
				else {
					this.taskQueue.resumeSchedule(task);
				}
			}
			catch (UnknownScheduleException ex) {
				return Answer.error(HttpStatus.NOT_FOUND, ex.getMessage());
			}
			return Map.of("schedule", task, "paused", paused);
		});
	}

	/**
	 * Turns what a bad request throws into an answer the page shows: a malformed id or
	 * filter (400), or a job not in the status the action needs (409).
	 * @param ex what a call threw
	 * @return the answer, or empty for anything else, which stays an error of the server
	 */
	static Optional<Answer> failed(Throwable ex) {
		if (ex instanceof IllegalArgumentException) {
			return Optional.of(Answer.error(HttpStatus.BAD_REQUEST, ex.getMessage()));
		}
		if (ex instanceof IllegalStateException) {
			return Optional.of(Answer.error(HttpStatus.CONFLICT, ex.getMessage()));
		}
		return Optional.empty();
	}

	private Answer write(Action action) {
		if (!this.access.writable()) {
			return Answer.error(HttpStatus.FORBIDDEN, "The dashboard is read-only: " + this.access.readOnlyReason());
		}
		Object result = action.run();
		this.snapshots.invalidate();
		return (result instanceof Answer answer) ? answer : Answer.ok(result);
	}

	private static JobQuery query(Function<String, Optional<String>> params) {
		JobQuery query = JobQuery.all();
		Optional<String> status = params.apply("status").filter((text) -> !text.isBlank());
		if (status.isPresent()) {
			query = query.status(JobStatus.valueOf(status.get().trim().toUpperCase(Locale.ROOT)));
		}
		Optional<String> task = params.apply("task").filter((text) -> !text.isBlank());
		if (task.isPresent()) {
			query = query.task(task.get().trim());
		}
		Optional<String> queue = params.apply("queue").filter((text) -> !text.isBlank());
		if (queue.isPresent()) {
			query = query.queue(queue.get().trim());
		}
		return query;
	}

	@FunctionalInterface
	private interface Action {

		Object run();

	}

	/**
	 * One call's answer: a status and a body to send as JSON.
	 *
	 * @param status the HTTP status
	 * @param body the body
	 */
	record Answer(HttpStatus status, Object body) {

		static Answer ok(Object body) {
			return new Answer(HttpStatus.OK, body);
		}

		static Answer error(HttpStatus status, @Nullable String message) {
			return new Answer(status, Map.of("error", (message != null) ? message : status.getReasonPhrase()));
		}

	}

	/**
	 * What the page needs to know before it draws: whether to offer actions, and if not why.
	 *
	 * @param writable whether the user may retry, cancel, and pause and resume queues and schedules
	 * @param readOnlyReason why not, or {@code null} when writable
	 * @param refreshMillis how often to refresh
	 * @param user who is signed in, or {@code null} without Spring Security
	 */
	public record SessionView(boolean writable, @Nullable String readOnlyReason, long refreshMillis,
			@Nullable String user) {

	}

}
