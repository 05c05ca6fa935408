package dev.taskito;

/**
 * What a bulk {@link TaskQueue#cancelAll} or {@link TaskQueue#retryAll} did.
 *
 * @param changed the jobs cancelled or retried
 * @param skipped the jobs left as they were: for a retry, dead jobs whose unique key another
 *        pending or running job holds
 */
public record BulkResult(long changed, long skipped) {

}
