package dev.taskito.store;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One instance's heartbeat: it is alive, it declares these caps, it serves these tasks and
 * queues, and it still runs these claims.
 *
 * @param instanceId the instance, unique per process start
 * @param lease how long the instance and each renewed claim live from the store's now
 * @param taskCaps the caps this instance declares per task (only capped tasks)
 * @param queueCaps the caps this instance declares per queue (only capped queues)
 * @param served the tasks and queues this instance claims from, kept with its record until it
 *        expires or is removed, so that {@link ClaimStore#strandedWork} can tell which pending
 *        jobs no live instance runs
 * @param claims the claims to renew
 */
public record Heartbeat(String instanceId, Duration lease, Map<String, Integer> taskCaps,
		Map<String, Integer> queueCaps, ServedWork served, Collection<ClaimRef> claims) {

	/**
	 * Checks and copies the fields.
	 */
	public Heartbeat {
		Objects.requireNonNull(instanceId, "instanceId");
		Objects.requireNonNull(lease, "lease");
		taskCaps = Map.copyOf(taskCaps);
		queueCaps = Map.copyOf(queueCaps);
		Objects.requireNonNull(served, "served");
		claims = List.copyOf(claims);
	}

}
