package dev.taskito.store;

import dev.taskito.JobId;

/**
 * What one bounded step of a bulk change did.
 *
 * @param changed the jobs changed
 * @param skipped the jobs the step looked at and left as they were
 * @param last the highest id the step looked at, where the next step starts after; or
 *        {@code null} when it found no job, and the walk is over
 */
public record BulkStep(int changed, int skipped, JobId last) {

}
