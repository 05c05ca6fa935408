package dev.taskito.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.BulkResult;
import dev.taskito.EnqueueRequest;
import dev.taskito.JobHeadersContributor;
import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStats;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.ScheduleView;
import dev.taskito.TaskEvent;
import dev.taskito.TaskListener;
import dev.taskito.TaskQueue;
import dev.taskito.TaskitoException;
import dev.taskito.Throughput;
import dev.taskito.store.BulkStep;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.NewJob;

/**
 * The {@link TaskQueue} over a {@link ClaimStore}: validates each request against the
 * registered task, resolves its options, stores it, and wakes the local dispatchers once
 * the job is visible (after the caller's commit, through the after-commit executor).
 */
public final class DefaultTaskQueue implements TaskQueue {

	private static final Logger logger = LoggerFactory.getLogger(DefaultTaskQueue.class);

	/** How many jobs one batch of a bulk cancel or retry looks at, in one transaction. */
	public static final int BULK_BATCH_SIZE = 500;

	/** How often an awaiting caller reads its job again, in case a notification was lost. */
	public static final Duration AWAIT_RECHECK_INTERVAL = Duration.ofSeconds(5);

	private static final Duration MIN_THROUGHPUT_WINDOW = Duration.ofMinutes(1);

	private static final Duration MAX_THROUGHPUT_WINDOW = Duration.ofDays(7);

	private final ClaimStore store;

	private final TaskRegistry registry;

	private final JobAwaiter awaiter;

	private final ThroughputReader throughputReader;

	private final StatsReader statsReader;

	private final ScheduleOperations scheduleOperations;

	private final List<Runnable> enqueueListeners = new CopyOnWriteArrayList<>();

	private final List<Runnable> pauseListeners = new CopyOnWriteArrayList<>();

	/** Tells the listeners of enqueues and cancellations, on a bounded thread of its own. */
	private final TaskEvents events = new TaskEvents(List.of(), "task queue");

	private final List<JobHeadersContributor> headersContributors = new CopyOnWriteArrayList<>();


	private volatile Executor afterCommitExecutor = Runnable::run;

	/**
	 * @param store the store
	 * @param registry the tasks that may be enqueued
	 */
	public DefaultTaskQueue(ClaimStore store, TaskRegistry registry) {
		this.store = Objects.requireNonNull(store, "store");
		this.registry = Objects.requireNonNull(registry, "registry");
		this.awaiter = new JobAwaiter(store, AWAIT_RECHECK_INTERVAL);
		this.throughputReader = new ThroughputReader(store);
		this.statsReader = new StatsReader(store, registry);
		this.scheduleOperations = new ScheduleOperations(store, registry);
	}

	/**
	 * Sets where listeners run after an enqueue: by default at once; inside a caller's
	 * transaction, after it commits (the Spring layer sets this).
	 * @param afterCommitExecutor the executor
	 */
	public void setAfterCommitExecutor(Executor afterCommitExecutor) {
		this.afterCommitExecutor = Objects.requireNonNull(afterCommitExecutor, "afterCommitExecutor");
	}

	/**
	 * Adds a listener called after each enqueue becomes visible; a local
	 * {@link TaskDispatcher} registers its wake-up here.
	 * @param listener the listener
	 */
	public void addEnqueueListener(Runnable listener) {
		this.enqueueListeners.add(listener);
	}

	/**
	 * @param listener a listener added earlier
	 */
	public void removeEnqueueListener(Runnable listener) {
		this.enqueueListeners.remove(listener);
	}

	/**
	 * Adds a listener called after this queue paused or resumed a queue; a local
	 * {@link TaskDispatcher} registers {@link TaskDispatcher#refreshQueuePauses()} here, so
	 * that it sees the change at once rather than within a poll interval.
	 * @param listener the listener
	 */
	public void addQueuePauseListener(Runnable listener) {
		this.pauseListeners.add(listener);
	}

