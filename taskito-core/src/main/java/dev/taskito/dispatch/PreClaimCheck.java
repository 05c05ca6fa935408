package dev.taskito.dispatch;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;

/**
 * Step 2 of the dispatch flow (see {@link DispatchPass}): how much a claim may take. No more
 * than the free worker slots (and the batch size); only tasks this instance has a handler
 * for, in active queues; no task or queue whose cap this instance alone already fills or that
 * was just seen saturated ({@link CapBook}); and no more than the rate limits' tokens, taken
 * from the cluster-wide buckets in one store call. The request also names the cluster caps,
 * for the store to gate the claim atomically.
 */
final class PreClaimCheck {

	private final ClaimStore store;

	private final TaskRegistry registry;

	private final DispatcherSettings settings;

	private final CapBook caps;

	private final HeldClaims held;

	private final WorkerPool workers;

	private final RateLimitReports rateLimits;

	PreClaimCheck(ClaimStore store, TaskRegistry registry, DispatcherSettings settings, CapBook caps, HeldClaims held,
			WorkerPool workers, RateLimitReports rateLimits) {
		this.store = store;
		this.registry = registry;
		this.settings = settings;
		this.caps = caps;
		this.held = held;
		this.workers = workers;
		this.rateLimits = rateLimits;
	}

	/**
	 * @param queues the active queues
	 * @param finishing the claims that end with this claim (none for a claim on its own)
	 * @param maxJobs the most jobs the claim may take (the batch size, or 1 on a caller's thread)
	 * @return the claim request with the tokens taken for it, or {@code null} when nothing may
	 * be claimed
	 */
	DispatchPass.PreClaimGates gates(Set<String> queues, JobTally finishing, int maxJobs) {
		int limit = Math.min(this.workers.freeSlots(), maxJobs);
		if (limit <= 0 || queues.isEmpty()) {
			return null;
		}
		long now = System.nanoTime();
		RateLimitTokens tokens = new RateLimitTokens();
		Map<String, Integer> taskLimits = new LinkedHashMap<>();
		for (TaskDefinition task : this.registry.tasks()) {
			int taskLimit = limit;
			int cap = this.caps.taskCap(task.name());
			if (cap > 0) {
				if (this.caps.isTaskSaturated(task.name(), now)) {
					continue;
				}
				// Our own claims count against the cap too: never claim what we alone would push over it.
				taskLimit = Math.min(taskLimit, cap - this.held.ofTask(task.name()) + finishing.task(task.name()));
			}
			if (taskLimit <= 0) {
				continue;
			}
			if (task.rateLimit() != null) {
				tokens.wantForTask(task.name(), task.rateLimit(), taskLimit);
			}
			taskLimits.put(task.name(), taskLimit);
		}
		Map<String, Integer> queueLimits = new HashMap<>();
		Set<String> claimable = new HashSet<>();
		for (String queue : queues) {
			QueueDefinition definition = this.registry.queue(queue);
			int queueLimit = limit;
			int cap = this.caps.queueCap(queue);
			if (cap > 0) {
				if (this.caps.isQueueSaturated(queue, now)) {
					continue;
				}
				queueLimit = Math.min(queueLimit, cap - this.held.ofQueue(queue) + finishing.queue(queue));
			}
			if (queueLimit <= 0) {
				continue;
			}
			if (definition.rateLimit() != null) {
				tokens.wantForQueue(queue, definition.rateLimit(), queueLimit);
			}
			if (queueLimit < limit) {
				queueLimits.put(queue, queueLimit);
			}
			claimable.add(queue);
		}
		if (taskLimits.isEmpty() || claimable.isEmpty()) {
			return null;
		}
		tokens.take(this.store);
		tokens.grantedToTasks().forEach((task, granted) -> taskLimits.merge(task, granted, Math::min));
		tokens.grantedToQueues().forEach((queue, granted) -> queueLimits.merge(queue, granted, Math::min));
		taskLimits.values().removeIf((taskLimit) -> taskLimit <= 0);
		queueLimits.forEach((queue, queueLimit) -> {
			if (queueLimit <= 0) {
				claimable.remove(queue);
			}
		});
		queueLimits.keySet().retainAll(claimable);
		if (taskLimits.isEmpty() || claimable.isEmpty()) {
			this.rateLimits.report(tokens, null);
			tokens.giveBackUnused(this.store, new JobTally());
			return null;
		}
		ClaimRequest request = new ClaimRequest(this.settings.instanceId(), this.settings.leaseDuration(), limit,
				claimable, taskLimits, queueLimits)
			.withCaps(this.caps.taskCaps(taskLimits.keySet()), this.caps.queueCaps(claimable))
			.withKeyCaps(this.caps.keyCaps(taskLimits.keySet()));
		return new DispatchPass.PreClaimGates(request, tokens);
	}

}
