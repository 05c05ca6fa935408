package dev.taskito;

import java.util.Map;

/**
 * Wraps each attempt's handler on the thread that runs it: to open a trace span or an
 * observation around it, set a context, or time it. Interceptors nest in the order they
 * were added, the first outermost. The Spring Boot starter adds one that runs the handler
 * inside a {@code taskito.job} observation when an {@code ObservationRegistry} exists.
 */
@FunctionalInterface
public interface JobExecutionInterceptor {

	/**
	 * Runs the attempt, normally by calling {@link Execution#proceed()} once and returning
	 * what it returns.
	 * @param execution the attempt
	 * @return the handler's result
	 * @throws Exception what the handler (or the interceptor) threw, which fails the attempt
	 */
	Object intercept(Execution execution) throws Exception;

	/**
	 * One attempt of one job.
	 */
	interface Execution {

		/**
		 * @return the job's id
		 */
		JobId jobId();

		/**
		 * @return the task
		 */
		String taskName();

		/**
		 * @return the queue
		 */
		String queue();

		/**
		 * @return the attempt, from 1
		 */
		int attempt();

		/**
		 * @return the headers the job was enqueued with (see {@link JobHeadersContributor})
		 */
		Map<String, String> headers();

		/**
		 * Runs the rest of the chain, then the handler.
		 * @return the handler's result
		 * @throws Exception what the handler threw
		 */
		Object proceed() throws Exception;

	}

}
