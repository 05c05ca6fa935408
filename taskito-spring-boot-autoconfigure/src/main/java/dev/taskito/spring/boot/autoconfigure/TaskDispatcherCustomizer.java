package dev.taskito.spring.boot.autoconfigure;

import dev.taskito.dispatch.TaskDispatcher;

/**
 * Customizes the auto-configured {@link TaskDispatcher} before it is built, after the
 * {@code taskito.*} properties have been applied. Beans of this type are applied in
 * {@link org.springframework.core.Ordered order}.
 */
@FunctionalInterface
public interface TaskDispatcherCustomizer {

	/**
	 * Customizes the dispatcher's settings.
	 * @param builder the builder, with the properties already applied
	 */
	void customize(TaskDispatcher.Builder builder);

}
