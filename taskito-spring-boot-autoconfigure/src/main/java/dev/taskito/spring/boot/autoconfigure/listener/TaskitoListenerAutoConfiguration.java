package dev.taskito.spring.boot.autoconfigure.listener;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;

import dev.taskito.JobExecutionInterceptor;
import dev.taskito.JobHeadersContributor;
import dev.taskito.TaskListener;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.spring.boot.autoconfigure.TaskDispatcherCustomizer;
import dev.taskito.spring.boot.autoconfigure.TaskitoAutoConfiguration;

/**
 * Applies the application's observability beans to Taskito: every {@link TaskListener}
 * bean to the auto-configured {@link TaskDispatcher} (starts, outcomes, rejected claims) and
 * to every {@link DefaultTaskQueue} bean (enqueues, cancellations); every
 * {@link JobExecutionInterceptor} bean to the dispatcher; every
 * {@link JobHeadersContributor} bean to the task queues. Beans are applied in
 * {@link org.springframework.core.Ordered order}.
 *
 * <p>A listener bean must not depend on the {@code TaskQueue} or the
 * {@code TaskDispatcher}: it is resolved while they are created.
 */
@AutoConfiguration(before = TaskitoAutoConfiguration.class)
public final class TaskitoListenerAutoConfiguration {

	@Bean
	TaskDispatcherCustomizer taskitoListenersDispatcherCustomizer(ObjectProvider<TaskListener> listeners,
			ObjectProvider<JobExecutionInterceptor> interceptors) {
		return (builder) -> {
			listeners.orderedStream().forEach(builder::listener);
			interceptors.orderedStream().forEach(builder::interceptor);
		};
	}

	/**
	 * Static, so that it exists before the task queue it processes.
	 * @param listeners the listeners, resolved when a task queue is created
	 * @param contributors the header contributors, likewise
	 * @return the post-processor
	 */
	@Bean
	static TaskQueueListenersPostProcessor taskitoTaskQueueListenersPostProcessor(
			ObjectProvider<TaskListener> listeners, ObjectProvider<JobHeadersContributor> contributors) {
		return new TaskQueueListenersPostProcessor(listeners, contributors);
	}

	/**
	 * Adds the listener and header contributor beans to each {@link DefaultTaskQueue} once it
	 * is initialized, before anything can enqueue through it.
	 */
	static final class TaskQueueListenersPostProcessor implements BeanPostProcessor {

		private final ObjectProvider<TaskListener> listeners;

		private final ObjectProvider<JobHeadersContributor> contributors;

		TaskQueueListenersPostProcessor(ObjectProvider<TaskListener> listeners,
				ObjectProvider<JobHeadersContributor> contributors) {
			this.listeners = listeners;
			this.contributors = contributors;
		}

		@Override
		public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
			if (bean instanceof DefaultTaskQueue queue) {
				this.listeners.orderedStream().forEach(queue::addListener);
				this.contributors.orderedStream().forEach(queue::addHeadersContributor);
			}
			return bean;
		}

	}

}
