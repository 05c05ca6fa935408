package dev.taskito.dispatch;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.slf4j.MDC;

import dev.taskito.JobExecutionInterceptor;
import dev.taskito.JobId;

/**
 * Calls a job's handler through the {@link JobExecutionInterceptor}s, the first added
 * outermost, with the job's id and task in the SLF4J {@link MDC} ({@link #MDC_JOB_ID},
 * {@link #MDC_TASK}) for as long as the interceptors and the handler run. The MDC keys are
 * put back as they were afterwards, so a job run on a caller's thread leaves that thread's
 * MDC as it found it.
 */
final class HandlerInvocation {

	/** The MDC key of the running job's id. */
	static final String MDC_JOB_ID = "taskito.jobId";

	/** The MDC key of the running job's task. */
	static final String MDC_TASK = "taskito.task";

	private final JobExecutionInterceptor[] interceptors;

	private final Consumer<RunningJob> onStart;

	/**
	 * @param interceptors the interceptors, the first outermost
	 * @param onStart told of each start first, inside the MDC (the start event)
	 */
	HandlerInvocation(List<JobExecutionInterceptor> interceptors, Consumer<RunningJob> onStart) {
		this.interceptors = interceptors.toArray(new JobExecutionInterceptor[0]);
		this.onStart = onStart;
	}

	/**
	 * Puts the job into the MDC, tells {@code onStart}, then runs the interceptor chain
	 * around the handler.
	 * @param job the job
	 * @param args its decoded arguments
	 * @return what the chain returned
	 * @throws Exception what the handler or an interceptor threw
	 */
	Object invoke(RunningJob job, Object[] args) throws Exception {
		String previousId = MDC.get(MDC_JOB_ID);
		String previousTask = MDC.get(MDC_TASK);
		MDC.put(MDC_JOB_ID, job.job.id().toString());
		MDC.put(MDC_TASK, job.job.taskName());
		try {
			this.onStart.accept(job);
			if (this.interceptors.length == 0) {
				return job.task.handler().handle(args, job);
			}
			return new Level(job, args, 0).proceed();
		}
		finally {
			restore(MDC_JOB_ID, previousId);
			restore(MDC_TASK, previousTask);
		}
	}

	private static void restore(String key, String previous) {
		if (previous == null) {
			MDC.remove(key);
		}
		else {
			MDC.put(key, previous);
		}
	}

	/**
	 * The chain from interceptor {@code index} on: what interceptor {@code index - 1} sees.
	 */
	private final class Level implements JobExecutionInterceptor.Execution {

		private final RunningJob job;

		private final Object[] args;

		private final int index;

		Level(RunningJob job, Object[] args, int index) {
			this.job = job;
			this.args = args;
			this.index = index;
		}

		@Override
		public JobId jobId() {
			return this.job.job.id();
		}

		@Override
		public String taskName() {
			return this.job.job.taskName();
		}

		@Override
		public String queue() {
			return this.job.job.queue();
		}

		@Override
		public int attempt() {
			return this.job.job.attempt();
		}

		@Override
		public Map<String, String> headers() {
			return this.job.job.headers();
		}

		@Override
		public Object proceed() throws Exception {
			if (this.index == HandlerInvocation.this.interceptors.length) {
				return this.job.task.handler().handle(this.args, this.job);
			}
			return HandlerInvocation.this.interceptors[this.index]
				.intercept(new Level(this.job, this.args, this.index + 1));
		}

		@Override
		public String toString() {
			return this.job.toString();
		}

	}

}
