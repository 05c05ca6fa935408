package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

import dev.taskito.BulkResult;
import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskQueue;
import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardJobs.JobPage;

/**
 * The dashboard's page and JSON API, as Spring MVC functional handlers (no controller for
 * component scanning to find). Reads go through {@link DashboardSnapshots} (the overview)
 * or straight to {@link TaskQueue} (a page of jobs, one job: a keyset page through the job
 * index, a lookup by id). Every write is a POST, refused here when the dashboard is
 * read-only, whatever the security in front of it let through; a GET never changes state.
 */
public final class DashboardHandlers {

	/** The most jobs one page of the jobs list holds. */
	public static final int MAX_PAGE = 200;

	static final String ASSETS = "META-INF/taskito-dashboard/";

	private static final Resource INDEX = new ClassPathResource(ASSETS + "index.html");

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
	public DashboardHandlers(TaskQueue taskQueue, DashboardSnapshots snapshots, DashboardAccess access,
			Duration refreshInterval) {
		this.taskQueue = taskQueue;
		this.snapshots = snapshots;
		this.access = access;
		this.refreshInterval = refreshInterval;
	}

	ServerResponse redirectToPage(ServerRequest request) {
		// The page links its scripts and API relative to itself: it must be served with a slash.
		return ServerResponse.status(HttpStatus.FOUND).location(URI.create(request.path() + "/")).build();
	}

	ServerResponse page(ServerRequest request) {
		return ServerResponse.ok().contentType(MediaType.TEXT_HTML).cacheControl(CacheControl.noStore()).body(INDEX);
	}

	ServerResponse session(ServerRequest request) {
		return json(new SessionView(this.access.writable(), this.access.readOnlyReason(),
				this.refreshInterval.toMillis(), request.principal().map(Principal::getName).orElse(null)));
	}

	ServerResponse overview(ServerRequest request) {
		return json(this.snapshots.current());
	}

	ServerResponse jobs(ServerRequest request) {
		JobQuery query = query(request);
		int limit = request.param("limit").map(Integer::parseInt).orElse(50);
		if (limit < 1 || limit > MAX_PAGE) {
			throw new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE + ", was " + limit);
		}
		query = query.limit(limit).after(request.param("after").filter((text) -> !text.isBlank()).map(JobId::parse)
			.orElse(null));
		List<JobView> page = this.taskQueue.jobs(query);
		String next = (page.size() == limit) ? page.get(page.size() - 1).id().toString() : null;
		return json(new JobPage(page.stream().map(DashboardJobs::row).toList(), next));
	}

	ServerResponse job(ServerRequest request) {
		JobId id = JobId.parse(request.pathVariable("id"));
		Optional<JobView> job = this.taskQueue.find(id);
		if (job.isEmpty()) {
			return error(HttpStatus.NOT_FOUND, "No job " + id + ": it was never enqueued in this store, or it "
					+ "finished and was purged (taskito.retention.*)");
		}
		return json(DashboardJobs.detail(job.get(), this.taskQueue.argumentsOf(id).orElse(null)));
	}

	ServerResponse retry(ServerRequest request) {
		return write(() -> {
			JobId id = JobId.parse(request.pathVariable("id"));
			this.taskQueue.retry(id);
			return Map.of("retried", id.toString());
		});
	}

	ServerResponse cancel(ServerRequest request) {
		return write(() -> {
			JobId id = JobId.parse(request.pathVariable("id"));
			if (!this.taskQueue.cancel(id)) {
				throw new IllegalStateException("Job " + id + " is not PENDING (any more): only a pending job can be "
						+ "cancelled");
			}
			return Map.of("cancelled", id.toString());
		});
	}

	ServerResponse retryAll(ServerRequest request) {
		return write(() -> {
			BulkResult result = this.taskQueue.retryAll(query(request).status(JobStatus.DEAD));
			return Map.of("retried", result.changed(), "skipped", result.skipped());
		});
	}

	ServerResponse pauseQueue(ServerRequest request) {
		return write(() -> {
			String queue = request.pathVariable("queue");
			this.taskQueue.pauseQueue(queue);
			return Map.of("queue", queue, "paused", true);
		});
	}

	ServerResponse resumeQueue(ServerRequest request) {
		return write(() -> {
			String queue = request.pathVariable("queue");
			this.taskQueue.resumeQueue(queue);
			return Map.of("queue", queue, "paused", false);
		});
	}

	/**
	 * Turns what a bad request throws into an answer the page shows: a malformed id or
	 * filter, or a job not in the status the action needs.
	 */
	ServerResponse failed(Throwable ex, ServerRequest request) {
		if (ex instanceof IllegalArgumentException) {
			return error(HttpStatus.BAD_REQUEST, ex.getMessage());
		}
		if (ex instanceof IllegalStateException) {
			return error(HttpStatus.CONFLICT, ex.getMessage());
		}
		throw (ex instanceof RuntimeException runtime) ? runtime : new IllegalStateException(ex);
	}

	private ServerResponse write(Action action) {
		if (!this.access.writable()) {
			return error(HttpStatus.FORBIDDEN, "The dashboard is read-only: " + this.access.readOnlyReason());
		}
		Object result = action.run();
		this.snapshots.invalidate();
		return json(result);
	}

	private static JobQuery query(ServerRequest request) {
		JobQuery query = JobQuery.all();
		Optional<String> status = request.param("status").filter((text) -> !text.isBlank());
		if (status.isPresent()) {
			query = query.status(JobStatus.valueOf(status.get().trim().toUpperCase(Locale.ROOT)));
		}
		Optional<String> task = request.param("task").filter((text) -> !text.isBlank());
		if (task.isPresent()) {
			query = query.task(task.get().trim());
		}
		Optional<String> queue = request.param("queue").filter((text) -> !text.isBlank());
		if (queue.isPresent()) {
			query = query.queue(queue.get().trim());
		}
		return query;
	}

	private static ServerResponse json(Object body) {
		return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).cacheControl(CacheControl.noStore())
			.body(body);
	}

	private static ServerResponse error(HttpStatus status, @Nullable String message) {
		return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON)
			.body(Map.of("error", (message != null) ? message : status.getReasonPhrase()));
	}

	@FunctionalInterface
	private interface Action {

		Object run();

	}

	/**
	 * What the page needs to know before it draws: whether to offer actions, and if not why.
	 *
	 * @param writable whether the user may retry, cancel, pause and resume
	 * @param readOnlyReason why not, or {@code null} when writable
	 * @param refreshMillis how often to refresh
	 * @param user who is signed in, or {@code null} without Spring Security
	 */
	public record SessionView(boolean writable, @Nullable String readOnlyReason, long refreshMillis,
			@Nullable String user) {

	}

}
