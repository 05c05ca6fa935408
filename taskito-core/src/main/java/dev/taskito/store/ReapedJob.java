package dev.taskito.store;

import dev.taskito.JobId;
import dev.taskito.JobStatus;

/**
 * A job the reaper took back from an expired claim.
 *
 * @param jobId the job
 * @param taskName its task
 * @param instanceId the instance whose lease expired
 * @param status {@code PENDING} when it has retries left, else {@code DEAD}
 */
public record ReapedJob(JobId jobId, String taskName, String instanceId, JobStatus status) {

}
