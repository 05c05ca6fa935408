package dev.taskito.spring.boot.test;

import java.util.List;

import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;

/**
 * Gives every test context an embedded Taskito store of its own (see
 * {@link EmbeddedPathContextCustomizer}). Registered in {@code META-INF/spring.factories},
 * so it applies to every Spring test context on a classpath that has this module.
 */
final class EmbeddedPathContextCustomizerFactory implements ContextCustomizerFactory {

	@Override
	public ContextCustomizer createContextCustomizer(Class<?> testClass,
			List<ContextConfigurationAttributes> configAttributes) {
		return new EmbeddedPathContextCustomizer();
	}

}
