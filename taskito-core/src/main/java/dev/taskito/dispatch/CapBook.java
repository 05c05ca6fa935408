package dev.taskito.dispatch;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.ServedWork;

/**
 * What this instance knows about concurrency caps: the caps it declares, the smallest cap
 * any live instance declares (which admission uses, so a rolling deploy never runs more
 * than either version allows), and which caps were lately seen full or rejecting, so that
 * the dispatch pass does not claim (and roll back) their jobs again until a slot frees.
 *
 * <p>Saturation is only a hint that saves round trips: the post-claim count alone decides
 * admission, so a stale entry can delay a claim by at most the poll interval, never pass a
 * cap. Thread-safe: the dispatch pass, the outcome recorder, the lease keeper and wake-ups
 * from other instances read and write it concurrently.
 */
final class CapBook {

	/** The shortest pause after a cap rejected a claim; it doubles with each rejection in a row. */
	private static final long REJECTION_BACKOFF_MIN_MILLIS = 5;

	private final TaskRegistry registry;

	private final Duration pollInterval;

	/** Tasks and queues seen full or just rejecting, until this time or the next wake-up. */
	private final Map<String, Long> saturatedUntilNanos = new ConcurrentHashMap<>();

	/** Rejections in a row per task and queue, for the backoff after a rejection. */
	private final Map<String, Integer> consecutiveRejections = new ConcurrentHashMap<>();

	private volatile ClaimCounts clusterCaps = new ClaimCounts(Map.of(), Map.of());

	private static final String PER_KEY_MARK = TaskDefinition.PER_KEY_CAP_MARK;

	CapBook(TaskRegistry registry, Duration pollInterval) {
		this.registry = registry;
		this.pollInterval = pollInterval;
	}

	// ------------------------------------------------------------------ declared and cluster caps

	/**
	 * @return the caps this instance declares per capped task, published with its heartbeat
	 */
	Map<String, Integer> declaredTaskCaps() {
		Map<String, Integer> caps = new HashMap<>();
		for (TaskDefinition task : this.registry.tasks()) {
			if (task.isCapped()) {
				caps.put(task.name(), task.maxConcurrent());
			}
			if (task.isCappedPerKey()) {
				caps.put(task.name() + PER_KEY_MARK, task.maxConcurrentPerKey());
			}
		}
		return caps;
	}

	/**
	 * @return the caps this instance declares per capped queue, published with its heartbeat
	 */
	Map<String, Integer> declaredQueueCaps() {
		Map<String, Integer> caps = new HashMap<>();
		for (QueueDefinition queue : this.registry.configuredQueues()) {
			if (queue.isCapped()) {
				caps.put(queue.name(), queue.maxConcurrent());
			}
		}
		return caps;
	}

	/**
	 * @return what this instance claims, published with its heartbeat beside its caps so that
	 *         pending work no live instance serves can be reported
	 */
	ServedWork served() {
		return this.registry.served();
	}

	/**
	 * @param clusterCaps the smallest caps the live instances declare, as the last heartbeat read them
	 */
	void clusterCapsRead(ClaimCounts clusterCaps) {
		this.clusterCaps = clusterCaps;
	}

	/**
	 * The cap admission uses for a task: the smallest that this instance or any live
	 * instance declares, so a rolling deploy never runs more than either version allows.
	 * @param task the task
	 * @return the cap, 0 for none
	 */
	int taskCap(String task) {
		int local = this.registry.find(task).map(TaskDefinition::maxConcurrent).orElse(0);
		return smallestCap(local, this.clusterCaps.task(task));
	}

	/**
	 * The cap per concurrency key admission uses for a task: the smallest that this instance
	 * or any live instance declares, as for {@link #taskCap}.
	 * @param task the task
	 * @return the cap per key, 0 for none
	 */
	int keyCap(String task) {
		int local = this.registry.find(task).map(TaskDefinition::maxConcurrentPerKey).orElse(0);
		return smallestCap(local, this.clusterCaps.task(task + PER_KEY_MARK));
	}

	/**
	 * @return the positive caps per key of the named tasks, read once (see {@link #taskCaps})
	 */
	Map<String, Integer> keyCaps(Collection<String> tasks) {
		return capsOf(tasks, this::keyCap);
	}

	/**
	 * @param queue the queue
	 * @return the cap admission uses for the queue, 0 for none
	 */
	int queueCap(String queue) {
		return smallestCap(this.registry.queue(queue).maxConcurrent(), this.clusterCaps.queue(queue));
	}

	private static int smallestCap(int a, int b) {
		if (a <= 0) {
			return Math.max(b, 0);
		}
		return (b <= 0) ? a : Math.min(a, b);
	}