	/**
	 * Adds a listener called after this queue paused or resumed a schedule; a local
	 * {@link TaskDispatcher} registers {@link TaskDispatcher#refreshSchedules()} here, so that
	 * a resumed schedule's missed tick is enqueued at once rather than within a second.
	 * @param listener the listener
	 */
	public void addSchedulePauseListener(Runnable listener) {
		this.scheduleOperations.addPauseListener(listener);
	}

	/**
	 * Adds a listener told of this queue's enqueues (after the caller's commit) and
	 * cancellations.
	 * @param listener the listener
	 */
	public void addListener(TaskListener listener) {
		this.events.add(Objects.requireNonNull(listener, "listener"));
	}

	/**
	 * Enqueue and cancellation events are told to the listeners on a thread of their own,
	 * and dropped rather than queued without bound when the listeners fall behind.
	 * @return how many were dropped
	 */
	public long droppedEvents() {
		return this.events.droppedEvents();
	}

	/**
	 * Adds a contributor of headers to every job this queue enqueues.
	 * @param contributor the contributor
	 */
	public void addHeadersContributor(JobHeadersContributor contributor) {
		this.headersContributors.add(Objects.requireNonNull(contributor, "contributor"));
	}

	/**
	 * Sets how often {@link #awaitFinished} reads its job again between notifications, in
	 * case one was lost ({@link #AWAIT_RECHECK_INTERVAL} by default).
	 * @param interval positive
	 */
	public void setAwaitRecheckInterval(Duration interval) {
		Objects.requireNonNull(interval, "interval");
		if (interval.isZero() || interval.isNegative()) {
			throw new IllegalArgumentException("awaitRecheckInterval must be positive, was " + interval);
		}
		this.awaiter.setRecheckInterval(interval);
	}

	@Override
	public JobId enqueue(String taskName, Object... args) {
		return enqueue(EnqueueRequest.of(taskName, args));
	}

	@Override
	public JobId enqueue(EnqueueRequest request) {
		return enqueueAll(List.of(request)).get(0);
	}

	@Override
	public List<JobId> enqueueAll(Collection<EnqueueRequest> requests) {
		if (requests.isEmpty()) {
			return List.of();
		}
		List<NewJob> jobs = new ArrayList<>(requests.size());
		for (EnqueueRequest request : requests) {
			jobs.add(toNewJob(request));
		}
		List<JobId> ids = this.store.enqueue(jobs);
		if (this.events.enabled()) {
			this.afterCommitExecutor.execute(() -> {
				fireEnqueued();
				publishEnqueued(jobs, ids);
			});
		}
		else {
			this.afterCommitExecutor.execute(this::fireEnqueued);
		}
		return ids;
	}

	/**
	 * One event per job stored: a unique enqueue whose key an active job held returned that
	 * job's id instead of the new one, and stored nothing.
	 */
	private void publishEnqueued(List<NewJob> jobs, List<JobId> ids) {
		List<TaskEvent> enqueued = new ArrayList<>(jobs.size());
		for (int i = 0; i < jobs.size(); i++) {
			NewJob job = jobs.get(i);
			if (job.id().equals(ids.get(i))) {
				enqueued.add(TaskEvents.enqueued(job.id(), job.taskName(), job.queue()));
			}
		}
		this.events.publishLater(enqueued);
	}

	/**
	 * The headers every contributor adds to a job, in the order they were added (a later
	 * contributor's value wins), on the enqueuing thread.
	 */
	private Map<String, String> headersFor(EnqueueRequest request) {
		if (this.headersContributors.isEmpty()) {
			return Map.of();
		}
		Map<String, String> headers = new LinkedHashMap<>();
		for (JobHeadersContributor contributor : this.headersContributors) {
			Map<String, String> contributed;
			try {
				contributed = contributor.headersFor(request);
			}
			catch (RuntimeException ex) {
				// Headers serve observability: a contributor's bug must not stop the application enqueueing.
				logger.warn("JobHeadersContributor {} failed for a job of task '{}', which is enqueued without its "
						+ "headers; fix the contributor", contributor, request.taskName(), ex);
				continue;
			}
			if (contributed != null) {
				contributed.forEach((name, value) -> {
					if (name != null && value != null) {
						headers.put(name, value);
					}
				});
			}
		}
		return headers;
	}

