package dev.taskito.store.redis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;
import dev.taskito.store.StrandedWork;

/**
 * Leases and live instances: a heartbeat records that an instance is alive with its caps and
 * what it serves, and renews the leases of the claims it names in one script
 * ({@code heartbeat.lua}), answering with the claims it renewed, the smallest cap of every
 * live instance and the store's time; removing an instance forgets its caps and what it
 * served but leaves its claims to finish or expire. A heartbeat that fails renews nothing the
 * caller may count on: only the claims in an answer were renewed. The pending work no live
 * instance serves is found by {@code stranded.lua}, without reading any job.
 */
final class RedisLeases {

	private final RedisScripts scripts;

	RedisLeases(RedisScripts scripts) {
		this.scripts = scripts;
	}

	HeartbeatResult heartbeat(Heartbeat heartbeat) {
		List<String> args = new ArrayList<>();
		args.add(heartbeat.instanceId());
		args.add(Long.toString(heartbeat.lease().toMillis()));
		RedisScriptValues.addCounts(args, heartbeat.taskCaps());
		RedisScriptValues.addCounts(args, heartbeat.queueCaps());
		RedisScriptValues.addNames(args, new TreeSet<>(heartbeat.served().tasks()));
		RedisScriptValues.addNames(args, new TreeSet<>(heartbeat.served().queues()));
		for (ClaimRef claim : heartbeat.claims()) {
			RedisScriptValues.addClaim(args, claim);
		}
		List<Object> reply = this.scripts.run("heartbeat", "heartbeat of instance " + heartbeat.instanceId(), args);
		Set<ClaimRef> renewed = RedisScriptValues.claimsOf(RedisScriptValues.list(reply.get(0)));
		List<Object> caps = RedisScriptValues.list(reply.get(1));
		Map<String, Integer> taskCaps = new HashMap<>();
		Map<String, Integer> queueCaps = new HashMap<>();
		for (int i = 0; i + 1 < caps.size(); i += 2) {
			String name = caps.get(i).toString();
			int cap = (int) RedisScriptValues.number(caps.get(i + 1));
			(name.startsWith("t:") ? taskCaps : queueCaps).put(name.substring(2), cap);
		}
		return new HeartbeatResult(renewed, new ClaimCounts(taskCaps, queueCaps),
				Instant.ofEpochMilli(RedisScriptValues.number(reply.get(2))));
	}

	List<StrandedWork> strandedWork(int countLimit) {
		if (countLimit < 1) {
			throw new IllegalArgumentException("countLimit must be at least 1, was " + countLimit);
		}
		List<Object> reply = this.scripts.run("stranded", "find stranded work", List.of(Integer.toString(countLimit)));
		List<StrandedWork> stranded = new ArrayList<>();
		for (int i = 0; i + 2 < reply.size(); i += 3) {
			stranded.add(new StrandedWork(reply.get(i).toString(), reply.get(i + 1).toString(),
					RedisScriptValues.number(reply.get(i + 2))));
		}
		stranded.sort(StrandedWork.ORDER);
		return stranded;
	}

	void removeInstance(String instanceId) {
		this.scripts.run("remove_instance", "remove instance " + instanceId, List.of(instanceId));
	}

}
