package dev.taskito.dispatch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.JobView;
import dev.taskito.TaskQueue;
import dev.taskito.TaskitoException;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.NewJob;

/**
 * The {@link TaskQueue} over a {@link ClaimStore}: validates each request against the
 * registered task, resolves its options, stores it, and wakes the local dispatchers once
 * the job is visible (after the caller's commit, through the after-commit executor).
 */
public final class DefaultTaskQueue implements TaskQueue {

	private final ClaimStore store;

	private final TaskRegistry registry;

	private final List<Runnable> enqueueListeners = new CopyOnWriteArrayList<>();

	private volatile Executor afterCommitExecutor = Runnable::run;

	/**
	 * @param store the store
	 * @param registry the tasks that may be enqueued
	 */
	public DefaultTaskQueue(ClaimStore store, TaskRegistry registry) {
		this.store = Objects.requireNonNull(store, "store");
		this.registry = Objects.requireNonNull(registry, "registry");
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
		this.afterCommitExecutor.execute(this::fireEnqueued);
		return ids;
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
				request.timeout());
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
		return this.store.cancel(id);
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

}
