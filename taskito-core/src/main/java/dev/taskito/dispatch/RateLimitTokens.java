package dev.taskito.dispatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.RateLimit;
import dev.taskito.store.TokenRequest;

/**
 * Rate-limit tokens for one dispatch pass, taken from the cluster-wide buckets in the
 * store before the claim (one store call for every bucket), and the unused ones given
 * back after it, so that a pass that claimed less than it asked for does not waste the
 * rate.
 */
final class RateLimitTokens {

	private static final Logger logger = LoggerFactory.getLogger(RateLimitTokens.class);

	private final List<TokenRequest> requests = new ArrayList<>();

	private Map<String, Integer> granted = Map.of();

	/**
	 * Asks for up to {@code wanted} tokens of a task's bucket.
	 */
	void wantForTask(String task, RateLimit limit, int wanted) {
		this.requests.add(new TokenRequest("task:" + task, limit, wanted));
	}

	/**
	 * Asks for up to {@code wanted} tokens of a queue's bucket.
	 */
	void wantForQueue(String queue, RateLimit limit, int wanted) {
		this.requests.add(new TokenRequest("queue:" + queue, limit, wanted));
	}

	/**
	 * Takes what was asked for, in one store call.
	 */
	void take(ClaimStore store) {
		if (!this.requests.isEmpty()) {
			this.granted = store.takeTokens(this.requests);
		}
	}

	/**
	 * @return the tokens granted per task, for the tasks that asked
	 */
	Map<String, Integer> grantedToTasks() {
		return granted(true);
	}

	/**
	 * @return the tokens granted per queue, for the queues that asked
	 */
	Map<String, Integer> grantedToQueues() {
		return granted(false);
	}

	private Map<String, Integer> granted(boolean tasks) {
		Map<String, Integer> byName = new HashMap<>();
		for (TokenRequest request : this.requests) {
			if (isTaskBucket(request) == tasks) {
				byName.put(bucketName(request), this.granted.getOrDefault(request.bucket(), 0));
			}
		}
		return byName;
	}

	/**
	 * Reports, for each bucket asked, how many tokens it was asked for and how many it granted.
	 */
	void forEachBucket(BucketConsumer consumer) {
		for (TokenRequest request : this.requests) {
			consumer.accept(request.bucket(), isTaskBucket(request), bucketName(request), request.count(),
					this.granted.getOrDefault(request.bucket(), 0));
		}
	}

	/** What {@link #forEachBucket} reports. */
	@FunctionalInterface
	interface BucketConsumer {

		/**
		 * @param bucket the bucket's key
		 * @param task whether it is a task's bucket (else a queue's)
		 * @param name the task or queue
		 * @param wanted the tokens asked for
		 * @param granted the tokens granted
		 */
		void accept(String bucket, boolean task, String name, int wanted, int granted);

	}

	/**
	 * Gives back the tokens taken but not used by the claimed jobs. A failure only loses the
	 * unused tokens: the rate runs a little under its limit for a moment.
	 * @param used the claimed jobs per task and queue
	 */
	void giveBackUnused(ClaimStore store, JobTally used) {
		if (this.requests.isEmpty()) {
			return;
		}
		List<TokenRequest> giveBack = new ArrayList<>();
		for (TokenRequest request : this.requests) {
			String name = bucketName(request);
			int usedTokens = isTaskBucket(request) ? used.task(name) : used.queue(name);
			int unused = this.granted.getOrDefault(request.bucket(), 0) - usedTokens;
			if (unused > 0) {
				giveBack.add(new TokenRequest(request.bucket(), request.limit(), -unused));
			}
		}
		if (!giveBack.isEmpty()) {
			try {
				store.takeTokens(giveBack);
			}
			catch (RuntimeException ex) {
				logger.debug("Could not give back {} unused rate-limit token bucket(s)", giveBack.size(), ex);
			}
		}
	}

	private static boolean isTaskBucket(TokenRequest request) {
		return request.bucket().startsWith("task:");
	}

	private static String bucketName(TokenRequest request) {
		return request.bucket().substring(request.bucket().indexOf(':') + 1);
	}

}
