package dev.taskito.spring.boot.autoconfigure.actuate;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStats;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.ScheduleView;
import dev.taskito.TaskQueue;
import dev.taskito.UnknownScheduleException;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.InstanceView;
import dev.taskito.store.RateLimit;
import dev.taskito.spring.boot.autoconfigure.actuate.TaskitoEndpointException.Kind;

/**
 * The {@code taskito} Actuator endpoint: the tasks and queues with their counts, caps and
 * rate limits, the periodic tasks' schedules, the live instances, the dead jobs, and
 * operations to pause and resume a queue or a schedule, retry a dead job and cancel a
 * pending one. It has no store query of its own: it
 * reads and acts through {@link TaskQueue} and {@link ClaimStore#liveInstances()}, so what
 * it shows is what the application's own code would see.
 * <p>
 * Its access is read-only unless the application grants more
 * ({@code management.endpoint.taskito.access=unrestricted}), so the write operation is
 * refused by default. Operations that cannot be done throw
 * {@link TaskitoEndpointException}, naming what is at fault.
 */
@Endpoint(id = "taskito", defaultAccess = Access.READ_ONLY)
public class TaskitoEndpoint {

	/** The dead jobs one page holds when the request sets no {@code limit}. */
	public static final int DEFAULT_DEAD_LIMIT = 50;

	private final TaskQueue taskQueue;

	private final ClaimStore store;

	private final @Nullable String instanceId;

	/**
	 * Reads and acts through the application's queue and store.
	 * @param taskQueue the task queue
	 * @param store the store, for the live instances
	 * @param instanceId this instance's id, or {@code null} on a producer-only instance
	 */
	public TaskitoEndpoint(TaskQueue taskQueue, ClaimStore store, @Nullable String instanceId) {
		this.taskQueue = taskQueue;
		this.store = store;
		this.instanceId = instanceId;
	}

	/**
	 * {@code GET /actuator/taskito}: every task and queue with its pending, running and dead
	 * jobs, cap and rate limit, the schedules of periodic tasks with their next run, and the
	 * instances whose heartbeat is current.
	 * @return the overview
	 */
	@ReadOperation
	public TaskitoDescriptor taskito() {
		JobStats stats = this.taskQueue.stats();
		List<TaskDescriptor> tasks = stats.tasks()
			.stream()
			.map((task) -> new TaskDescriptor(task.task(), task.pending(), task.running(), task.dead(),
					task.maxConcurrent(), text(task.rateLimit()), task.maxConcurrentPerKey(), task.keysAtCap()))
			.toList();
		List<QueueDescriptor> queues = stats.queues()
			.stream()
			.map((queue) -> new QueueDescriptor(queue.queue(), queue.pending(), queue.running(), queue.dead(),
					queue.maxConcurrent(), text(queue.rateLimit()), queue.paused()))
			.toList();
		List<InstanceDescriptor> instances = this.store.liveInstances()
			.stream()
			.map(this::describe)
			.toList();
		List<ScheduleDescriptor> schedules = this.taskQueue.schedules()
			.stream()
			.map(TaskitoEndpoint::describe)
			.toList();
		return new TaskitoDescriptor(this.instanceId, tasks, queues, schedules, instances);
	}

	/**
	 * {@code GET /actuator/taskito/dead}: one page of dead jobs, oldest first. The next page
	 * starts {@code after} the last id of this one ({@link DeadJobsDescriptor#next()}).
	 * @param section {@code dead}, the only section
	 * @param after the id the page starts after, or {@code null} for the first page
	 * @param limit the page size, {@value #DEFAULT_DEAD_LIMIT} when {@code null}, at most
	 *        {@value JobQuery#MAX_LIMIT}
	 * @param task only this task's dead jobs, or {@code null} for every task
	 * @param queue only this queue's dead jobs, or {@code null} for every queue
	 * @return the page
	 * @throws TaskitoEndpointException for another section, a malformed id or a limit out of
	 *         range
	 */
	@ReadOperation
	public DeadJobsDescriptor section(@Selector String section, @Nullable String after, @Nullable Integer limit,
			@Nullable String task, @Nullable String queue) {
		if (!"dead".equals(section)) {
			throw new TaskitoEndpointException(Kind.NOT_FOUND, "The taskito endpoint has no section '" + section
					+ "': read /actuator/taskito, /actuator/taskito/dead or /actuator/taskito/jobs/{id}");
		}
		int size = (limit != null) ? limit : DEFAULT_DEAD_LIMIT;
		JobQuery query;
		try {
			query = JobQuery.all().status(JobStatus.DEAD).limit(size).after((after != null) ? jobId(after) : null);
			if (task != null) {
				query = query.task(task);
			}
			if (queue != null) {
				query = query.queue(queue);
			}
		}
		catch (IllegalArgumentException ex) {
			throw new TaskitoEndpointException(Kind.INVALID, ex.getMessage());
		}
		List<JobView> page = this.taskQueue.jobs(query);
		List<JobDescriptor> jobs = page.stream().map(TaskitoEndpoint::describe).toList();
		String next = (page.size() == size) ? page.get(page.size() - 1).id().toString() : null;
		return new DeadJobsDescriptor(jobs, next);
	}

