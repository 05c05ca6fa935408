package dev.taskito.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.BeanFactoryUtils;
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
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ConfigurationCondition;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabase;
import org.springframework.util.ClassUtils;

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

	private static final Log logger = LogFactory.getLog(TaskitoStoreConfigurations.class);

	private static final boolean TRANSACTION_AWARE_PROXY_PRESENT = ClassUtils.isPresent(
			"org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy",
			TaskitoStoreConfigurations.class.getClassLoader());

	private static final String BOOT_JDBC_PACKAGE = "org.springframework.boot.jdbc.autoconfigure.";

	private static final boolean EMBEDDED_DATABASE_PRESENT = ClassUtils.isPresent(
			"org.springframework.jdbc.datasource.embedded.EmbeddedDatabase",
			TaskitoStoreConfigurations.class.getClassLoader());

	private TaskitoStoreConfigurations() {
	}

	static JdbcClaimStore.Builder jdbcStore(DataSource plain, TaskitoProperties properties) {
		return JdbcClaimStore.builder(plain)
			.tablePrefix(properties.getJdbc().getTablePrefix())
			.initializeSchema(properties.getJdbc().getInitializeSchema() == TaskitoProperties.InitializeSchema.ALWAYS);
	}

	/**
	 * Warns when a store call bounded by {@code bound} could still be running when this
	 * instance's leases must have been renewed ({@code lease - heartbeat}), so that a hung
	 * call would cost a lease.
	 * @param bound the longest a store call can take
	 * @param boundProperties the properties that set it, for the message
	 * @param properties the properties ({@code taskito.lease.*})
	 */
	static void warnIfStoreCallsOutlastLeases(Duration bound, String boundProperties, TaskitoProperties properties) {
		Duration renewBy = properties.getLease().getDuration().minus(properties.getLease().getHeartbeatInterval());
		if (bound.compareTo(renewBy) >= 0) {
			logger.warn("A Taskito store call may hang for up to " + bound + " (" + boundProperties + ") but leases "
					+ "must be renewed within " + renewBy + " (taskito.lease.duration - taskito.lease.heartbeat-interval)"
					+ ": a hung call makes this instance interrupt its jobs. Shorten the former or lengthen the lease");
		}
	}

	/**
	 * The application's {@code DataSource}: the dispatcher uses plain connections of a
	 * bounded pool derived from it ({@link TaskitoDispatcherDataSource}; its claim commits
	 * before it counts), enqueue and cancel the application's DataSource through a
	 * transaction-aware proxy so they join the caller's {@code @Transactional} work.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingBean(ClaimStore.class)
	@Conditional(ApplicationDataSourceCondition.class)
	static class UserDataSourceConfiguration {

		@Bean
		TaskitoDispatcherDataSource taskitoDispatcherDataSource(ConfigurableListableBeanFactory beanFactory,
				TaskitoProperties properties, Environment environment) {
			return TaskitoDispatcherDataSource.forApplication(userDataSource(beanFactory, environment, properties),
					properties);
		}

		@Bean(initMethod = "start")
		@DependsOnDatabaseInitialization
		JdbcClaimStore taskitoClaimStore(ConfigurableListableBeanFactory beanFactory, TaskitoProperties properties,
				Environment environment, TaskitoDispatcherDataSource dispatcherDataSource) {
			DataSource dataSource = userDataSource(beanFactory, environment, properties);
			JdbcClaimStore.Builder builder = jdbcStore(dispatcherDataSource.getDataSource(), properties);
			if (TRANSACTION_AWARE_PROXY_PRESENT) {
				builder.transactionalDataSource(SpringJdbcSupport.transactionAware(dataSource));
			}
			else {
				logger.warn("spring-jdbc is not on the classpath, so Taskito's enqueue and cancel cannot join the "
						+ "application's transactions: add spring-boot-starter-jdbc");
			}
			return builder.build();
		}

		private static DataSource userDataSource(ConfigurableListableBeanFactory beanFactory, Environment environment,
				TaskitoProperties properties) {
			String name = properties.getJdbc().getDataSource();
			List<String> names = applicationDataSources(beanFactory, environment,
					!environment.containsProperty("taskito.store.type"));
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
			if (names.size() == 1) {
				return beanFactory.getBean(names.get(0), DataSource.class);
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
	 * The application's DataSource beans that Taskito may keep jobs in. In auto mode a
	 * database that Spring Boot generated in memory (because an embedded driver such as the
	 * H2 this starter brings is on the classpath and neither {@code spring.datasource.url}
	 * nor a service connection says where the database is) does not count: jobs there would
	 * not survive a restart, so the embedded file is the better default.
	 * {@code taskito.store.type=jdbc} or {@code taskito.jdbc.data-source} still choose it.
	 */
	static List<String> applicationDataSources(ConfigurableListableBeanFactory beanFactory, Environment environment,
			boolean auto) {
		List<String> names = new ArrayList<>();
		for (String name : BeanFactoryUtils.beanNamesForTypeIncludingAncestors(beanFactory, DataSource.class, true,
				false)) {
			if (!auto || !isGeneratedInMemory(beanFactory, environment, name)) {
				names.add(name);
			}
		}
		return names;
	}

	private static boolean isGeneratedInMemory(ConfigurableListableBeanFactory beanFactory, Environment environment,
			String name) {
		if (environment.containsProperty("spring.datasource.url")
				|| environment.containsProperty("spring.datasource.jndi-name")) {
			return false;
		}
		if (!beanFactory.containsBeanDefinition(name)) {
			return false;
		}
		String factoryBean = beanFactory.getBeanDefinition(name).getFactoryBeanName();
		boolean fromBoot = (factoryBean != null && factoryBean.startsWith(BOOT_JDBC_PACKAGE))
				|| (EMBEDDED_DATABASE_PRESENT && beanFactory.isTypeMatch(name, EmbeddedDatabase.class));
		if (!fromBoot) {
			return false;
		}
		// A service connection (Testcontainers, Docker Compose) names a real database
		// through its own JdbcConnectionDetails rather than spring.datasource.url.
		for (String details : beanFactory.getBeanDefinitionNames()) {
			Class<?> type = beanFactory.getType(details, false);
			if (type != null && isJdbcConnectionDetails(type)
					&& !type.getSimpleName().equals("PropertiesJdbcConnectionDetails")) {
				return false;
			}
		}
		return true;
	}

	private static boolean isJdbcConnectionDetails(Class<?> type) {
		for (Class<?> candidate : ClassUtils.getAllInterfacesForClassAsSet(type)) {
			if (candidate.getName().equals(BOOT_JDBC_PACKAGE + "JdbcConnectionDetails")) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Matches when the application has a DataSource for Taskito: with
	 * {@code taskito.store.type} {@code jdbc} or unset, a DataSource bean that is not a
	 * generated in-memory one (unless named by {@code taskito.jdbc.data-source}).
	 */
	static class ApplicationDataSourceCondition extends SpringBootCondition implements ConfigurationCondition {

		@Override
		public ConfigurationPhase getConfigurationPhase() {
			return ConfigurationPhase.REGISTER_BEAN;
		}

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			ConditionMessage.Builder message = ConditionMessage.forCondition("Taskito JDBC store on a DataSource");
			String type = context.getEnvironment().getProperty("taskito.store.type");
			boolean auto = type == null || type.isBlank();
			if (!auto && !"jdbc".equalsIgnoreCase(type.trim())) {
				return ConditionOutcome.noMatch(message.because("type is " + type));
			}
			if (context.getBeanFactory() == null) {
				return ConditionOutcome.noMatch(message.because("no bean factory"));
			}
			boolean named = context.getEnvironment().containsProperty("taskito.jdbc.data-source");
			List<String> names = applicationDataSources(context.getBeanFactory(), context.getEnvironment(),
					auto && !named);
			return names.isEmpty() ? ConditionOutcome.noMatch(message.didNotFind("DataSource").atAll())
					: ConditionOutcome.match(message.found("DataSource").items(names));
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

		// Closed by the lifecycle below rather than at destruction: the connection factory
		// shuts its client (and with it the store's connections) down when it stops.
		@Bean(initMethod = "start", destroyMethod = "")
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
				warnIfStoreCallsOutlastLeases(properties.getRedis().getCommandTimeout(),
						"taskito.redis.command-timeout", properties);
				// The store's own connections carry this timeout, whatever spring.data.redis.timeout says
				// (unset, Lettuce waits 60 s: long enough for leases to expire behind a heartbeat).
				return RedisClaimStore.builder(redisClient)
					.keyPrefix(properties.getRedis().getKeyPrefix())
					.commandTimeout(properties.getRedis().getCommandTimeout())
					.build();
			}
			catch (IllegalArgumentException ex) {
				throw new TaskitoException("taskito.redis.key-prefix: " + ex.getMessage(), ex);
			}
		}

		@Bean
		SmartLifecycle taskitoRedisClaimStoreCloser(RedisClaimStore store, RedisConnectionFactory connectionFactory) {
			int factoryPhase = (connectionFactory instanceof SmartLifecycle lifecycle) ? lifecycle.getPhase() : 0;
			return new StoreCloser(store, factoryPhase + 1);
		}

	}

	/**
	 * Closes a store just before the lifecycle phase that takes its connections away, after
	 * the dispatcher (a later phase) has drained.
	 */
	static final class StoreCloser implements SmartLifecycle {

		private final ClaimStore store;

		private final int phase;

		private volatile boolean running;

		StoreCloser(ClaimStore store, int phase) {
			this.store = store;
			this.phase = phase;
		}

		@Override
		public void start() {
			this.running = true;
		}

		@Override
		public void stop() {
			this.running = false;
			this.store.close();
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return this.phase;
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
					Math.max(10, properties.getWorker().getConcurrency() / 2 + 4),
					properties.getJdbc().getPool().getConnectionTimeout());
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
	 * {@code taskito.store.type} is neither {@code jdbc} nor {@code redis}: fail naming the
	 * property, its value and the allowed values rather than with a missing bean. Binding
	 * {@link TaskitoProperties} fails first for a value that is no {@link TaskitoProperties.StoreType}
	 * (Spring Boot's report then lists the valid values); the exception covers a value the
	 * binder's lenient reading accepts.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingBean(ClaimStore.class)
	@Conditional(UnknownStoreTypeCondition.class)
	static class UnknownStoreTypeConfiguration {

		@Bean
		ClaimStore taskitoClaimStore(TaskitoProperties properties, Environment environment) {
			throw new TaskitoException("taskito.store.type is '" + environment.getProperty("taskito.store.type")
					+ "': use jdbc or redis, or leave it unset to choose the application's DataSource, else Redis,"
					+ " else the embedded H2 file");
		}

	}

	/**
	 * Matches a {@code taskito.store.type} other than {@code jdbc} and {@code redis}.
	 */
	static class UnknownStoreTypeCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			ConditionMessage.Builder message = ConditionMessage.forCondition("Taskito store type");
			String type = context.getEnvironment().getProperty("taskito.store.type");
			if (type == null || type.isBlank() || "jdbc".equalsIgnoreCase(type.trim())
					|| "redis".equalsIgnoreCase(type.trim())) {
				return ConditionOutcome.noMatch(message.because("type is " + type));
			}
			return ConditionOutcome.match(message.because("type is " + type + ", neither jdbc nor redis"));
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
			if (!applicationDataSources(beanFactory, context.getEnvironment(), true).isEmpty()) {
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
