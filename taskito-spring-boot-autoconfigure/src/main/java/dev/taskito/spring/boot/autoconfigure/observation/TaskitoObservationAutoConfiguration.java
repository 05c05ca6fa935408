package dev.taskito.spring.boot.autoconfigure.observation;

import java.util.function.BooleanSupplier;

import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;
import org.springframework.util.function.SingletonSupplier;

/**
 * Tracing of jobs, when the application has an {@link ObservationRegistry}: every attempt
 * runs in a {@code taskito.job} observation ({@link TaskitoJobObservationInterceptor}), and
 * with Micrometer Tracing on the classpath the trace current at enqueue travels with the
 * job ({@link TaskitoTraceHeadersContributor}), so the observation's span continues it.
 * The tracer and propagator are looked up at the first enqueue, so their
 * auto-configuration (Brave or OpenTelemetry) may come in any order. Each bean backs off
 * for one of its type. Without a tracer, attempts are not observed unless
 * {@code taskito.observation.enabled=true} (see {@link TaskitoObservationProperties}).
 */
@AutoConfiguration(afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnSingleCandidate(ObservationRegistry.class)
@EnableConfigurationProperties(TaskitoObservationProperties.class)
public final class TaskitoObservationAutoConfiguration {

	/** Micrometer Tracing's tracer, named so that this class loads without it. */
	private static final String TRACER = "io.micrometer.tracing.Tracer";

	@Bean
	@ConditionalOnMissingBean
	TaskitoJobObservationInterceptor taskitoJobObservationInterceptor(ObservationRegistry registry,
			ObjectProvider<TaskitoJobObservationConvention> convention, TaskitoObservationProperties properties,
			ConfigurableListableBeanFactory beanFactory) {
		Boolean enabled = properties.getEnabled();
		// Without the property, decided at the first attempt and kept.
		SingletonSupplier<Boolean> tracing = SingletonSupplier.of(() -> hasTracer(beanFactory));
		BooleanSupplier observing = (enabled != null) ? enabled::booleanValue : tracing::get;
		return new TaskitoJobObservationInterceptor(registry, convention.getIfUnique(), observing);
	}

	/**
	 * Asked at the first attempt, when every auto-configuration (Brave's, OpenTelemetry's) has
	 * made its beans.
	 */
	private static boolean hasTracer(ConfigurableListableBeanFactory beanFactory) {
		ClassLoader classLoader = beanFactory.getBeanClassLoader();
		return ClassUtils.isPresent(TRACER, classLoader)
				&& beanFactory.getBeanNamesForType(ClassUtils.resolveClassName(TRACER, classLoader), true, false).length > 0;
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
