package dev.taskito.store.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.store.ReapedJob;

/**
 * Maintenance of the Redis store: taking back the jobs of expired leases (and of RUNNING
 * jobs with no lease at all), and deleting finished jobs past their retention. Both work in
 * bounded scripts ({@code reap.lua}, {@code purge.lua}) called until there is no more to do
 * (a purge call stops after {@value #PURGE_MAX_PER_CALL} jobs), so none holds Redis for long;
 * each script is atomic, so a failure part way leaves every job either handled or as it was,
 * for the next call.
 */
final class RedisMaintenance {

	/** How many leases or finished jobs one reap or purge script handles, to keep each short. */
	private static final int SWEEP_SIZE = 500;

	/**
	 * How many keys each reap looks at, continuing a SCAN shared by all instances, for
	 * RUNNING jobs without a lease: only a hand-made or corrupted job is in that state, so the
	 * sweep is slow and cheap (about a millisecond of Redis time per reap).
	 */
	private static final int SCAN_SIZE = 1000;

	/**
	 * Finished jobs one purge call looks at most, so that it ends in seconds whatever the
	 * backlog; the next call goes on.
	 */
	private static final int PURGE_MAX_PER_CALL = 200 * SWEEP_SIZE;

	private final RedisScripts scripts;

	RedisMaintenance(RedisScripts scripts) {
		this.scripts = scripts;
	}

	List<ReapedJob> reap(Duration grace, Instant reaperConnectedAt) {
		String connectedAtMillis = Long.toString(
				Objects.requireNonNull(reaperConnectedAt, "reaperConnectedAt").toEpochMilli());
		List<ReapedJob> reaped = new ArrayList<>();
		List<Object> reply;
		// The first call also sweeps on through the namespace for RUNNING jobs without a lease.
		int scanCount = SCAN_SIZE;
		do {
			reply = this.scripts.run("reap", "reap expired leases", List.of(Long.toString(Math.max(0, grace.toMillis())),
					Integer.toString(SWEEP_SIZE), Integer.toString(scanCount), connectedAtMillis));
			scanCount = 0;
			for (int i = 0; i + 3 < reply.size(); i += 4) {
				String instance = reply.get(i + 2).toString();
				reaped.add(new ReapedJob(JobId.parse(reply.get(i).toString()), reply.get(i + 1).toString(),
						instance.isEmpty() ? null : instance, JobStatus.valueOf(reply.get(i + 3).toString())));
			}
		}
		while (reply.size() / 4 >= SWEEP_SIZE);
		return reaped;
	}

	int purge(Duration succeeded, Duration dead) {
		int deleted = 0;
		int seen = 0;
		long seenNow;
		do {
			List<Object> reply = this.scripts.run("purge", "purge finished jobs",
					List.of(Long.toString(succeeded.toMillis()), Long.toString(dead.toMillis()),
							Integer.toString(SWEEP_SIZE)));
			deleted += (int) RedisScriptValues.number(reply.get(0));
			seenNow = RedisScriptValues.number(reply.get(1));
			seen += (int) seenNow;
		}
		while (seenNow >= SWEEP_SIZE && seen < PURGE_MAX_PER_CALL);
		return deleted;
	}

}
