package dev.taskito.spring.boot.autoconfigure.observation;

import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.function.SingletonSupplier;

/**
 * Tracing of jobs, when the application has an {@link ObservationRegistry}: every attempt
 * runs in a {@code taskito.job} observation ({@link TaskitoJobObservationInterceptor}), and
 * with Micrometer Tracing on the classpath the trace current at enqueue travels with the
 * job ({@link TaskitoTraceHeadersContributor}), so the observation's span continues it.
 * The tracer and propagator are looked up at the first enqueue, so their
 * auto-configuration (Brave or OpenTelemetry) may come in any order. Each bean backs off
 * for one of its type.
 */
@AutoConfiguration(afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnSingleCandidate(ObservationRegistry.class)
public final class TaskitoObservationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	TaskitoJobObservationInterceptor taskitoJobObservationInterceptor(ObservationRegistry registry,
			ObjectProvider<TaskitoJobObservationConvention> convention) {
		return new TaskitoJobObservationInterceptor(registry, convention.getIfUnique());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ Tracer.class, Propagator.class })
	static class TraceHeadersConfiguration {

		@Bean
		@ConditionalOnMissingBean
		TaskitoTraceHeadersContributor taskitoTraceHeadersContributor(ObjectProvider<Tracer> tracer,
				ObjectProvider<Propagator> propagator) {
			return new TaskitoTraceHeadersContributor(SingletonSupplier.of(tracer::getIfUnique),
					SingletonSupplier.of(propagator::getIfUnique));
		}

	}

}
