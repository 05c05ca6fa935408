package dev.taskito.store;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * A live instance as its last heartbeat recorded it.
 *
 * @param instanceId the instance
 * @param heartbeatAt its last heartbeat, on the store's clock
 * @param expiresAt when its record lapses unless it beats again, on the store's clock
 * @param taskCaps the task caps it declares
 * @param queueCaps the queue caps it declares
 * @param tasks the tasks it serves, or {@code null} when its version does not say
 * @param queues the queues it serves, or {@code null} when its version does not say
 * @param running how many jobs it ran at its last heartbeat (the claims that heartbeat
 *        renewed or tried to), or {@code null} when its version does not say
 */
public record InstanceView(String instanceId, Instant heartbeatAt, Instant expiresAt, Map<String, Integer> taskCaps,
		Map<String, Integer> queueCaps, Set<String> tasks, Set<String> queues, Integer running) {

	/**
	 * An instance whose running jobs are not known, as before they were recorded.
	 * @param instanceId the instance
	 * @param heartbeatAt its last heartbeat
	 * @param expiresAt when its record lapses
	 * @param taskCaps the task caps it declares
	 * @param queueCaps the queue caps it declares
	 * @param tasks the tasks it serves, or {@code null}
	 * @param queues the queues it serves, or {@code null}
	 */
	public InstanceView(String instanceId, Instant heartbeatAt, Instant expiresAt, Map<String, Integer> taskCaps,
			Map<String, Integer> queueCaps, Set<String> tasks, Set<String> queues) {
		this(instanceId, heartbeatAt, expiresAt, taskCaps, queueCaps, tasks, queues, null);
	}

}
