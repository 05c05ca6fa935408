package dev.taskito.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.JobId;
import dev.taskito.TaskEvent;
import dev.taskito.TaskListener;
import dev.taskito.store.ClaimedJob;

/**
 * Tells {@link TaskListener}s of {@link TaskEvent}s, either on the calling thread
 * ({@link #publish}: a start, an outcome) or on one bounded thread of its own
 * ({@link #publishLater}: outcomes, enqueues, cancellations, rejected claims), which drops an
 * event and counts it rather than block the queue when the listeners fall behind. Events
 * published together (a batch of outcomes just committed) cross to that thread in one
 * hand-off: one queue insertion and at most one wake-up per batch, not per job.
 *
 * <p>A listener that says it never blocks ({@link TaskListener#isNonBlocking()}, as the
 * metrics listener does) is told on the publishing thread even by {@link #publishLater}: a
 * batch crosses to the listeners' thread only when some listener may block, so a cluster
 * that only records metrics pays no hand-off and no thread wake-up per batch.
 *
 * <p>A listener that throws is logged (once per listener and failure, then at debug level)
 * and never affects a job or another listener. With no listener, {@link #enabled()} is
 * {@code false} and callers build no event at all: the hot path allocates nothing.
 */
final class TaskEvents {

	private static final Logger logger = LoggerFactory.getLogger(TaskEvents.class);

	/** How many events may wait for the listeners' thread before new ones are dropped. */
	static final int QUEUE_CAPACITY = 4096;

	private final List<TaskListener> listeners = new CopyOnWriteArrayList<>();

	/** The listeners that never block, told on the publishing thread. */
	private final List<TaskListener> nonBlocking = new CopyOnWriteArrayList<>();

	/** The listeners that may block, told on the listeners' thread by {@link #publishLater}. */
	private final List<TaskListener> mayBlock = new CopyOnWriteArrayList<>();

	private final String owner;

	private final AtomicLong dropped = new AtomicLong();

	/** Events handed to the listeners' thread and not yet told: at most {@link #QUEUE_CAPACITY}. */
	private final AtomicInteger waiting = new AtomicInteger();

	/** The failure last logged per listener, so that one that repeats is logged once. */
	private final Map<TaskListener, String> lastFailure = new ConcurrentHashMap<>();

	private final Object executorMonitor = new Object();

	/** Made at the first event for it; {@code null} before. */
	private volatile ThreadPoolExecutor executor;

	private volatile boolean closed;

	/**
	 * @param listeners the listeners, in the order they are told
	 * @param owner whose events these are (an instance id, or the task queue), for the log
	 */
	TaskEvents(List<TaskListener> listeners, String owner) {
		this.owner = owner;
		listeners.forEach(this::add);
	}

	/**
	 * Adds a listener, told of events published from now on.
	 */
	void add(TaskListener listener) {
		this.listeners.add(listener);
		(listener.isNonBlocking() ? this.nonBlocking : this.mayBlock).add(listener);
	}

	/**
	 * @return whether any listener is registered; when not, build no event
	 */
	boolean enabled() {
		return !this.listeners.isEmpty();
	}

	/**
	 * Tells every listener now, on the calling thread.
	 */
	void publish(TaskEvent event) {
		tell(this.listeners, event);
	}

	private void tell(List<TaskListener> listeners, TaskEvent event) {
		for (TaskListener listener : listeners) {
			try {
				listener.onEvent(event);
			}
			catch (Throwable ex) {
				listenerFailed(listener, event, ex);
			}
		}
	}

	/**
	 * Tells the listeners that never block now, on the calling thread, and the others on the
	 * listeners' thread, or drops the event for those (and counts it) when
	 * {@link #QUEUE_CAPACITY} events already wait.
	 */
	void publishLater(TaskEvent event) {
		publishLater(List.of(event));
	}

	/**
	 * Tells the listeners that never block of each event now, on the calling thread, and the
	 * others on the listeners' thread, in order, handing the events over at once; drops them
	 * all for those (and counts them) when they would take the events waiting past
	 * {@link #QUEUE_CAPACITY}.
	 */
	void publishLater(List<TaskEvent> events) {
		int count = events.size();
		if (count == 0) {
			return;
		}
		if (!this.nonBlocking.isEmpty()) {
			for (TaskEvent event : events) {
				tell(this.nonBlocking, event);
			}
		}
		if (this.mayBlock.isEmpty()) {
			return;
		}
		ThreadPoolExecutor executor = executor();
		if (executor == null) {
			dropped(count);
			return;
		}
		if (this.waiting.addAndGet(count) > QUEUE_CAPACITY) {
			this.waiting.addAndGet(-count);
			dropped(count);
			return;
		}
		try {
			executor.execute(() -> {
				try {
					for (TaskEvent event : events) {
						tell(this.mayBlock, event);
					}
				}
				finally {
					this.waiting.addAndGet(-count);
				}
			});
		}
		catch (RuntimeException ex) {
			// Rejected by an executor shut down meanwhile (the dispatcher closed): dropped too.
			this.waiting.addAndGet(-count);
			dropped(count);
		}
	}