	private NewJob toNewJob(EnqueueRequest request) {
		TaskDefinition task = this.registry.require(request.taskName());
		String payload = this.registry.codec().encodeArguments(task, request.args());
		String queue = (request.queue() != null) ? request.queue() : task.queue();
		if (!queue.equals(task.queue()) && !this.registry.queueNames().contains(queue)) {
			// A queue no instance knows would never be dispatched: refuse it rather than strand the job.
			throw new TaskitoException("Cannot enqueue task '" + task.name() + "' into queue '" + queue
					+ "': no registered task uses that queue, so no dispatcher would ever take the job. Use one of the known queues "
					+ this.registry.queueNames() + ", or declare the queue on a @Task(queue = \"" + queue + "\")");
		}
		return new NewJob(JobId.newId(), task.name(), queue,
				payload, (request.priority() != null) ? request.priority() : task.priority(), request.delay(),
				request.runAt(), request.uniqueKey(),
				(request.maxRetries() != null) ? request.maxRetries() : this.registry.maxRetries(task),
				request.timeout(), headersFor(request), request.concurrencyKey());
	}

	private void fireEnqueued() {
		for (Runnable listener : this.enqueueListeners) {
			listener.run();
		}
	}

	@Override
	public Optional<JobView> find(JobId id) {
		return this.store.find(id);
	}

	@Override
	public boolean cancel(JobId id) {
		boolean cancelled = this.store.cancel(id);
		if (cancelled && this.events.enabled()) {
			// Read in the caller's transaction, where the cancelled job is visible; told after its commit.
			this.store.find(id).ifPresent((job) -> this.afterCommitExecutor
				.execute(() -> this.events.publishLater(TaskEvents.cancelled(id, job.taskName(), job.queue()))));
		}
		return cancelled;
	}

	@Override
	public JobId retry(JobId id) {
		if (!this.store.retry(id)) {
			String state = this.store.find(id).map((job) -> "is " + job.status()).orElse("does not exist");
			throw new IllegalStateException("Job " + id + " " + state + "; only a DEAD job can be retried");
		}
		this.afterCommitExecutor.execute(this::fireEnqueued);
		return id;
	}

	@Override
	public <T> Optional<T> resultOf(JobId id, Class<T> type) {
		Objects.requireNonNull(type, "type");
		Optional<JobView> found = this.store.find(Objects.requireNonNull(id, "id"));
		if (found.isEmpty() || found.get().status() != JobStatus.SUCCEEDED || found.get().result() == null) {
			return Optional.empty();
		}
		JobView job = found.get();
		try {
			return Optional.ofNullable(this.registry.codec().decodeResult(job.result(), type));
		}
		catch (RuntimeException ex) {
			throw new TaskitoException("The result of job " + id + " of task '" + job.taskName()
					+ "' does not bind to " + type.getName() + " (" + ex.getMessage()
					+ "); ask for the handler's return type, or a type its JSON binds to", ex);
		}
	}

	@Override
	public JobView awaitFinished(JobId id, Duration timeout) {
		Objects.requireNonNull(id, "id");
		Objects.requireNonNull(timeout, "timeout");
		if (timeout.isNegative()) {
			throw new IllegalArgumentException("timeout of awaitFinished for job " + id + " must not be negative, was "
					+ timeout);
		}
		return this.awaiter.awaitFinished(id, timeout);
	}

	@Override
	public List<JobView> jobs(JobQuery query) {
		return this.store.jobs(Objects.requireNonNull(query, "query"));
	}

	@Override
	public long count(JobQuery query) {
		return this.store.count(Objects.requireNonNull(query, "query"));
	}

	@Override
	public JobStats stats() {
		return this.statsReader.read();
	}

	@Override
	public Optional<String> argumentsOf(JobId id) {
		return this.store.payload(Objects.requireNonNull(id, "id"));
	}

