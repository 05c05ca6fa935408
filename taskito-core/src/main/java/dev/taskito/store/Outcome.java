package dev.taskito.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How an attempt ended, as {@link ClaimStore#finish} records it. Every outcome removes the
 * claim, in the same transaction or script as the job's new status. Its text is storable
 * and bounded ({@link StorableText}) once it is made, so every store keeps the same.
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
	 * @param result the return value as JSON, or {@code null} for none; made storable as
	 *        {@link StorableText#result} says
	 */
	record Succeeded(ClaimRef claim, String result) implements Outcome {

		/**
		 * Checks the fields and makes the result storable.
		 * @throws IllegalArgumentException when the result is longer than
		 *         {@link StorableText#MAX_RESULT_LENGTH}
		 */
		public Succeeded {
			Objects.requireNonNull(claim, "claim");
			result = StorableText.result(result);
		}

	}

	/**
	 * The handler failed: the job is {@code PENDING} again after {@code retryDelay}, or
	 * {@code DEAD} when {@code retryDelay} is {@code null}. The attempt stays consumed.
	 *
	 * @param claim the claim
	 * @param error the failure's message and stack trace; made storable and cut as
	 *        {@link StorableText#error} says
	 * @param retryDelay when to try again, from the store's now, or {@code null} for DEAD
	 */
	record Failed(ClaimRef claim, String error, Duration retryDelay) implements Outcome {

		/**
		 * Checks the fields and makes the error storable.
		 */
		public Failed {
			Objects.requireNonNull(claim, "claim");
			error = StorableText.error(Objects.requireNonNull(error, "error"));
		}

		/**
		 * @return whether this failure ends the job as DEAD
		 */
		public boolean isDead() {
			return this.retryDelay == null;
		}

	}

}