	/**
	 * @return whether the job counts against a task or queue cap, so that its end frees a capped slot
	 */
	boolean isCapped(ClaimedJob job) {
		return taskCap(job.taskName()) > 0 || queueCap(job.queue()) > 0
				|| (job.concurrencyKey() != null && keyCap(job.taskName()) > 0);
	}

	/**
	 * The caps of the capped ones among some tasks, read once: what the store gates a claim
	 * by, and what the post-claim check counts and decides by, so that one decision never
	 * mixes two readings of a cap that a heartbeat changed meanwhile.
	 * @return the positive caps of the named tasks
	 */
	Map<String, Integer> taskCaps(Collection<String> tasks) {
		return capsOf(tasks, this::taskCap);
	}

	/**
	 * @return the positive caps of the named queues
	 * @see #taskCaps
	 */
	Map<String, Integer> queueCaps(Collection<String> queues) {
		return capsOf(queues, this::queueCap);
	}

	private static Map<String, Integer> capsOf(Collection<String> names, ToIntFunction<String> cap) {
		Map<String, Integer> caps = new HashMap<>();
		for (String name : names) {
			int value = cap.applyAsInt(name);
			if (value > 0) {
				caps.put(name, value);
			}
		}
		return caps;
	}

	// ------------------------------------------------------------------ saturation

	boolean isTaskSaturated(String task, long nowNanos) {
		return isSaturated("task:" + task, nowNanos);
	}

	boolean isQueueSaturated(String queue, long nowNanos) {
		return isSaturated("queue:" + queue, nowNanos);
	}

	private boolean isSaturated(String key, long nowNanos) {
		Long until = this.saturatedUntilNanos.get(key);
		return until != null && until - nowNanos > 0;
	}

	/**
	 * Forgets every cap seen full: a slot was freed here or on another instance, so what
	 * looked saturated may not be any more.
	 */
	void slotFreed() {
		this.saturatedUntilNanos.clear();
	}

	/**
	 * Remembers the caps a post-claim count found filled by admitted claims, so the next
	 * passes do not claim (and roll back) their jobs until a wake-up says a slot was freed
	 * somewhere. A cap that rejected part of the batch is not remembered as full: the claims
	 * that over-filled it may be other dispatchers' claims that are being rolled back right
	 * now.
	 * @param counts the post-claim count
	 * @param batch the batch's claims per task and per queue
	 * @param admitted the admitted claims per task and per queue
	 */
	void markFullCaps(ClaimCounts counts, JobTally batch, JobTally admitted) {
		long until = System.nanoTime() + this.pollInterval.toNanos();
		counts.byTask().forEach((task, count) -> markIfFull("task:" + task, taskCap(task), count,
				batch.task(task), admitted.task(task), until));
		counts.byQueue().forEach((queue, count) -> markIfFull("queue:" + queue, queueCap(queue), count,
				batch.queue(queue), admitted.queue(queue), until));
	}

	private void markIfFull(String key, int cap, int count, int inBatch, int admitted, long untilNanos) {
		if (admitted > 0) {
			this.consecutiveRejections.remove(key);
		}
		int running = count - inBatch + admitted;
		if (cap > 0 && running >= cap && admitted == inBatch) {
			this.saturatedUntilNanos.put(key, untilNanos);
		}
	}

	/**
	 * Backs off from a cap that rejected a claim, for a random time that doubles with each
	 * rejection in a row (up to the poll interval). Dispatchers that collided all rejected
	 * together; a random, growing pause lets one of them claim alone next time, where a
	 * fixed pause would have them collide again in lockstep.
	 */
	void backOffAfterRejection(ClaimedJob job, long nowNanos) {
		if (taskCap(job.taskName()) > 0) {
			backOff("task:" + job.taskName(), nowNanos);
		}
		if (queueCap(job.queue()) > 0) {
			backOff("queue:" + job.queue(), nowNanos);
		}
	}

	private void backOff(String key, long nowNanos) {
		int rejections = this.consecutiveRejections.merge(key, 1, Integer::sum);
		long maxMillis = Math.min(this.pollInterval.toMillis(),
				REJECTION_BACKOFF_MIN_MILLIS << Math.min(rejections - 1, 16));
		long millis = ThreadLocalRandom.current().nextLong(maxMillis / 2, maxMillis + 1);
		this.saturatedUntilNanos.put(key, nowNanos + TimeUnit.MILLISECONDS.toNanos(millis));
	}

	/**
	 * @return how long until the first remembered saturation ends, at most {@code maxMillis}
	 */
	long millisUntilSaturationEnds(long maxMillis) {
		long now = System.nanoTime();
		long soonest = maxMillis;
		for (long until : this.saturatedUntilNanos.values()) {
			long millis = TimeUnit.NANOSECONDS.toMillis(until - now);
			if (millis >= 0 && millis < soonest) {
				soonest = Math.max(millis, 1);
			}
		}
		return soonest;
	}

}
