package dev.taskito.store;

import java.util.List;
import java.util.Set;

/**
 * What {@link ClaimStore#finishAndClaim} did: the outcomes it recorded, and the jobs it
 * claimed or why it claimed none.
 *
 * @param recorded the claims whose outcome was recorded, as {@link ClaimStore#finish}
 *        answers
 * @param claimed the jobs claimed, as {@link ClaimStore#claim} answers, possibly none
 * @param claimFailure why the claim failed after the outcomes were recorded, or
 *        {@code null}; a {@link StoreUnavailableException} means its answer was lost and it
 *        may have committed, so the caller resolves it by its batch id with
 *        {@link ClaimStore#recoverClaim}
 */
public record FinishAndClaim(Set<ClaimRef> recorded, List<ClaimedJob> claimed, RuntimeException claimFailure) {

	public FinishAndClaim {
		recorded = Set.copyOf(recorded);
		claimed = List.copyOf(claimed);
	}

	/**
	 * @return whether the claim's answer was lost, so that it may have committed
	 */
	public boolean claimUnknown() {
		return this.claimFailure instanceof StoreUnavailableException;
	}

}
