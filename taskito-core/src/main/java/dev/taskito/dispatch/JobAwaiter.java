package dev.taskito.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.taskito.AwaitTimeoutException;
import dev.taskito.JobId;
import dev.taskito.JobView;
import dev.taskito.TaskitoException;
import dev.taskito.store.ClaimStore;

/**
 * Waits for jobs to finish ({@link DefaultTaskQueue#awaitFinished}): each waiter registers
 * before it marks its job as awaited and reads it, sleeps until the store tells of the job's
 * end, and reads the job again now and then in case a notification was lost.
 */
final class JobAwaiter {

	private final ClaimStore store;

	/** The callers waiting, per job: each releases its own semaphore. */
	private final Map<JobId, List<Semaphore>> waiting = new ConcurrentHashMap<>();

	private final Object listeningMonitor = new Object();

	private volatile boolean listening;

	private volatile Duration recheckInterval;

	JobAwaiter(ClaimStore store, Duration recheckInterval) {
		this.store = store;
		this.recheckInterval = recheckInterval;
	}

	void setRecheckInterval(Duration interval) {
		this.recheckInterval = interval;
	}

	JobView awaitFinished(JobId id, Duration timeout) {
		listenForFinishedJobs();
		long deadline = System.nanoTime() + timeout.toNanos();
		Semaphore finished = new Semaphore(0);
		this.waiting.computeIfAbsent(id, (key) -> new CopyOnWriteArrayList<>()).add(finished);
		try {
			// Registered before the mark and the read: a notification sent after the read is seen.
			JobView job = this.store.watch(id).orElseThrow(() -> missing(id));
			while (!job.status().isFinished()) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					throw new AwaitTimeoutException(job, timeout);
				}
				finished.tryAcquire(Math.min(left, this.recheckInterval.toNanos()), TimeUnit.NANOSECONDS);
				finished.drainPermits();
				job = this.store.find(id).orElseThrow(() -> missing(id));
			}
			return job;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new TaskitoException("Interrupted while awaiting job " + id + "; its state is unchanged", ex);
		}
		finally {
			this.waiting.computeIfPresent(id, (key, semaphores) -> {
				semaphores.remove(finished);
				return semaphores.isEmpty() ? null : semaphores;
			});
		}
	}

	private void listenForFinishedJobs() {
		if (!this.listening) {
			synchronized (this.listeningMonitor) {
				if (!this.listening) {
					this.store.addFinishedListener(this::finished);
					this.listening = true;
				}
			}
		}
	}

	private void finished(JobId id) {
		List<Semaphore> semaphores = this.waiting.get(id);
		if (semaphores != null) {
			semaphores.forEach(Semaphore::release);
		}
	}

	private static TaskitoException missing(JobId id) {
		return new TaskitoException("Job " + id + " does not exist: it was never enqueued, or it finished and was "
				+ "purged or deleted; await a job id that enqueue returned");
	}

}
