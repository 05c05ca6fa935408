package dev.taskito.spring.boot.autoconfigure;

import javax.sql.DataSource;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;

import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

import dev.taskito.TaskitoException;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.store.redis.RedisClaimStore;

/**
 * The store configurations, imported in order by {@link TaskitoAutoConfiguration}: the
 * first that applies defines the {@link ClaimStore}, and each backs off for a store the
 * application defines. With {@code taskito.store.type} unset: the application's
 * {@code DataSource}, else Redis, else the embedded H2 file.
 */
final class TaskitoStoreConfigurations {

	private TaskitoStoreConfigurations() {
	}

	static JdbcClaimStore.Builder jdbcStore(DataSource plain, TaskitoProperties properties) {
		return JdbcClaimStore.builder(plain)
			.tablePrefix(properties.getJdbc().getTablePrefix())
			.initializeSchema(properties.getJdbc().getInitializeSchema() == TaskitoProperties.InitializeSchema.ALWAYS);
	}

	/**
	 * The application's {@code DataSource}: the dispatcher uses it as it is (plain
	 * connections, so its claim commits before it counts), enqueue and cancel through a
	 * transaction-aware proxy so they join the caller's {@code @Transactional} work.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(TransactionAwareDataSourceProxy.class)
	@ConditionalOnMissingBean(ClaimStore.class)
	@ConditionalOnBean(DataSource.class)
	@ConditionalOnProperty(name = "taskito.store.type", havingValue = "jdbc", matchIfMissing = true)
	static class UserDataSourceConfiguration {

		@Bean(initMethod = "start")
		@DependsOnDatabaseInitialization
		JdbcClaimStore taskitoClaimStore(ListableBeanFactory beanFactory, TaskitoProperties properties) {
			DataSource dataSource = userDataSource(beanFactory, properties.getJdbc().getDataSource());
			return jdbcStore(dataSource, properties)
				.transactionalDataSource(new TransactionAwareDataSourceProxy(dataSource))
				.build();
		}

		private static DataSource userDataSource(ListableBeanFactory beanFactory, String name) {
			String[] names = BeanFactoryUtils.beanNamesForTypeIncludingAncestors(beanFactory, DataSource.class);
			if (name != null && !name.isBlank()) {
				try {
					return beanFactory.getBean(name, DataSource.class);
				}
				catch (NoSuchBeanDefinitionException ex) {
					throw new TaskitoException("taskito.jdbc.data-source names '" + name
							+ "' but there is no DataSource bean of that name. DataSource beans: "
							+ String.join(", ", names), ex);
				}
			}
			try {
				return beanFactory.getBeanProvider(DataSource.class).getObject();
			}
			catch (NoSuchBeanDefinitionException ex) {
				throw new TaskitoException("The application has several DataSource beans (" + String.join(", ", names)
						+ ") and none is @Primary: set taskito.jdbc.data-source to the one Taskito should keep its jobs in",
						ex);
			}
		}

	}

	/**
	 * Redis, through the application's Lettuce connection factory, when
	 * {@code taskito.store.type=redis}, or when unset and there is a Redis connection
	 * factory but no {@code DataSource}.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "io.lettuce.core.RedisClient",
			"org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory",
			"dev.taskito.store.redis.RedisClaimStore" })
	@ConditionalOnMissingBean(ClaimStore.class)
	@ConditionalOnBean(type = "org.springframework.data.redis.connection.RedisConnectionFactory")
	@Conditional(RedisChosenCondition.class)
	static class RedisConfiguration {

		@Bean(initMethod = "start")
		RedisClaimStore taskitoClaimStore(RedisConnectionFactory connectionFactory, TaskitoProperties properties) {
			if (!(connectionFactory instanceof LettuceConnectionFactory lettuce)) {
				throw new TaskitoException("Taskito's Redis store needs Lettuce, but the RedisConnectionFactory is a "
						+ connectionFactory.getClass().getName() + ": use Spring Boot's default Lettuce client"
						+ " (spring.data.redis.client-type=lettuce)");
			}
			if (!lettuce.isRunning()) {
				lettuce.start();
			}
			AbstractRedisClient client = lettuce.getRequiredNativeClient();
			if (!(client instanceof RedisClient redisClient)) {
				throw new TaskitoException("Taskito's Redis store needs a standalone Redis client, but the connection "
						+ "factory uses a " + client.getClass().getSimpleName()
						+ " (Redis Cluster or Sentinel through spring.data.redis.*); point spring.data.redis.url at one"
						+ " Redis server, or use taskito.store.type=jdbc");
			}
			try {
				return RedisClaimStore.builder(redisClient).keyPrefix(properties.getRedis().getKeyPrefix()).build();
			}
			catch (IllegalArgumentException ex) {
				throw new TaskitoException("taskito.redis.key-prefix: " + ex.getMessage(), ex);
			}
		}

	}

	/**
	 * The embedded H2 file, when nothing else applies (or {@code taskito.store.type=jdbc}
	 * without a {@code DataSource}).
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingBean(ClaimStore.class)
	@ConditionalOnProperty(name = "taskito.store.type", havingValue = "jdbc", matchIfMissing = true)
	static class EmbeddedConfiguration {

		@Bean
		TaskitoEmbeddedDatabase taskitoEmbeddedDatabase(TaskitoProperties properties) {
			return new TaskitoEmbeddedDatabase(properties.getJdbc().getEmbeddedPath(),
					Math.max(10, properties.getWorker().getConcurrency() / 2 + 4));
		}

		@Bean(initMethod = "start")
		JdbcClaimStore taskitoClaimStore(TaskitoEmbeddedDatabase database, TaskitoProperties properties) {
			return jdbcStore(database.getDataSource(), properties).build();
		}

	}

	/**
	 * {@code taskito.store.type=redis} but nothing could make a Redis store: fail with the
	 * reason rather than with a missing bean.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingBean(ClaimStore.class)
	@ConditionalOnProperty(name = "taskito.store.type", havingValue = "redis")
	static class RedisMissingConfiguration {

		@Bean
		ClaimStore taskitoClaimStore() {
			throw new TaskitoException("taskito.store.type is redis but no Redis store can be made: it needs "
					+ "io.lettuce:lettuce-core and spring-boot-starter-data-redis on the classpath and a Lettuce "
					+ "RedisConnectionFactory bean (spring.data.redis.*)");
		}

	}

	/**
	 * Matches {@code taskito.store.type=redis}, or an unset type with a Redis connection
	 * factory and no {@code DataSource} bean.
	 */
	static class RedisChosenCondition extends SpringBootCondition implements ConfigurationCondition {