	/**
	 * {@code GET /actuator/taskito/jobs/{id}}: one job, in whatever status.
	 * @param kind {@code jobs}
	 * @param id the job's id
	 * @return the job
	 * @throws TaskitoEndpointException when the kind is not {@code jobs}, the id is malformed
	 *         or no such job exists
	 */
	@ReadOperation
	public JobDescriptor job(@Selector String kind, @Selector String id) {
		if (!"jobs".equals(kind)) {
			throw new TaskitoEndpointException(Kind.NOT_FOUND, "The taskito endpoint reads no '" + kind + "/" + id
					+ "': read /actuator/taskito/jobs/{id}");
		}
		JobId jobId = jobId(id);
		return describe(this.taskQueue.find(jobId).orElseThrow(() -> unknownJob(jobId)));
	}

	/**
	 * {@code POST /actuator/taskito/queues/{queue}/pause} or {@code .../resume}: pauses or
	 * resumes a queue on every instance. {@code POST /actuator/taskito/jobs/{id}/retry}:
	 * enqueues a dead job again, attempts reset. {@code POST /actuator/taskito/jobs/{id}/cancel}:
	 * cancels a pending job. {@code POST /actuator/taskito/schedules/{task}/pause} or
	 * {@code .../resume}: pauses or resumes a periodic task's schedule on every instance.
	 * @param kind {@code queues}, {@code schedules} or {@code jobs}
	 * @param name the queue's name, the periodic task's name or the job's id
	 * @param action {@code pause} or {@code resume} for a queue or a schedule, {@code retry}
	 *        or {@code cancel} for a job
	 * @return the queue's pause state, the schedule or the job as it is now
	 * @throws TaskitoEndpointException for an unknown operation, a task without schedule, a
	 *         malformed or unknown job id, or a job not in the status the action needs
	 */
	@WriteOperation
	public Object act(@Selector String kind, @Selector String name, @Selector String action) {
		if ("queues".equals(kind) && "pause".equals(action)) {
			this.taskQueue.pauseQueue(name);
			return queueState(name);
		}
		if ("queues".equals(kind) && "resume".equals(action)) {
			this.taskQueue.resumeQueue(name);
			return queueState(name);
		}
		if ("schedules".equals(kind) && ("pause".equals(action) || "resume".equals(action))) {
			return pauseSchedule(name, "pause".equals(action));
		}
		if ("jobs".equals(kind) && "retry".equals(action)) {
			return retry(jobId(name));
		}
		if ("jobs".equals(kind) && "cancel".equals(action)) {
			return cancel(jobId(name));
		}
		throw new TaskitoEndpointException(Kind.NOT_FOUND, "The taskito endpoint has no operation '" + kind + "/"
				+ name + "/" + action + "': POST queues/{queue}/pause, queues/{queue}/resume, schedules/{task}/pause, "
				+ "schedules/{task}/resume, jobs/{id}/retry or jobs/{id}/cancel");
	}

	private ScheduleDescriptor pauseSchedule(String task, boolean pause) {
		try {
			if (pause) {
				this.taskQueue.pauseSchedule(task);
			}
			else {
				this.taskQueue.resumeSchedule(task);
			}
		}
		catch (UnknownScheduleException ex) {
			throw new TaskitoEndpointException(Kind.NOT_FOUND, ex.getMessage());
		}
		return this.taskQueue.schedules()
			.stream()
			.filter((schedule) -> schedule.task().equals(task))
			.findFirst()
			.map(TaskitoEndpoint::describe)
			.orElseThrow(() -> new TaskitoEndpointException(Kind.NOT_FOUND, "Task '" + task + "' has no schedule"));
	}

