package dev.taskito.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How an attempt ended, as {@link ClaimStore#finish} records it. Every outcome removes the
 * claim, in the same transaction or script as the job's new status.
 */
public sealed interface Outcome {

	/**
	 * @return the claim the outcome is for
	 */
	ClaimRef claim();

	/**
	 * The handler returned: the job is {@code SUCCEEDED} with its result.
	 *
	 * @param claim the claim
	 * @param result the return value as JSON, or {@code null} for none
	 */
	record Succeeded(ClaimRef claim, String result) implements Outcome {

		/**
		 * Checks the fields.
		 */
		public Succeeded {
			Objects.requireNonNull(claim, "claim");
		}

	}

	/**
	 * The handler failed: the job is {@code PENDING} again after {@code retryDelay}, or
	 * {@code DEAD} when {@code retryDelay} is {@code null}. The attempt stays consumed.
	 *
	 * @param claim the claim
	 * @param error the failure's message and stack trace
	 * @param retryDelay when to try again, from the store's now, or {@code null} for DEAD
	 */
	record Failed(ClaimRef claim, String error, Duration retryDelay) implements Outcome {

		/**
		 * Checks the fields.
		 */
		public Failed {
			Objects.requireNonNull(claim, "claim");
			Objects.requireNonNull(error, "error");
		}

		/**
		 * @return whether this failure ends the job as DEAD
		 */
		public boolean isDead() {
			return this.retryDelay == null;
		}

	}

}
