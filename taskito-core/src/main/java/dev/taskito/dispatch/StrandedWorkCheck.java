package dev.taskito.dispatch;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.StrandedWork;

/**
 * Makes stranded work visible: pending jobs of a task and queue that no live instance serves
 * (a task renamed, or moved to another queue, or a deploy that dropped a handler) would
 * otherwise wait forever without a word, holding their unique keys. Maintenance runs
 * {@link #run()} once per {@link #INTERVAL}; each run asks the store
 * ({@link ClaimStore#strandedWork}), warns once for each pair that became stranded or whose
 * backlog grew, says when a pair is no longer stranded, and keeps the latest figures for
 * metrics to read from any thread.
 *
 * <p>A failed run changes nothing: the figures stay those of the last run that reached the
 * store (the store's outage is reported where it matters, by the heartbeat).
 */
final class StrandedWorkCheck {

	/**
	 * How often maintenance runs the check; also how long it should wait before the first run,
	 * so that every instance of a rolling deploy has published what it serves.
	 */
	static final Duration INTERVAL = Duration.ofMinutes(1);

	/** The most jobs counted per task and queue: enough to size a backlog, never a long count. */
	static final int COUNT_LIMIT = 10_000;

	private static final Logger logger = LoggerFactory.getLogger(StrandedWorkCheck.class);

	private final ClaimStore store;

	private final String instanceId;

	/** The pending count last warned about, per pair: a warning repeats only when it grows. */
	private final Map<Pair, Long> warned = new HashMap<>();

	private volatile List<StrandedWork> latest = List.of();

	private volatile long strandedJobs;

	StrandedWorkCheck(ClaimStore store, String instanceId) {
		this.store = store;
		this.instanceId = instanceId;
	}

	/**
	 * One check. Called by one thread at a time (maintenance's); survives any store failure.
	 */
	void run() {
		List<StrandedWork> found;
		try {
			found = this.store.strandedWork(COUNT_LIMIT);
		}
		catch (RuntimeException ex) {
			logger.debug("Taskito instance {} could not look for stranded jobs; trying again in {}", this.instanceId,
					INTERVAL, ex);
			return;
		}
		Map<Pair, Long> now = new HashMap<>();
		for (StrandedWork work : found) {
			Pair pair = new Pair(work.task(), work.queue());
			now.put(pair, work.pending());
			Long before = this.warned.get(pair);
			if (before == null || work.pending() > before) {
				logger.warn("{} pending job(s) of task '{}' in queue '{}' wait for an instance that serves them: "
						+ "no live instance has a handler for task '{}' that claims from queue '{}'. Deploy one that "
						+ "does, or cancel the jobs (README, \"Stranded jobs\")", describe(work.pending()), work.task(),
						work.queue(), work.task(), work.queue());
				this.warned.put(pair, work.pending());
			}
		}
		for (Pair pair : List.copyOf(this.warned.keySet())) {
			if (!now.containsKey(pair)) {
				logger.info("No pending job of task '{}' in queue '{}' is stranded any more", pair.task(),
						pair.queue());
				this.warned.remove(pair);
			}
		}
		// A backlog that shrank is remembered at its new size, so that growing again warns again.
		now.forEach((pair, pending) -> this.warned.computeIfPresent(pair, (key, before) -> Math.min(before, pending)));
		this.latest = List.copyOf(found);
		this.strandedJobs = found.stream().mapToLong(StrandedWork::pending).sum();
	}

	/**
	 * @return the stranded pairs the last successful run found, by task then queue; each count
	 *         stops at {@link #COUNT_LIMIT}
	 */
	List<StrandedWork> strandedWork() {
		return this.latest;
	}

	/**
	 * @return the stranded jobs the last successful run found, in all (each pair counted up to
	 *         {@link #COUNT_LIMIT})
	 */
	long strandedJobs() {
		return this.strandedJobs;
	}

	private static String describe(long pending) {
		return (pending >= COUNT_LIMIT) ? "At least " + COUNT_LIMIT : Long.toString(pending);
	}

	private record Pair(String task, String queue) {
	}

}
