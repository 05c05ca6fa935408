package dev.taskito.spring.boot.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadFactory;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

import dev.taskito.TaskQueue;
import dev.taskito.TaskitoException;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.dispatch.PayloadCodec;
import dev.taskito.dispatch.QueueDefinition;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.ClaimStore;

/**
 * Auto-configuration of Taskito: the {@link TaskRegistry} that {@code @Task} methods are
 * registered with, the {@link ClaimStore} (chosen by {@code taskito.store.type}, see
 * {@link TaskitoStoreConfigurations}), the {@link TaskQueue} applications inject, and the
 * {@link TaskDispatcher} that runs jobs on this instance (unless
 * {@code taskito.dispatcher.enabled=false}). Every bean backs off for one the application
 * defines.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
		"org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
		"org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
		"org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration",
		"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
		"org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration" })
@EnableConfigurationProperties(TaskitoProperties.class)
@Import({ TaskitoStoreConfigurations.UserDataSourceConfiguration.class,
		TaskitoStoreConfigurations.RedisConfiguration.class,
		TaskitoStoreConfigurations.EmbeddedConfiguration.class,
		TaskitoStoreConfigurations.RedisMissingConfiguration.class,
		TaskitoStoreConfigurations.UnknownStoreTypeConfiguration.class })
public final class TaskitoAutoConfiguration {

	private static final Log logger = LogFactory.getLog(TaskitoAutoConfiguration.class);

	private static final boolean TRANSACTIONS_PRESENT = ClassUtils.isPresent(
			"org.springframework.transaction.support.TransactionSynchronizationManager",
			TaskitoAutoConfiguration.class.getClassLoader());

	/**
	 * Registers the {@code @Task} methods of every bean; static so that it exists before
	 * the beans it processes.
	 * @param registry the registry, resolved when the first {@code @Task} bean appears
	 * @param properties the properties, resolved likewise
	 * @return the post-processor
	 */
	/**
	 * Keeps {@code @Task} beans eager under lazy initialization, so their tasks register.
	 * @return the filter
	 */
	@Bean
	static LazyInitializationExcludeFilter taskitoTaskBeanLazyInitializationExcludeFilter() {
		return new TaskBeanLazyInitializationExcludeFilter();
	}

	@Bean
	static TaskAnnotationBeanPostProcessor taskitoTaskAnnotationBeanPostProcessor(
			ObjectProvider<TaskRegistry> registry, ObjectProvider<TaskitoProperties> properties) {
		return new TaskAnnotationBeanPostProcessor(registry::getObject, properties::getObject);
	}

	@Bean
	@ConditionalOnMissingBean
	TaskRegistry taskitoTaskRegistry(TaskitoProperties properties, ObjectProvider<JsonMapper> jsonMapper) {
		JsonMapper mapper = jsonMapper.getIfUnique();
		TaskRegistry registry = new TaskRegistry((mapper != null) ? new PayloadCodec(mapper) : new PayloadCodec());
		if (properties.getRetry().getMaxRetries() < 0) {
			throw new TaskitoException("taskito.retry.max-retries is " + properties.getRetry().getMaxRetries()
					+ ": use 0 or more");
		}
		registry.setDefaultMaxRetries(properties.getRetry().getMaxRetries());
		properties.getQueues().forEach((name, limits) -> {
			if (limits.getMaxConcurrent() < 0) {
				throw new TaskitoException("taskito.queues." + name + ".max-concurrent is " + limits.getMaxConcurrent()
						+ ": use 0 for no cap or a positive cap");
			}
			try {
				registry.configureQueue(new QueueDefinition(name, limits.getMaxConcurrent(),
						TaskAnnotationBeanPostProcessor.parseRateLimit("taskito.queues." + name + ".rate-limit",
								limits.getRateLimit())));
			}
			catch (IllegalArgumentException ex) {
				throw new TaskitoException(ex.getMessage(), ex);
			}
		});
		return registry;
	}

	@Bean
	@ConditionalOnMissingBean(TaskQueue.class)
	DefaultTaskQueue taskitoTaskQueue(ClaimStore store, TaskRegistry registry) {
		DefaultTaskQueue queue = new DefaultTaskQueue(store, registry);
		if (TRANSACTIONS_PRESENT) {
			queue.setAfterCommitExecutor(new TransactionAwareExecutor());
		}
		return queue;
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "taskito.dispatcher.enabled", matchIfMissing = true)
	TaskDispatcher taskitoTaskDispatcher(ClaimStore store, TaskRegistry registry, TaskitoProperties properties,
			Environment environment, ObjectProvider<TaskDispatcherCustomizer> customizers,
			ObjectProvider<TaskQueue> taskQueue) {
		TaskDispatcher.Builder builder = TaskDispatcher.builder(store, registry)
			.concurrency(properties.getWorker().getConcurrency())
			.pollInterval(properties.getDispatcher().getPollInterval())
			.batchSize(properties.getDispatcher().getBatchSize())
			.leaseDuration(properties.getLease().getDuration())
			.heartbeatInterval(properties.getLease().getHeartbeatInterval())
			.retryBackoff(properties.getRetry().getBackoff())
			.retryMaxBackoff(properties.getRetry().getMaxBackoff())
			.shutdownTimeout(TaskitoLifecycle.shutdownTimeout(properties.getShutdown().getTimeout(), environment))
			.retention(properties.getRetention().getSucceeded(), properties.getRetention().getDead());
		ThreadFactory threadFactory = workerThreadFactory(properties, environment);
		if (threadFactory != null) {
			builder.threadFactory(threadFactory);
		}
		customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
		TaskDispatcher dispatcher;
		try {
			dispatcher = builder.build();
		}
		catch (IllegalArgumentException ex) {
			throw new TaskitoException("Invalid Taskito dispatcher settings (taskito.worker.*, taskito.dispatcher.*, "
					+ "taskito.lease.*, taskito.retry.*, taskito.shutdown.*, taskito.retention.*): " + ex.getMessage(),
					ex);
		}
		if (taskQueue.getIfUnique() instanceof DefaultTaskQueue queue) {
			queue.addEnqueueListener(dispatcher::wakeUp);
			queue.addQueuePauseListener(dispatcher::refreshQueuePauses);
			queue.addSchedulePauseListener(dispatcher::refreshSchedules);
		}
		return dispatcher;
	}

	/**
	 * Virtual worker threads when asked for ({@code taskito.worker.virtual-threads}, else
	 * {@code spring.threads.virtual.enabled}) and this Java has them.
	 * @param properties the properties
	 * @param environment the environment
	 * @return a virtual thread factory, or {@code null} for the dispatcher's own threads
	 */
	static ThreadFactory workerThreadFactory(TaskitoProperties properties, Environment environment) {
		Boolean virtual = properties.getWorker().getVirtualThreads();
		String setting = "taskito.worker.virtual-threads";
		if (virtual == null) {
			virtual = environment.getProperty("spring.threads.virtual.enabled", Boolean.class, false);
			setting = "spring.threads.virtual.enabled";
		}
		if (!virtual) {
			return null;
		}
		ThreadFactory factory = VirtualThreads.factory("taskito-worker-");
		if (factory == null) {
			logger.warn(setting + " is true but Java " + Runtime.version().feature()
					+ " has no virtual threads (Java 21 or later): Taskito workers use platform threads");
		}
		return factory;
	}

	@Bean
	@ConditionalOnMissingBean
	TaskitoLifecycle taskitoLifecycle(ClaimStore store, ObjectProvider<TaskDispatcher> dispatcher,
			TaskitoProperties properties) {
		Map<String, Boolean> paused = new LinkedHashMap<>();
		properties.getQueues().forEach((name, limits) -> {
			if (limits.getPaused() != null) {
				paused.put(name, limits.getPaused());
			}
		});
		return new TaskitoLifecycle(store, dispatcher.getIfUnique(), paused,
				properties.getDispatcher().isAutoStartup());
	}

}
