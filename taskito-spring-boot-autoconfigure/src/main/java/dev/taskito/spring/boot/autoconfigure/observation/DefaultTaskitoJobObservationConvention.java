package dev.taskito.spring.boot.autoconfigure.observation;

import io.micrometer.common.KeyValues;

/**
 * The default {@code taskito.job} observation: low-cardinality keys {@code task} and
 * {@code queue}, high-cardinality {@code job.id} and {@code attempt}.
 */
public class DefaultTaskitoJobObservationConvention implements TaskitoJobObservationConvention {

	/** The observation's name. */
	public static final String NAME = "taskito.job";

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(TaskitoJobObservationContext context) {
		return "taskito.job " + context.getExecution().taskName();
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(TaskitoJobObservationContext context) {
		return KeyValues.of("task", context.getExecution().taskName(), "queue", context.getExecution().queue());
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(TaskitoJobObservationContext context) {
		return KeyValues.of("job.id", String.valueOf(context.getExecution().jobId()), "attempt",
				String.valueOf(context.getExecution().attempt()));
	}

}