	private static ScheduleDescriptor describe(ScheduleView schedule) {
		return new ScheduleDescriptor(schedule.task(), schedule.definition(), schedule.nextRunAt(), schedule.lastTick(),
				(schedule.lastJobId() != null) ? schedule.lastJobId().toString() : null, schedule.paused(),
				schedule.skippedTicks());
	}

	private QueueStateDescriptor queueState(String queue) {
		return new QueueStateDescriptor(queue, this.taskQueue.pausedQueues().contains(queue));
	}

	private JobDescriptor retry(JobId id) {
		try {
			this.taskQueue.retry(id);
		}
		catch (IllegalStateException ex) {
			// TaskQueue.retry names the job's status (or the job holding its unique key); only
			// "does not exist" deserves another answer than a conflict.
			Optional<JobView> job = this.taskQueue.find(id);
			if (job.isEmpty()) {
				throw unknownJob(id);
			}
			throw new TaskitoEndpointException(Kind.CONFLICT, ex.getMessage());
		}
		return describe(this.taskQueue.find(id).orElseThrow(() -> unknownJob(id)));
	}

	private JobDescriptor cancel(JobId id) {
		boolean cancelled = this.taskQueue.cancel(id);
		JobView job = this.taskQueue.find(id).orElseThrow(() -> unknownJob(id));
		if (!cancelled) {
			throw new TaskitoEndpointException(Kind.CONFLICT, "Job " + id + " is " + job.status()
					+ "; only a PENDING job can be cancelled");
		}
		return describe(job);
	}

	private static JobId jobId(String text) {
		try {
			return JobId.parse(text);
		}
		catch (IllegalArgumentException ex) {
			throw new TaskitoEndpointException(Kind.INVALID, "'" + text
					+ "' is not a job id: use a job's UUID as the endpoint lists it, such as "
					+ "0190e0c4-5a4e-7d3a-9c1e-3f2b8a6d4e10");
		}
	}

	private static TaskitoEndpointException unknownJob(JobId id) {
		return new TaskitoEndpointException(Kind.NOT_FOUND,
				"No job " + id + ": it was never enqueued in this store, or it finished and was purged "
						+ "(taskito.retention.*)");
	}

	private InstanceDescriptor describe(InstanceView instance) {
		// Caps per key travel among the task caps, marked (see TaskDefinition.PER_KEY_CAP_MARK).
		Map<String, Integer> taskCaps = new TreeMap<>();
		Map<String, Integer> keyCaps = new TreeMap<>();
		instance.taskCaps().forEach((name, cap) -> {
			if (name.endsWith(TaskDefinition.PER_KEY_CAP_MARK)) {
				keyCaps.put(name.substring(0, name.length() - TaskDefinition.PER_KEY_CAP_MARK.length()), cap);
			}
			else {
				taskCaps.put(name, cap);
			}
		});
		return new InstanceDescriptor(instance.instanceId(), instance.instanceId().equals(this.instanceId),
				instance.heartbeatAt(), instance.expiresAt(), instance.tasks(), instance.queues(), taskCaps,
				instance.queueCaps(), keyCaps, instance.running());
	}

	private static JobDescriptor describe(JobView job) {
		return new JobDescriptor(job.id().toString(), job.taskName(), job.queue(), job.status(), job.attempts(),
				job.maxRetries(), job.priority(), job.createdAt(), job.runAt(), job.startedAt(), job.finishedAt(),
				job.lastError(), job.uniqueKey(), job.concurrencyKey(), job.scheduledFor());
	}

	private static @Nullable String text(@Nullable RateLimit rateLimit) {
		return (rateLimit != null) ? rateLimit.toString() : null;
	}

	/**
	 * The overview.
	 *
	 * @param instanceId this instance's id, {@code null} on a producer-only instance
	 * @param tasks every task registered here or with jobs
	 * @param queues every queue known here or with jobs
	 * @param schedules the periodic tasks' schedules, by task
	 * @param instances the instances whose heartbeat is current
	 */
	public record TaskitoDescriptor(@Nullable String instanceId, List<TaskDescriptor> tasks,
			List<QueueDescriptor> queues, List<ScheduleDescriptor> schedules, List<InstanceDescriptor> instances) {

	}

	/**
	 * One task.
	 *
	 * @param name the task's name
	 * @param pending its pending jobs, due or not
	 * @param running its running jobs
	 * @param dead its dead jobs kept
	 * @param maxConcurrent its cap as this instance knows it, {@code 0} for none
	 * @param rateLimit its rate limit ({@code permits/period}), or {@code null}
	 * @param maxConcurrentPerKey its cap per concurrency key as this instance knows it,
	 *        {@code 0} for none
	 * @param keysAtCap how many of its keys run at that cap, cluster-wide (a count, never
	 *        the keys)
	 */
	public record TaskDescriptor(String name, long pending, long running, long dead, int maxConcurrent,
			@Nullable String rateLimit, int maxConcurrentPerKey, long keysAtCap) {

	}

