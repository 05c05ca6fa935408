package dev.taskito.spring.boot.autoconfigure.observation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobHeadersContributor;

/**
 * Stores the trace current at enqueue with the job, written by the application's
 * {@link Propagator} (a W3C {@code traceparent}, with Spring Boot's default propagation
 * type), so that the job's {@code taskito.job} observation continues it. Adds nothing when
 * no trace is current or the application has no tracer.
 */
public class TaskitoTraceHeadersContributor implements JobHeadersContributor {

	private final Supplier<Tracer> tracer;

	private final Supplier<Propagator> propagator;

	/**
	 * @param tracer the tracer, or a supplier of {@code null} when there is none
	 * @param propagator the propagator, or a supplier of {@code null} when there is none
	 */
	public TaskitoTraceHeadersContributor(Supplier<Tracer> tracer, Supplier<Propagator> propagator) {
		this.tracer = tracer;
		this.propagator = propagator;
	}

	@Override
	public Map<String, String> headersFor(EnqueueRequest request) {
		Tracer currentTracer = this.tracer.get();
		Propagator currentPropagator = this.propagator.get();
		if (currentTracer == null || currentPropagator == null) {
			return Map.of();
		}
		TraceContext context = currentTracer.currentTraceContext().context();
		if (context == null) {
			return Map.of();
		}
		Map<String, String> headers = new LinkedHashMap<>(4);
		currentPropagator.inject(context, headers, (carrier, key, value) -> {
			if (carrier != null && key != null && value != null) {
				carrier.put(key, value);
			}
		});
		return headers;
	}

}
