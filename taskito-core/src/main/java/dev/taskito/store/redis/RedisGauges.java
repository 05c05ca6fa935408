package dev.taskito.store.redis;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.taskito.TaskitoDefaults;
import dev.taskito.store.ClusterGauges;
import dev.taskito.store.ClusterGauges.QueueGauge;
import dev.taskito.store.ClusterGauges.TaskGauge;
import dev.taskito.store.InstanceView;

/**
 * The cluster's gauges and live instances, each read by one script that reads no job and
 * writes nothing ({@code gauges.lua}, {@code live_instances.lua}), as
 * {@link dev.taskito.store.ClaimStore#gauges} and
 * {@link dev.taskito.store.ClaimStore#liveInstances} promise.
 */
final class RedisGauges {

	private final RedisScripts scripts;

	RedisGauges(RedisScripts scripts) {
		this.scripts = scripts;
	}

	ClusterGauges gauges(int countLimit, Map<String, Integer> keyCaps) {
		if (countLimit < 1) {
			throw new IllegalArgumentException("countLimit must be at least 1, was " + countLimit);
		}
		List<String> args = new ArrayList<>();
		args.add(Integer.toString(countLimit));
		keyCaps.forEach((task, cap) -> {
			args.add(task);
			args.add(Integer.toString(cap));
		});
		List<Object> reply = this.scripts.run("gauges", "read the gauges", args);
		List<Object> queueFields = RedisScriptValues.list(reply.get(1));
		List<QueueGauge> queues = new ArrayList<>();
		for (int i = 0; i + 3 < queueFields.size(); i += 4) {
			String oldest = queueFields.get(i + 3).toString();
			queues.add(new QueueGauge(queueFields.get(i).toString(), RedisScriptValues.number(queueFields.get(i + 1)),
					RedisScriptValues.number(queueFields.get(i + 2)), oldest.isEmpty() ? null : instant(oldest)));
		}
		queues.sort(Comparator.comparing(QueueGauge::queue));
		List<Object> keyFields = RedisScriptValues.list(reply.get(3));
		Map<String, Long> keysAtCap = new HashMap<>();
		for (int i = 0; i + 1 < keyFields.size(); i += 2) {
			keysAtCap.put(keyFields.get(i).toString(), RedisScriptValues.number(keyFields.get(i + 1)));
		}
		List<Object> taskFields = RedisScriptValues.list(reply.get(2));
		List<TaskGauge> tasks = new ArrayList<>();
		for (int i = 0; i + 1 < taskFields.size(); i += 2) {
			String task = taskFields.get(i).toString();
			tasks.add(new TaskGauge(task, RedisScriptValues.number(taskFields.get(i + 1)),
					keysAtCap.getOrDefault(task, 0L)));
		}
		tasks.sort(Comparator.comparing(TaskGauge::task));
		return new ClusterGauges(queues, tasks, Instant.ofEpochMilli(RedisScriptValues.number(reply.get(0))));
	}

	List<InstanceView> liveInstances() {
		List<Object> reply = this.scripts.run("live_instances", "read the live instances", List.of());
		List<InstanceView> live = new ArrayList<>();
		for (Object entry : reply) {
			List<Object> fields = RedisScriptValues.list(entry);
			Instant expiresAt = instant(fields.get(1).toString());
			String beat = fields.get(2).toString();
			List<Object> caps = RedisScriptValues.list(fields.get(3));
			Map<String, Integer> taskCaps = new HashMap<>();
			Map<String, Integer> queueCaps = new HashMap<>();
			for (int i = 0; i + 1 < caps.size(); i += 2) {
				String name = caps.get(i).toString();
				int cap = (int) RedisScriptValues.number(caps.get(i + 1));
				if (name.startsWith("t:")) {
					taskCaps.put(name.substring(2), cap);
				}
				else if (name.startsWith("q:")) {
					queueCaps.put(name.substring(2), cap);
				}
			}
			List<Object> served = RedisScriptValues.list(fields.get(4));
			Set<String> tasks = null;
			Set<String> queues = null;
			// An instance of an older version keeps no served set: it does not say.
			if (!served.isEmpty()) {
				tasks = new HashSet<>();
				queues = new HashSet<>();
				for (Object member : served) {
					String text = member.toString();
					if (text.startsWith("t:")) {
						tasks.add(text.substring(2));
					}
					else if (text.startsWith("q:")) {
						queues.add(text.substring(2));
					}
				}
			}
			// An instance of an older version records no heartbeat time: its record was written
			// for the default lease, as the JDBC store assumes of such rows.
			Instant heartbeatAt = beat.isEmpty() ? expiresAt.minus(TaskitoDefaults.LEASE_DURATION) : instant(beat);
			String running = (fields.size() > 5) ? fields.get(5).toString() : "";
			live.add(new InstanceView(fields.get(0).toString(), heartbeatAt, expiresAt, taskCaps, queueCaps,
					(tasks != null) ? Set.copyOf(tasks) : null, (queues != null) ? Set.copyOf(queues) : null,
					running.isEmpty() ? null : Integer.valueOf(running)));
		}
		return live;
	}

	/**
	 * @param millis milliseconds since the epoch as Redis wrote them (a sorted set's score
	 *        may come as a decimal)
	 */
	private static Instant instant(String millis) {
		return Instant.ofEpochMilli(new BigDecimal(millis).longValue());
	}

}
