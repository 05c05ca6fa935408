package dev.taskito.spring.boot.autoconfigure.observation;

import java.util.Map;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;

import dev.taskito.JobExecutionInterceptor;

/**
 * The context of a {@code taskito.job} observation: one attempt of one job, received with
 * the headers it was enqueued with, from which a tracing handler continues the enqueuer's
 * trace.
 */
public class TaskitoJobObservationContext extends ReceiverContext<Map<String, String>> {

	private final JobExecutionInterceptor.Execution execution;

	/**
	 * @param execution the attempt
	 */
	public TaskitoJobObservationContext(JobExecutionInterceptor.Execution execution) {
		super((carrier, key) -> carrier.get(key), Kind.CONSUMER);
		this.execution = execution;
		setCarrier(execution.headers());
		setRemoteServiceName("taskito");
	}

	/**
	 * @return the attempt
	 */
	public JobExecutionInterceptor.Execution getExecution() {
		return this.execution;
	}

}
