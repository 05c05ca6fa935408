package dev.taskito.store.redis;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import dev.taskito.JobId;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.FinishAndClaim;
import dev.taskito.store.Outcome;
import dev.taskito.store.Reschedule;
import dev.taskito.store.StoredHeaders;
import dev.taskito.store.TaskKey;

/**
 * The claim path of the Redis store: claiming due jobs, reading a lost claim back, counting
 * claims, giving claims back and recording outcomes, as {@link ClaimStore} describes them.
 * Each call is one script ({@code dequeue.lua}, {@code recover.lua}, {@code count.lua},
 * {@code rollback.lua}, {@code finish.lua}), so a job's status and its claim change together
 * or not at all; rollback and finish act only on claims whose token still matches. A call
 * that fails throws {@link dev.taskito.store.StoreUnavailableException} when its outcome is
 * unknown: a claim is then found again by its batch id, and a repeated finish answers as the
 * first did. Outcomes and a claim after them go in one round trip ({@link #finishAndClaim}).
 */
final class RedisClaims {

	/** Fields per claimed job in the replies of {@code dequeue.lua} and {@code recover.lua}. */
	private static final int CLAIM_FIELDS = 14;

	private final RedisScripts scripts;

	RedisClaims(RedisScripts scripts) {
		this.scripts = scripts;
	}

	List<ClaimedJob> claim(ClaimRequest request, UUID batchId) {
		RedisScripts.Run run = claimRun(request, batchId);
		return claimedJobs(this.scripts.run(run.name(), run.operation(), run.args()));
	}

	private static RedisScripts.Run claimRun(ClaimRequest request, UUID batchId) {
		List<String> args = new ArrayList<>();
		args.add(request.instanceId());
		args.add(Long.toString(request.lease().toMillis()));
		args.add(Integer.toString(request.limit()));
		args.add(batchId.toString());
		// The batch's record outlives every claim in it unless heartbeats renew them, which
		// is all recoverClaim needs: an unrenewed claim is reaped after lease and grace.
		args.add(Long.toString(Math.max(Duration.ofMinutes(10).toMillis(), request.lease().toMillis() * 4)));
		args.add(Integer.toString(request.queues().size()));
		args.addAll(request.queues());
		RedisScriptValues.addCounts(args, request.taskLimits());
		RedisScriptValues.addCounts(args, request.queueLimits());
		RedisScriptValues.addCounts(args, request.taskCaps());
		RedisScriptValues.addCounts(args, request.queueCaps());
		RedisScriptValues.addCounts(args, request.keyCaps());
		for (int i = 0; i < request.limit(); i++) {
			args.add(freshToken().toString());
		}
		return new RedisScripts.Run("dequeue", "claim jobs for instance " + request.instanceId(), args);
	}

	List<ClaimedJob> recoverClaim(String instanceId, UUID batchId) {
		return claimedJobs(
				this.scripts.run("recover", "recover claim batch " + batchId, List.of(instanceId, batchId.toString())));
	}

	ClaimCounts countClaims(Set<String> tasks, Set<String> queues, Set<TaskKey> keys) {
		List<String> taskList = List.copyOf(tasks);
		List<String> queueList = List.copyOf(queues);
		List<TaskKey> keyList = List.copyOf(keys);
		List<String> args = new ArrayList<>();
		args.add(Integer.toString(taskList.size()));
		args.addAll(taskList);
		args.add(Integer.toString(queueList.size()));
		args.addAll(queueList);
		for (TaskKey key : keyList) {
			args.add(key.task());
			args.add(key.key());
		}
		List<Object> reply = this.scripts.run("count", "count claims", args);
		Map<String, Integer> byTask = new HashMap<>();
		Map<String, Integer> byQueue = new HashMap<>();
		// Like the JDBC store's GROUP BY, a task or queue without claims is left out.
		for (int i = 0; i < taskList.size(); i++) {
			putIfClaimed(byTask, taskList.get(i), RedisScriptValues.number(reply.get(i)));
		}
		for (int i = 0; i < queueList.size(); i++) {
			putIfClaimed(byQueue, queueList.get(i), RedisScriptValues.number(reply.get(taskList.size() + i)));
		}
		Map<TaskKey, Integer> byKey = new HashMap<>();
		int keysAt = taskList.size() + queueList.size();
		for (int i = 0; i < keyList.size(); i++) {
			putIfClaimed(byKey, keyList.get(i), RedisScriptValues.number(reply.get(keysAt + i)));
		}
		return new ClaimCounts(byTask, byQueue, byKey);
	}

	private static <K> void putIfClaimed(Map<K, Integer> counts, K name, long count) {
		if (count > 0) {
			counts.put(name, (int) count);
		}
	}

	Set<ClaimRef> rollback(List<Reschedule> reschedules) {
		if (reschedules.isEmpty()) {
			return Set.of();
		}
		List<String> args = new ArrayList<>();
		for (Reschedule reschedule : reschedules) {
			RedisScriptValues.addClaim(args, reschedule.claim());
			args.add(Long.toString(Math.max(0, reschedule.delay().toMillis())));
		}
		List<Object> reply = this.scripts.run("rollback", "roll back " + reschedules.size() + " claims", args);
		return RedisScriptValues.claimsOf(reply);
	}

