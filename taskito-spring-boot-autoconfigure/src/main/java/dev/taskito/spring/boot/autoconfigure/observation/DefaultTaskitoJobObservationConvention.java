package dev.taskito.spring.boot.autoconfigure.observation;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.common.KeyValues;

/**
 * The default {@code taskito.job} observation: low-cardinality keys {@code task} and
 * {@code queue}, high-cardinality {@code job.id} and {@code attempt}.
 *
 * <p>The low-cardinality key values of a task and queue are built once and kept: building
 * them sorts and copies, and was a tenth of the observation's CPU per job in the
 * benchmark's {@code --instrumentation} measurement. There are as many as the application
 * has (task, queue) pairs.
 */
public class DefaultTaskitoJobObservationConvention implements TaskitoJobObservationConvention {

	/** The observation's name. */
	public static final String NAME = "taskito.job";

	/** By task, then queue: two lookups and no key allocation per job. */
	private final Map<String, Map<String, KeyValues>> lowCardinality = new ConcurrentHashMap<>();

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
		String task = context.getExecution().taskName();
		String queue = context.getExecution().queue();
		Map<String, KeyValues> byQueue = this.lowCardinality.get(task);
		if (byQueue == null) {
			byQueue = this.lowCardinality.computeIfAbsent(task, (key) -> new ConcurrentHashMap<>());
		}
		KeyValues found = byQueue.get(queue);
		if (found == null) {
			found = byQueue.computeIfAbsent(queue, (key) -> KeyValues.of("task", task, "queue", key));
		}
		return found;
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(TaskitoJobObservationContext context) {
		return KeyValues.of("job.id", String.valueOf(context.getExecution().jobId()), "attempt",
				String.valueOf(context.getExecution().attempt()));
	}

}
