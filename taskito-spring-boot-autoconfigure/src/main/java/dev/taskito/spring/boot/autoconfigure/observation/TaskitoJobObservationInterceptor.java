package dev.taskito.spring.boot.autoconfigure.observation;

import java.util.function.BooleanSupplier;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import dev.taskito.JobExecutionInterceptor;

/**
 * Runs each attempt inside a {@code taskito.job} observation on the worker's thread. The
 * observation is a receiver: with Micrometer Tracing, its span continues the trace whose
 * context {@link TaskitoTraceHeadersContributor} stored with the job at enqueue, as a
 * child of the enqueuing span, on whichever instance runs the job. A handler that throws
 * ends the observation with its error. Whether it observes at all is asked of a supplier
 * (see {@link TaskitoObservationProperties#getEnabled()}): an attempt it does not observe just
 * proceeds.
 */
public class TaskitoJobObservationInterceptor implements JobExecutionInterceptor {

	private static final TaskitoJobObservationConvention DEFAULT = new DefaultTaskitoJobObservationConvention();

	private final ObservationRegistry registry;

	private final TaskitoJobObservationConvention convention;

	private final BooleanSupplier observing;

	/**
	 * @param registry the registry
	 * @param convention the application's convention, or {@code null} for the default
	 */
	public TaskitoJobObservationInterceptor(ObservationRegistry registry, TaskitoJobObservationConvention convention) {
		this(registry, convention, () -> true);
	}

	/**
	 * @param registry the registry
	 * @param convention the application's convention, or {@code null} for the default
	 * @param observing whether to observe an attempt, asked at each (cheaply: see
	 *        {@link TaskitoObservationAutoConfiguration}, which answers once and keeps it)
	 */
	public TaskitoJobObservationInterceptor(ObservationRegistry registry, TaskitoJobObservationConvention convention,
			BooleanSupplier observing) {
		this.registry = registry;
		this.convention = convention;
		this.observing = observing;
	}

	@Override
	public Object intercept(Execution execution) throws Exception {
		if (!this.observing.getAsBoolean()) {
			return execution.proceed();
		}
		Observation observation = Observation.createNotStarted(this.convention, DEFAULT,
				() -> new TaskitoJobObservationContext(execution), this.registry);
		return observation.observeChecked(execution::proceed);
	}

}
