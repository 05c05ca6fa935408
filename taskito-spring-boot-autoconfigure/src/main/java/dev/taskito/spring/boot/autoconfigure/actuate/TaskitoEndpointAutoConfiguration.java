package dev.taskito.spring.boot.autoconfigure.actuate;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;
import dev.taskito.store.ClaimStore;

/**
 * The {@code taskito} Actuator endpoint ({@link TaskitoEndpoint}) and its web extension,
 * when Actuator is present and the endpoint is available: exposed, as every endpoint, only
 * when the application lists it in {@code management.endpoints.web.exposure.include} (or
 * the JMX equivalent), and read-only unless
 * {@code management.endpoint.taskito.access=unrestricted}.
 */
@AutoConfiguration(after = TaskitoAutoConfiguration.class)
@ConditionalOnClass(name = { "org.springframework.boot.actuate.endpoint.annotation.Endpoint",
		"org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint" })
public final class TaskitoEndpointAutoConfiguration {

	// Actuator's own conditions sit on a nested class: Spring resolves every condition of a
	// class before it evaluates any, so on the outer class they would fail the application
	// when Actuator is absent instead of switching this off.
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnAvailableEndpoint(TaskitoEndpoint.class)
	@ConditionalOnBean({ TaskQueue.class, ClaimStore.class })
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		TaskitoEndpoint taskitoEndpoint(TaskQueue taskQueue, ClaimStore store,
				ObjectProvider<TaskDispatcher> dispatcher) {
			TaskDispatcher own = dispatcher.getIfUnique();
			return new TaskitoEndpoint(taskQueue, store, (own != null) ? own.instanceId() : null);
		}

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnBean(TaskitoEndpoint.class)
		@ConditionalOnAvailableEndpoint(endpoint = TaskitoEndpoint.class, exposure = EndpointExposure.WEB)
		TaskitoEndpointWebExtension taskitoEndpointWebExtension(TaskitoEndpoint endpoint) {
			return new TaskitoEndpointWebExtension(endpoint);
		}

	}

}