	private ThreadPoolExecutor executor() {
		ThreadPoolExecutor executor = this.executor;
		if (executor == null) {
			synchronized (this.executorMonitor) {
				if (this.closed) {
					return null;
				}
				executor = this.executor;
				if (executor == null) {
					// One thread keeps the events in the order they were published; it ends when
					// idle, so an owner that is never closed (a task queue) keeps no thread alive.
					// The queue is bounded by the count of waiting events, not of hand-offs.
					executor = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
							Threads.named("taskito-events-", true));
					executor.allowCoreThreadTimeOut(true);
					this.executor = executor;
				}
			}
		}
		return executor;
	}

	/**
	 * @return how many events were dropped because the listeners fell behind (or came after
	 *         {@link #close})
	 */
	long droppedEvents() {
		return this.dropped.get();
	}

	/**
	 * Lets the events already queued be told, for up to {@code timeoutNanos}, then stops the
	 * listeners' thread; events for it published after this are dropped.
	 */
	void close(long timeoutNanos) {
		ThreadPoolExecutor executor;
		synchronized (this.executorMonitor) {
			this.closed = true;
			executor = this.executor;
		}
		if (executor == null) {
			return;
		}
		executor.shutdown();
		try {
			executor.awaitTermination(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void dropped(int events) {
		long count = this.dropped.addAndGet(events);
		// Logged at the first drop and whenever the count passes a power of two: a flood stays
		// a few lines.
		if (Long.highestOneBit(count) != Long.highestOneBit(count - events)) {
			logger.warn("Taskito {}: {} event(s) dropped so far because the TaskListeners fell behind (more than {} "
					+ "waiting); make the listeners return quickly", this.owner, count, QUEUE_CAPACITY);
		}
	}

	private void listenerFailed(TaskListener listener, TaskEvent event, Throwable ex) {
		String signature = ex.getClass().getName() + ": " + ex.getMessage();
		if (signature.equals(this.lastFailure.put(listener, signature))) {
			logger.debug("TaskListener {} failed again on {} of job {}: {}", listener, event.type(), event.jobId(),
					signature);
		}
		else {
			logger.error("TaskListener {} of {} threw on {} of job {} of task '{}'; the job is not affected: fix the "
					+ "listener", listener, this.owner, event.type(), event.jobId(), event.taskName(), ex);
		}
	}

	// ------------------------------------------------------------------ events

	/** A job stored by this instance's task queue. */
	static TaskEvent enqueued(JobId id, String task, String queue) {
		return new TaskEvent(TaskEvent.Type.ENQUEUED, id, task, queue, 0, null, null, null, null, null, 1,
				Instant.now());
	}

	/** A pending job cancelled through this instance's task queue. */
	static TaskEvent cancelled(JobId id, String task, String queue) {
		return new TaskEvent(TaskEvent.Type.CANCELLED, id, task, queue, 0, null, null, null, null, null, 1,
				Instant.now());
	}

	/** A claim a cap rejected, given back without consuming an attempt. */
	static TaskEvent capRejected(ClaimedJob job) {
		return new TaskEvent(TaskEvent.Type.CAP_REJECTED, job.id(), job.taskName(), job.queue(), 0, job.dueAt(), null,
				null, null, null, 1, Instant.now());
	}

	/**
	 * Due jobs a rate limit held back; {@code task} is {@code null} for a queue's limit.
	 */
	static TaskEvent rateLimited(String task, String queue, int count) {
		return new TaskEvent(TaskEvent.Type.RATE_LIMITED, null, task, queue, 0, null, null, null, null, null, count,
				Instant.now());
	}

	/**
	 * @return how long from {@code dueAt} (the store's clock) to {@code startedAt} (this
	 *         JVM's), never negative, or {@code null} when the due time is not known
	 */
	static Duration waited(Instant dueAt, Instant startedAt) {
		if (dueAt == null || startedAt == null) {
			return null;
		}
		Duration waited = Duration.between(dueAt, startedAt);
		return waited.isNegative() ? Duration.ZERO : waited;
	}

	/**
	 * @return the first line of a failure as stored (its exception and message)
	 */
	static String firstLine(String error) {
		if (error == null) {
			return null;
		}
		int end = error.indexOf('\n');
		return (end < 0) ? error : error.substring(0, end).stripTrailing();
	}

}
