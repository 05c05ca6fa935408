package dev.taskito;

import java.util.Map;

/**
 * Adds headers to each job at enqueue, on the enqueuing thread: they are stored with the
 * job and handed to {@link JobExecutionInterceptor}s wherever it runs. The Spring Boot
 * starter adds one that writes the current trace as a W3C {@code traceparent}.
 */
@FunctionalInterface
public interface JobHeadersContributor {

	/**
	 * @param request the job being enqueued
	 * @return headers to add, possibly empty; names and values short, plain text
	 */
	Map<String, String> headersFor(EnqueueRequest request);

}
