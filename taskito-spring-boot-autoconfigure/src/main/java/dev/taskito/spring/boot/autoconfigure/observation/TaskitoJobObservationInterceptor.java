package dev.taskito.spring.boot.autoconfigure.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import dev.taskito.JobExecutionInterceptor;

/**
 * Runs each attempt inside a {@code taskito.job} observation on the worker's thread. The
 * observation is a receiver: with Micrometer Tracing, its span continues the trace whose
 * context {@link TaskitoTraceHeadersContributor} stored with the job at enqueue, as a
 * child of the enqueuing span, on whichever instance runs the job. A handler that throws
 * ends the observation with its error.
 */
public class TaskitoJobObservationInterceptor implements JobExecutionInterceptor {

	private static final TaskitoJobObservationConvention DEFAULT = new DefaultTaskitoJobObservationConvention();

	private final ObservationRegistry registry;

	private final TaskitoJobObservationConvention convention;

	/**
	 * @param registry the registry
	 * @param convention the application's convention, or {@code null} for the default
	 */
	public TaskitoJobObservationInterceptor(ObservationRegistry registry, TaskitoJobObservationConvention convention) {
		this.registry = registry;
		this.convention = convention;
	}

	@Override
	public Object intercept(Execution execution) throws Exception {
		Observation observation = Observation.createNotStarted(this.convention, DEFAULT,
				() -> new TaskitoJobObservationContext(execution), this.registry);
		return observation.observeChecked(execution::proceed);
	}

}
