package dev.taskito.store;

import java.util.Objects;

/**
 * Asks a cluster-wide token bucket for tokens, or gives unused ones back.
 *
 * @param bucket the bucket's key, such as {@code task:send-email} or {@code queue:emails}
 * @param limit the bucket's rate and burst; a bucket starts full
 * @param count tokens wanted; a negative count gives tokens back (never above the burst)
 */
public record TokenRequest(String bucket, RateLimit limit, int count) {

	/**
	 * Checks the fields.
	 */
	public TokenRequest {
		Objects.requireNonNull(bucket, "bucket");
		Objects.requireNonNull(limit, "limit");
	}

}