		@Override
		public ConfigurationPhase getConfigurationPhase() {
			return ConfigurationPhase.REGISTER_BEAN;
		}

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			ConditionMessage.Builder message = ConditionMessage.forCondition("Taskito Redis store");
			String type = context.getEnvironment().getProperty("taskito.store.type");
			if (type != null && !type.isBlank()) {
				return "redis".equalsIgnoreCase(type.trim()) ? ConditionOutcome.match(message.because("type is redis"))
						: ConditionOutcome.noMatch(message.because("type is " + type));
			}
			ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
			if (beanFactory == null) {
				return ConditionOutcome.noMatch(message.because("no bean factory"));
			}
			if (hasBean(beanFactory, DataSource.class.getName(), context)) {
				return ConditionOutcome.noMatch(message.because("a DataSource comes first"));
			}
			if (hasBean(beanFactory, "org.springframework.data.redis.connection.RedisConnectionFactory", context)) {
				return ConditionOutcome.match(message.because("found a Redis connection factory and no DataSource"));
			}
			return ConditionOutcome.noMatch(message.because("no Redis connection factory"));
		}

		private static boolean hasBean(ConfigurableListableBeanFactory beanFactory, String typeName,
				ConditionContext context) {
			try {
				Class<?> type = Class.forName(typeName, false, context.getClassLoader());
				return BeanFactoryUtils.beanNamesForTypeIncludingAncestors(beanFactory, type, true, false).length > 0;
			}
			catch (ClassNotFoundException | LinkageError ex) {
				return false;
			}
		}

	}

}
