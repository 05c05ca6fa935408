package dev.taskito.store;

import dev.taskito.JobId;
import dev.taskito.JobStatus;

/**
 * A job the reaper took back from an expired claim.
 *
 * @param jobId the job
 * @param taskName its task
 * @param instanceId the instance whose lease expired, or {@code null} for a {@code RUNNING}
 *        job that had no claim at all (a state only a change behind Taskito's back makes)
 * @param status {@code PENDING} when it has retries left, else {@code DEAD}
 */
public record ReapedJob(JobId jobId, String taskName, String instanceId, JobStatus status) {

}
