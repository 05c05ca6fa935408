package dev.taskito.store;

import java.util.Objects;
import java.util.UUID;

import dev.taskito.JobId;

/**
 * A claim as it fences every later write: the job and the token its claim was written
 * with. A write naming a token that is no longer the job's claim changes nothing.
 *
 * @param jobId the claimed job
 * @param token the claim's token, fresh for every claim
 */
public record ClaimRef(JobId jobId, UUID token) {

	/**
	 * Checks the fields.
	 */
	public ClaimRef {
		Objects.requireNonNull(jobId, "jobId");
		Objects.requireNonNull(token, "token");
	}

}
