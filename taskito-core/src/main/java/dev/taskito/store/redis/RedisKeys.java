package dev.taskito.store.redis;

import dev.taskito.JobId;

/**
 * The namespace of a store and the few keys the Java side reads itself. The scripts get the
 * namespace as their only key and name every other key from it in {@code lib.lua}, so the
 * full layout is written down there (and in {@code docs/redis.md}); what is here must agree
 * with it.
 */
final class RedisKeys {

	private final String namespace;

	/**
	 * @param keyPrefix the prefix, such as {@code taskito:}
	 * @throws IllegalArgumentException when the prefix makes an empty namespace
	 */
	RedisKeys(String keyPrefix) {
		this.namespace = namespaceOf(keyPrefix);
	}

	/**
	 * Turns a key prefix into the namespace every key starts with: the prefix without its
	 * trailing colon, in braces (a Cluster hash tag), then a colon. A prefix that already has
	 * a hash tag is used as it is.
	 * @param keyPrefix the prefix, such as {@code taskito:}
	 * @return the namespace, such as <code>{taskito}:</code>
	 */
	static String namespaceOf(String keyPrefix) {
		if (keyPrefix.matches(".*\\{[^}]+}.*")) {
			return keyPrefix.endsWith(":") ? keyPrefix : keyPrefix + ":";
		}
		String name = keyPrefix.endsWith(":") ? keyPrefix.substring(0, keyPrefix.length() - 1) : keyPrefix;
		if (name.isEmpty()) {
			throw new IllegalArgumentException("keyPrefix must not be empty; use such as \"taskito:\"");
		}
		return "{" + name + "}:";
	}

	/**
	 * @return the namespace every key starts with, such as <code>{taskito}:</code>
	 */
	String namespace() {
		return this.namespace;
	}

	/**
	 * @param id a job's id
	 * @return the hash holding the job and, while it runs, its claim
	 */
	String job(JobId id) {
		return this.namespace + "job:" + id;
	}

	/**
	 * @return the set of paused queues
	 */
	String pausedQueues() {
		return this.namespace + "paused";
	}

	/**
	 * @return the channel the scripts publish wake-ups on
	 */
	String wakeUpChannel() {
		return this.namespace + "wakeup";
	}

	/**
	 * @return the channel the scripts announce finished awaited jobs on
	 */
	String finishedChannel() {
		return this.namespace + "finished";
	}

}
