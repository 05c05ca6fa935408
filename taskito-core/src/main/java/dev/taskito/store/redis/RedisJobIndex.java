package dev.taskito.store.redis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.store.BulkStep;
import dev.taskito.store.FinishedCounts;
import dev.taskito.store.JobCounts;

/**
 * Jobs found through the store's index rather than by id: listing, counting, the newest
 * match, the steps of a bulk cancel or retry, the counts per (task, queue), and the sweep
 * that indexes jobs stored before the index existed. The index is a set of job ids per
 * (status, queue and task) with score 0, read in id order with {@code ZRANGEBYLEX} (see
 * {@code docs/redis.md}); no call scans the jobs.
 *
 * <p>What the index cannot tell (a due-time range, PENDING jobs among the active set's RUNNING
 * ones) is checked on each job, in scripts that each look at a bounded number of index
 * entries and say where they stopped; the calls here go on from there until the page is full
 * or the index is exhausted, so that no script holds Redis long. Each script is atomic and
 * the walk only moves forward by id, so a job that matches for a whole walk is seen once.
 */
final class RedisJobIndex {

	/** About the most index entries one listing script looks at. */
	static final int PAGE_BUDGET = 2000;

	/** About the most index entries one counting script looks at (it reads two fields each). */
	static final int COUNT_BUDGET = 5000;

	/** About the most index entries one bulk step looks at, whatever its limit. */
	static final int STEP_BUDGET = 2000;

	/** How many keys one step of the start-up sweep looks at. */
	static final int SWEEP_SCAN_COUNT = 1000;

	private static final int JOB_WIDTH = 1 + RedisJobAdmin.VIEW_FIELDS.size();

	private final RedisScripts scripts;

	RedisJobIndex(RedisScripts scripts) {
		this.scripts = scripts;
	}

	/**
	 * Indexes the jobs stored by a version that kept no index, in bounded steps that go on
	 * from a cursor kept in Redis, so that an instance that stops half way leaves the rest to
	 * the next. Once the sweep went round, a call costs one script that reads one key.
	 * @return how many steps it took
	 */
	int indexStoredJobs() {
		int steps = 0;
		while (true) {
			steps++;
			List<Object> reply = this.scripts.run("index_sweep", "index the jobs stored before the index",
					List.of(Integer.toString(SWEEP_SCAN_COUNT)));
			if (RedisScriptValues.number(reply) == 1) {
				return steps;
			}
		}
	}

	List<JobView> jobs(JobQuery query) {
		List<JobView> page = new ArrayList<>();
		String from = text(query.after());
		while (page.size() < query.limit()) {
			int want = Math.min(query.limit() - page.size(), PAGE_BUDGET);
			Chunk chunk = walk("list", query, from, want, PAGE_BUDGET, "list jobs");
			for (int i = 0; i < chunk.matched(); i++) {
				int at = 3 + i * JOB_WIDTH;
				page.add(RedisJobAdmin.view(JobId.parse(chunk.reply().get(at).toString()), chunk.reply(), at + 1));
			}
			if (chunk.exhausted()) {
				break;
			}
			from = chunk.last();
		}
		return page;
	}

	long count(JobQuery query) {
		long total = 0;
		String from = text(query.after());
		while (true) {
			Chunk chunk = walk("count", query, from, Integer.MAX_VALUE, COUNT_BUDGET, "count jobs");
			total += chunk.matched();
			if (chunk.exhausted()) {
				return total;
			}
			from = chunk.last();
		}
	}

	Optional<JobId> newestId(JobQuery query) {
		String below = "";
		while (true) {
			Chunk chunk = walk("newest", query, below, 1, PAGE_BUDGET, "find the newest job");
			if (chunk.matched() > 0) {
				return Optional.of(JobId.parse(chunk.reply().get(3).toString()));
			}
			if (chunk.exhausted()) {
				return Optional.empty();
			}
			below = chunk.last();
		}
	}

	BulkStep cancelStep(JobQuery query, JobId upTo) {
		return step("cancel_step", JobStatus.PENDING, query, upTo, "cancel pending jobs");
	}

