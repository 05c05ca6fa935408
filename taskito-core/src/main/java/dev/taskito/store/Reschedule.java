package dev.taskito.store;

import java.time.Duration;
import java.util.Objects;

/**
 * Gives a claimed job back without using up its attempt: the claim goes, the job is
 * {@code PENDING} again, due {@code delay} from the store's now, and its attempt count is
 * what it was before the claim. Used for a claim rejected by a cap after the fact, and for
 * jobs released at shutdown before (or after) their handler ran.
 *
 * @param claim the claim to give back
 * @param delay when the job is due again, from the store's now
 */
public record Reschedule(ClaimRef claim, Duration delay) {

	/**
	 * Checks the fields.
	 */
	public Reschedule {
		Objects.requireNonNull(claim, "claim");
		Objects.requireNonNull(delay, "delay");
	}

}
