package dev.taskito.spring.boot.autoconfigure.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the {@code taskito.job} observation; define a bean of this type to change
 * them.
 */
public interface TaskitoJobObservationConvention extends ObservationConvention<TaskitoJobObservationContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof TaskitoJobObservationContext;
	}

}