	BulkStep retryStep(JobQuery query, JobId upTo) {
		return step("retry_step", JobStatus.DEAD, query, upTo, "retry dead jobs");
	}

	List<JobCounts> jobCounts() {
		List<Object> reply = this.scripts.run("job_counts", "count jobs per task and queue", List.of());
		List<JobCounts> counts = new ArrayList<>();
		for (int i = 0; i + 4 < reply.size(); i += 5) {
			counts.add(new JobCounts(reply.get(i).toString(), reply.get(i + 1).toString(),
					RedisScriptValues.number(reply.get(i + 2)), RedisScriptValues.number(reply.get(i + 3)),
					RedisScriptValues.number(reply.get(i + 4))));
		}
		counts.sort(Comparator.comparing(JobCounts::task).thenComparing(JobCounts::queue));
		return counts;
	}

	/**
	 * @param bounds at least two, as {@link dev.taskito.store.JobAdminStore#requireSliceBounds} checks them
	 */
	List<FinishedCounts> finishedCounts(List<JobId> bounds) {
		List<Object> reply = this.scripts.run("finished_counts", "count finished jobs",
				bounds.stream().map(JobId::toString).toList());
		List<FinishedCounts> counts = new ArrayList<>();
		for (int i = 0; i + 4 < reply.size(); i += 5) {
			counts.add(new FinishedCounts(reply.get(i).toString(), reply.get(i + 1).toString(),
					(int) RedisScriptValues.number(reply.get(i + 2)), RedisScriptValues.number(reply.get(i + 3)),
					RedisScriptValues.number(reply.get(i + 4))));
		}
		return counts;
	}

	private BulkStep step(String script, JobStatus status, JobQuery query, JobId upTo, String operation) {
		if (!query.matchesStatus(status)) {
			return new BulkStep(0, 0, null);
		}
		List<Object> reply = this.scripts.run(script, operation,
				List.of(text(query.task()), text(query.queue()), millis(query.dueFrom()), millis(query.dueBefore()),
						text(query.after()), upTo.toString(), Integer.toString(query.limit()),
						Integer.toString(STEP_BUDGET)));
		String last = reply.get(2).toString();
		List<BulkStep.ChangedJob> changed = new ArrayList<>();
		for (int i = 3; i + 2 < reply.size(); i += 3) {
			changed.add(new BulkStep.ChangedJob(JobId.parse(reply.get(i).toString()), reply.get(i + 1).toString(),
					reply.get(i + 2).toString()));
		}
		return new BulkStep((int) RedisScriptValues.number(reply.get(0)), (int) RedisScriptValues.number(reply.get(1)),
				last.isEmpty() ? null : JobId.parse(last), changed);
	}

	private Chunk walk(String mode, JobQuery query, String from, int want, int budget, String operation) {
		String statuses = query.statuses().stream().map(JobStatus::name).collect(Collectors.joining(","));
		List<Object> reply = this.scripts.run("jobs_page", operation,
				List.of(mode, statuses, text(query.task()), text(query.queue()), millis(query.dueFrom()),
						millis(query.dueBefore()), from, "", Integer.toString(want), Integer.toString(budget)));
		String last = reply.get(0).toString();
		// A chunk that stopped nowhere has nothing past it either.
		boolean exhausted = "1".equals(reply.get(1).toString()) || last.isEmpty();
		return new Chunk(last, exhausted, (int) RedisScriptValues.number(reply.get(2)), reply);
	}

	private static String text(Object value) {
		return (value != null) ? value.toString() : "";
	}

	/**
	 * Due times are whole milliseconds, so a bound within a millisecond is rounded up: a
	 * job due at {@code t} is at or after {@code from} (before {@code before}) exactly when
	 * {@code t} is at or after (before) the rounded bound.
	 */
	private static String millis(Instant instant) {
		if (instant == null) {
			return "";
		}
		long millis = instant.toEpochMilli();
		return Long.toString((instant.getNano() % 1_000_000 != 0) ? millis + 1 : millis);
	}

	/**
	 * One script's part of a walk: where it stopped, whether the index holds no more, how
	 * many jobs matched, and the reply holding them.
	 */
	private record Chunk(String last, boolean exhausted, int matched, List<Object> reply) {

	}

}