	/**
	 * One queue.
	 *
	 * @param name the queue's name
	 * @param pending its pending jobs, due or not
	 * @param running its running jobs
	 * @param dead its dead jobs kept
	 * @param maxConcurrent its cap, {@code 0} for none
	 * @param rateLimit its rate limit ({@code permits/period}), or {@code null}
	 * @param paused whether it is paused on every instance
	 */
	public record QueueDescriptor(String name, long pending, long running, long dead, int maxConcurrent,
			@Nullable String rateLimit, boolean paused) {

	}

	/**
	 * A live instance as its last heartbeat recorded it.
	 *
	 * @param id the instance's id
	 * @param current whether it is the instance that answers this request
	 * @param heartbeatAt its last heartbeat, on the store's clock
	 * @param expiresAt when it counts as gone unless it beats again, on the store's clock
	 * @param tasks the tasks it serves, {@code null} when its version does not say
	 * @param queues the queues it serves, {@code null} when its version does not say
	 * @param taskCaps the task caps it declares
	 * @param queueCaps the queue caps it declares
	 * @param keyCaps the caps per concurrency key it declares, per task
	 * @param running the jobs it ran at its last heartbeat, {@code null} when its version does
	 *        not say
	 */
	public record InstanceDescriptor(String id, boolean current, Instant heartbeatAt, Instant expiresAt,
			@Nullable Set<String> tasks, @Nullable Set<String> queues, Map<String, Integer> taskCaps,
			Map<String, Integer> queueCaps, Map<String, Integer> keyCaps, @Nullable Integer running) {

	}

	/**
	 * A page of dead jobs.
	 *
	 * @param jobs the jobs, oldest first
	 * @param next the {@code after} of the next page, {@code null} when this page is the last
	 */
	public record DeadJobsDescriptor(List<JobDescriptor> jobs, @Nullable String next) {

	}

	/**
	 * A job, as the store knows it (its result left out). Timestamps are on the store's
	 * clock.
	 *
	 * @param id the job's id
	 * @param task the task it runs
	 * @param queue the queue it is in
	 * @param status its status
	 * @param attempts the attempts that started
	 * @param maxRetries the retries it gets after its first attempt
	 * @param priority higher runs first
	 * @param createdAt when it was enqueued
	 * @param runAt when it is (or was) due
	 * @param startedAt when its latest attempt started, or {@code null}
	 * @param finishedAt when it finished, or {@code null}
	 * @param lastError the last failure's message and stack trace, or {@code null}
	 * @param uniqueKey its unique key, or {@code null}
	 * @param concurrencyKey its concurrency key, or {@code null}
	 * @param scheduledFor the tick of the periodic schedule that enqueued it, or {@code null}
	 */
	public record JobDescriptor(String id, String task, String queue, JobStatus status, int attempts, int maxRetries,
			int priority, Instant createdAt, Instant runAt, @Nullable Instant startedAt, @Nullable Instant finishedAt,
			@Nullable String lastError, @Nullable String uniqueKey, @Nullable String concurrencyKey,
			@Nullable Instant scheduledFor) {

	}

	/**
	 * A periodic task's schedule, shared by every instance. Times are on the store's clock.
	 *
	 * @param name the periodic task's name
	 * @param definition the schedule every instance follows, such as
	 *        {@code cron 0 *&#47;5 * * * * zone Europe/Paris}
	 * @param nextRunAt when its next job is enqueued, {@code null} when this instance does not
	 *        know the schedule (its own differs or it lacks the task)
	 * @param lastTick the latest tick enqueued or passed over
	 * @param lastJobId the latest tick's job, or {@code null}
	 * @param paused whether it is paused on every instance
	 * @param skippedTicks ticks passed over because the previous tick's job was still pending
	 */
	public record ScheduleDescriptor(String name, String definition, @Nullable Instant nextRunAt, Instant lastTick,
			@Nullable String lastJobId, boolean paused, long skippedTicks) {

	}

	/**
	 * A queue's pause state after a pause or resume.
	 *
	 * @param queue the queue's name
	 * @param paused whether it is paused now
	 */
	public record QueueStateDescriptor(String queue, boolean paused) {

	}

}
