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
 * ends the observation with its error. Whether it observes at all may be decided at the
 * first attempt (see {@link TaskitoObservationProperties#getEnabled()}): an attempt it does
 * not observe just proceeds.
 */
public class TaskitoJobObservationInterceptor implements JobExecutionInterceptor {

	private static final TaskitoJobObservationConvention DEFAULT = new DefaultTaskitoJobObservationConvention();

	private final ObservationRegistry registry;

	private final TaskitoJobObservationConvention convention;

	private final BooleanSupplier observing;

	/** The answer of {@code observing}, once asked; a race asks twice, alike. */
	private volatile Boolean decided;

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
	 * @param observing whether to observe attempts, asked at the first attempt and kept
	 */
	public TaskitoJobObservationInterceptor(ObservationRegistry registry, TaskitoJobObservationConvention convention,
			BooleanSupplier observing) {
		this.registry = registry;
		this.convention = convention;
		this.observing = observing;
	}

	@Override
	public Object intercept(Execution execution) throws Exception {
		Boolean decided = this.decided;
		if (decided == null) {
			decided = this.observing.getAsBoolean();
			this.decided = decided;
		}
		if (!decided) {
			return execution.proceed();
		}
		Observation observation = Observation.createNotStarted(this.convention, DEFAULT,
				() -> new TaskitoJobObservationContext(execution), this.registry);
		return observation.observeChecked(execution::proceed);
	}

}
