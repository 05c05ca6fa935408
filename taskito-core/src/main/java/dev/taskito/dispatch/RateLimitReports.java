package dev.taskito.dispatch;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.taskito.store.ClaimedJob;

/**
 * Tells the listeners of due jobs a rate limit held back. A pass asks the buckets for tokens
 * before it knows whether any job is due, so a short grant alone proves nothing: a bucket
 * that granted fewer tokens than wanted is reported when its claim then took every token
 * granted (so more were due), or, granting none, when its last claim that had tokens did.
 */
final class RateLimitReports {

	private final TaskRegistry registry;

	private final TaskEvents events;

	/** Per bucket, whether its last claim with tokens took them all. */
	private final Map<String, Boolean> backlog = new ConcurrentHashMap<>();

	RateLimitReports(TaskRegistry registry, TaskEvents events) {
		this.registry = registry;
		this.events = events;
	}

	/**
	 * Runs under the pass lock.
	 * @param tokens the pass's tokens
	 * @param claimed what the pass claimed, or {@code null} when it claimed nothing at all
	 */
	void report(RateLimitTokens tokens, List<ClaimedJob> claimed) {
		if (!this.events.enabled()) {
			return;
		}
		JobTally took = (claimed != null) ? JobTally.of(claimed) : null;
		tokens.forEachBucket((bucket, task, name, wanted, granted) -> {
			boolean behind;
			if (granted > 0 && took != null) {
				behind = (task ? took.task(name) : took.queue(name)) >= granted;
				this.backlog.put(bucket, behind);
			}
			else {
				behind = this.backlog.getOrDefault(bucket, false);
			}
			if (granted < wanted && behind) {
				this.events.publishLater(task
						? TaskEvents.rateLimited(name,
								this.registry.find(name).map(TaskDefinition::queue).orElse(null), wanted - granted)
						: TaskEvents.rateLimited(null, name, wanted - granted));
			}
		});
	}

}
