package dev.taskito.spring.boot.test;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;

/**
 * Registers {@link TaskitoTestSupport} wherever Taskito is auto-configured and this module
 * is on the classpath, which a test-scoped dependency limits to the application's tests.
 * Backs off for a {@code TaskitoTestSupport} the test defines.
 */
@AutoConfiguration(after = TaskitoAutoConfiguration.class)
@ConditionalOnBean(TaskQueue.class)
public final class TaskitoTestAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	TaskitoTestSupport taskitoTestSupport(TaskQueue taskQueue, ObjectProvider<TaskDispatcher> dispatcher) {
		return new TaskitoTestSupport(taskQueue, dispatcher.getIfUnique());
	}

}