	Set<ClaimRef> finish(List<Outcome> outcomes, boolean wakeOthers) {
		if (outcomes.isEmpty()) {
			return Set.of();
		}
		RedisScripts.Run run = finishRun(outcomes, wakeOthers);
		return RedisScriptValues.claimsOf(this.scripts.run(run.name(), run.operation(), run.args()));
	}

	/**
	 * Records outcomes, then claims, in one round trip: {@code dequeue.lua} is sent right
	 * behind {@code finish.lua}, so it sees the claims the outcomes released. Each script is
	 * atomic on its own, as when they are called one after the other. When the outcomes fail,
	 * the claim sent behind them may still have claimed jobs that nobody will run: they are
	 * given back, attempt and all, before the outcomes' failure is thrown as {@link #finish}
	 * throws it.
	 */
	FinishAndClaim finishAndClaim(List<Outcome> outcomes, boolean wakeOthers, ClaimRequest request, UUID batchId) {
		RedisScripts.Replies replies = this.scripts.runBoth(finishRun(outcomes, wakeOthers),
				claimRun(request, batchId));
		RedisScripts.Answer finish = replies.first();
		RedisScripts.Answer claim = replies.second();
		if (finish.failure() != null) {
			giveBack(claim, finish.failure());
			throw finish.failure();
		}
		Set<ClaimRef> recorded = RedisScriptValues.claimsOf(finish.reply());
		if (claim.failure() != null) {
			return new FinishAndClaim(recorded, List.of(), claim.failure());
		}
		return new FinishAndClaim(recorded, claimedJobs(claim.reply()), null);
	}

	private void giveBack(RedisScripts.Answer claim, RuntimeException finishFailure) {
		if (claim.failure() != null) {
			// Claimed nothing; or its answer was lost, and then whatever it claimed is found by its
			// batch id as after any lost claim when the outcomes' failure is an outage too, and
			// otherwise is taken back by the reaper once its unrenewed leases expire.
			return;
		}
		List<Reschedule> reschedules = new ArrayList<>();
		for (ClaimedJob job : claimedJobs(claim.reply())) {
			reschedules.add(new Reschedule(job.claim(), Duration.ZERO));
		}
		try {
			rollback(reschedules);
		}
		catch (RuntimeException ex) {
			finishFailure.addSuppressed(ex);
		}
	}

	private static RedisScripts.Run finishRun(List<Outcome> outcomes, boolean wakeOthers) {
		List<String> args = new ArrayList<>();
		args.add(wakeOthers ? "1" : "0");
		for (Outcome outcome : outcomes) {
			if (outcome instanceof Outcome.Succeeded succeeded) {
				args.add((succeeded.result() != null) ? "R" : "S");
				RedisScriptValues.addClaim(args, outcome.claim());
				args.add((succeeded.result() != null) ? succeeded.result() : "");
				args.add("0");
			}
			else if (outcome instanceof Outcome.Failed failed) {
				args.add(failed.isDead() ? "D" : "F");
				RedisScriptValues.addClaim(args, outcome.claim());
				args.add(failed.error());
				args.add(failed.isDead() ? "0" : Long.toString(Math.max(0, failed.retryDelay().toMillis())));
			}
		}
		return new RedisScripts.Run("finish", "record " + outcomes.size() + " outcomes", args);
	}

	private static List<ClaimedJob> claimedJobs(List<Object> reply) {
		List<ClaimedJob> jobs = new ArrayList<>(reply.size() / CLAIM_FIELDS);
		for (int i = 0; i + CLAIM_FIELDS - 1 < reply.size(); i += CLAIM_FIELDS) {
			String timeout = reply.get(i + 7).toString();
			String runAt = reply.get(i + 10).toString();
			String scheduled = reply.get(i + 13).toString();
			JobId id = JobId.parse(reply.get(i).toString());
			jobs.add(new ClaimedJob(new ClaimRef(id, UUID.fromString(reply.get(i + 1).toString())),
					reply.get(i + 2).toString(), reply.get(i + 3).toString(), reply.get(i + 4).toString(),
					(int) RedisScriptValues.number(reply.get(i + 5)), (int) RedisScriptValues.number(reply.get(i + 6)),
					timeout.isEmpty() ? null : Duration.ofMillis(Long.parseLong(timeout)),
					(int) RedisScriptValues.number(reply.get(i + 8)),
					Instant.ofEpochMilli(RedisScriptValues.number(reply.get(i + 9))),
					runAt.isEmpty() ? null : Instant.ofEpochMilli(new BigDecimal(runAt).longValue()),
					StoredHeaders.decode(reply.get(i + 11).toString(), id), keyOf(reply.get(i + 12)),
					scheduled.isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(scheduled))));
		}
		return jobs;
	}

	private static String keyOf(Object value) {
		String key = value.toString();
		return key.isEmpty() ? null : key;
	}

	/**
	 * A random version 4 UUID. Claim tokens fence writes against stale workers; they need to
	 * be unique, not secret, so the fast thread-local generator will do.
	 */
	private static UUID freshToken() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		long most = (random.nextLong() & ~0xF000L) | 0x4000L;
		long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(most, least);
	}

}