	@Override
	public Throughput throughput(Duration window) {
		Objects.requireNonNull(window, "window");
		if (window.compareTo(MIN_THROUGHPUT_WINDOW) < 0 || window.compareTo(MAX_THROUGHPUT_WINDOW) > 0) {
			throw new IllegalArgumentException("A throughput window runs from " + MIN_THROUGHPUT_WINDOW + " to "
					+ MAX_THROUGHPUT_WINDOW + ", was " + window);
		}
		return this.throughputReader.read(window);
	}

	@Override
	public BulkResult cancelAll(JobQuery query) {
		return bulk(narrow(query, JobStatus.PENDING, "cancelAll"), (step, upTo) -> {
			BulkStep done = this.store.cancelStep(step, upTo);
			if (this.events.enabled()) {
				// Each step committed on its own, never in the caller's transaction: told at once.
				this.events.publishLater(done.changedJobs()
					.stream()
					.map((job) -> TaskEvents.cancelled(job.id(), job.taskName(), job.queue()))
					.toList());
			}
			return done;
		});
	}

	@Override
	public BulkResult retryAll(JobQuery query) {
		BulkResult result = bulk(narrow(query, JobStatus.DEAD, "retryAll"), this.store::retryStep);
		if (result.changed() > 0) {
			fireEnqueued();
		}
		return result;
	}

	private static JobQuery narrow(JobQuery query, JobStatus status, String operation) {
		Objects.requireNonNull(query, "query");
		if (!query.matchesStatus(status)) {
			throw new IllegalArgumentException(operation + " touches only " + status + " jobs, but the query asks for "
					+ query.statuses() + "; drop the status filter or include " + status);
		}
		return query.status(status).limit(BULK_BATCH_SIZE);
	}

	private BulkResult bulk(JobQuery query, BulkOperation step) {
		Optional<JobId> newest = this.store.newestId(query);
		if (newest.isEmpty()) {
			return new BulkResult(0, 0);
		}
		JobId upTo = newest.get();
		long changed = 0;
		long skipped = 0;
		JobQuery next = query;
		while (true) {
			BulkStep done = step.apply(next, upTo);
			changed += done.changed();
			skipped += done.skipped();
			if (done.last() == null || done.last().compareTo(upTo) >= 0) {
				return new BulkResult(changed, skipped);
			}
			next = query.after(done.last());
		}
	}

	@Override
	public boolean reschedule(JobId id, Instant runAt) {
		Objects.requireNonNull(runAt, "runAt");
		boolean moved = this.store.reschedule(Objects.requireNonNull(id, "id"), runAt);
		if (moved) {
			fireEnqueued();
		}
		return moved;
	}

	@Override
	public boolean delete(JobId id) {
		return this.store.delete(Objects.requireNonNull(id, "id"));
	}

	@Override
	public void pauseQueue(String queue) {
		this.store.setQueuePaused(requireQueue(queue, "pauseQueue"), true);
		this.pauseListeners.forEach(Runnable::run);
	}

	@Override
	public void resumeQueue(String queue) {
		this.store.setQueuePaused(requireQueue(queue, "resumeQueue"), false);
		this.pauseListeners.forEach(Runnable::run);
		fireEnqueued();
	}

	@Override
	public Set<String> pausedQueues() {
		return new TreeSet<>(this.store.pausedQueues());
	}

	@Override
	public List<ScheduleView> schedules() {
		return this.scheduleOperations.schedules();
	}

	@Override
	public void pauseSchedule(String task) {
		this.scheduleOperations.pauseSchedule(task);
	}

	@Override
	public void resumeSchedule(String task) {
		this.scheduleOperations.resumeSchedule(task);
	}

	private static String requireQueue(String queue, String operation) {
		if (queue == null || queue.isBlank()) {
			throw new IllegalArgumentException(operation + " needs a queue name, was '" + queue + "'");
		}
		return queue;
	}

	@FunctionalInterface
	private interface BulkOperation {

		BulkStep apply(JobQuery query, JobId upTo);

	}

}
