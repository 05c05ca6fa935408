package dev.taskito.spring.boot.autoconfigure;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import dev.taskito.Task;
import dev.taskito.TaskitoException;
import dev.taskito.dispatch.MethodTaskHandler;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.RateLimit;

/**
 * Registers every {@link Task} method of every bean with the {@link TaskRegistry}, once the
 * bean is fully initialized (proxies included: calls go through the proxy, so
 * {@code @Transactional} and other advice apply). The {@code taskito.tasks.<name>.*}
 * properties override the annotation's limits.
 *
 * <p>Startup fails, naming the bean, the method and the reason, for two handlers with one
 * name, a negative {@code maxConcurrent}, an unreadable timeout, rate limit, cron expression
 * or zone, a periodic task whose handler takes parameters other than a {@code JobContext}, a method
 * that cannot be called through its bean's proxy; and, once every singleton exists, for a
 * {@code taskito.tasks.<name>} or {@code taskito.queues.<name>} entry that matches no task
 * or queue.
 */
public class TaskAnnotationBeanPostProcessor
		implements BeanPostProcessor, SmartInitializingSingleton, BeanFactoryAware {

	private final Supplier<TaskRegistry> registry;

	private final Supplier<TaskitoProperties> properties;

	private final Set<Class<?>> classesWithoutTasks = ConcurrentHashMap.newKeySet();

	private ConfigurableListableBeanFactory beanFactory;

	/**
	 * @param registry supplies the registry, resolved when the first {@code @Task} bean
	 *        appears
	 * @param properties supplies the properties, resolved likewise
	 */
	public TaskAnnotationBeanPostProcessor(Supplier<TaskRegistry> registry, Supplier<TaskitoProperties> properties) {
		this.registry = registry;
		this.properties = properties;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		if (beanFactory instanceof ConfigurableListableBeanFactory listable) {
			this.beanFactory = listable;
		}
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof TaskRegistry || bean instanceof TaskitoProperties) {
			return bean;
		}
		// The scoped proxy registers the tasks of a scoped bean; its target must not again.
		if (ScopedProxyUtils.isScopedTarget(beanName)) {
			return bean;
		}
		Class<?> userClass = ClassUtils.getUserClass(AopProxyUtils.ultimateTargetClass(bean));
		if (this.classesWithoutTasks.contains(userClass)) {
			return bean;
		}
		if (!hasTaskMethod(userClass)) {
			this.classesWithoutTasks.add(userClass);
			return bean;
		}
		if (this.beanFactory != null && this.beanFactory.containsBeanDefinition(beanName)
				&& !this.beanFactory.isSingleton(beanName)) {
			throw new TaskitoException("Bean '" + beanName + "' (" + userClass.getName() + ") declares @Task methods"
					+ " but is not a singleton: each of its instances would register the same tasks. Make it a"
					+ " singleton (the default scope)");
		}
		register(bean, userClass, beanName);
		return bean;
	}

	static boolean hasTaskMethod(Class<?> userClass) {
		boolean[] found = new boolean[1];
		ReflectionUtils.doWithMethods(userClass, (method) -> found[0] = true,
				(method) -> !found[0] && method.isAnnotationPresent(Task.class));
		return found[0];
	}

	private void register(Object bean, Class<?> userClass, String beanName) {
		TaskitoProperties properties = this.properties.get();
		UnaryOperator<TaskDefinition> overrides = (definition) -> applyOverrides(withBootDurations(definition),
				properties.getTasks().get(definition.name()));
		if (Proxy.isProxyClass(bean.getClass()) || !userClass.isInstance(bean)) {
			// An interface-based (JDK) proxy is not an instance of the class declaring the
			// method: register on the target to read the annotations, then call through the
			// proxy's interface method so advice still applies.
			Object target = AopProxyUtils.getSingletonTarget(bean);
			if (target == null || !userClass.isInstance(target)) {
				throw new TaskitoException("Cannot register the @Task methods of bean '" + beanName + "' ("
						+ userClass.getName() + "): it is a proxy whose target cannot be reached; make it a class-based proxy");
			}
			UnaryOperator<TaskDefinition> throughProxy = (definition) -> callThroughProxy(withBootDurations(definition),
					bean, beanName);
			this.registry.get().registerBean(target, userClass, beanName,
					(definition) -> overrides.apply(throughProxy.apply(definition)));
		}
		else {
			this.registry.get().registerBean(bean, userClass, beanName, overrides);
		}
	}

	private static TaskDefinition callThroughProxy(TaskDefinition definition, Object proxy, String beanName) {
		Method method = ((MethodTaskHandler) definition.handler()).getMethod();
		Method invocable;
		try {
			invocable = AopUtils.selectInvocableMethod(method, proxy.getClass());
		}
		catch (IllegalStateException ex) {
			// Surfaces as "Cannot register @Task bean '...' method ...: <reason>".
			throw new IllegalArgumentException(ex.getMessage(), ex);
		}
		return definition.withHandler(new MethodTaskHandler(proxy, invocable));
	}

	/**
	 * Reads the annotation's timeout with Spring Boot's rules ({@link DurationStyle}: a
	 * plain number is milliseconds), so that {@code @Task(timeout = "30")} means what
	 * {@code taskito.tasks.<name>.timeout: 30} means in {@code application.yml}, and its cron
	 * and zone with Spring's {@code CronExpression} ({@link CronSchedule}), which the core
	 * cannot use. Runs before the handler is rebound to a proxy's method, which may not carry
	 * the annotation.
	 */
	private static TaskDefinition withBootDurations(TaskDefinition definition) {
		if (!(definition.handler() instanceof MethodTaskHandler handler)) {
			return definition;
		}
		Task task = handler.getMethod().getAnnotation(Task.class);
		if (task == null) {
			return definition;
		}
		TaskDefinition result = definition;
		if (!task.cron().isBlank()) {
			// Spring's CronExpression reads the cron here; the core takes only the Schedule.
			result = result.withSchedule(CronSchedule.of(task.cron(), task.zone()), result.misfire());
		}
		else if (!task.zone().isBlank()) {
			throw new IllegalArgumentException("@Task(zone = \"" + task.zone() + "\") without a cron: set cron too, or"
					+ " drop the zone");
		}
		if (task.timeout().isBlank()) {
			return result;
		}
		try {
			return result.withTimeout(DurationStyle.detectAndParse(task.timeout().trim()));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("timeout '" + task.timeout() + "' is not a duration: write it as in"
					+ " application.yml, a number with ns, us, ms, s, m, h or d (such as \"30s\"; a plain number is"
					+ " milliseconds) or ISO-8601 (such as \"PT30S\")", ex);
		}
	}

	/**
	 * Applies {@code taskito.tasks.<name>.cron}, {@code .zone} and {@code .misfire} over the
	 * annotation's schedule: a cron replaces it ({@code "-"} removes it), a zone alone moves
	 * the annotation's cron to that zone.
	 */
	private static TaskDefinition applyScheduleOverrides(TaskDefinition definition, TaskitoProperties.TaskLimits limits,
			String prefix) {
		TaskDefinition result = definition;
		try {
			if (limits.getCron() != null && limits.getCron().trim().equals("-")) {
				result = result.withSchedule(null, null);
			}
			else if (limits.getCron() != null && !limits.getCron().isBlank()) {
				String zone = (limits.getZone() != null) ? limits.getZone()
						: (definition.schedule() instanceof CronSchedule cron) ? cron.zone().getId() : null;
				result = result.withSchedule(CronSchedule.of(limits.getCron(), zone), result.misfire());
			}
			else if (limits.getZone() != null) {
				if (!(definition.schedule() instanceof CronSchedule cron)) {
					throw new IllegalArgumentException("the task has no cron to read in that zone: set " + prefix
							+ "cron too, or drop " + prefix + "zone");
				}
				result = result.withSchedule(cron.withZone(CronSchedule.zone(limits.getZone())), result.misfire());
			}
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(prefix + "cron / " + prefix + "zone: " + ex.getMessage(), ex);
		}
		if (limits.getMisfire() != null) {
			if (!result.isPeriodic()) {
				throw new IllegalArgumentException(prefix + "misfire is set but the task is not periodic: set " + prefix
						+ "cron or @Task(cron), or drop " + prefix + "misfire");
			}
			result = result.withSchedule(result.schedule(), limits.getMisfire());
		}
		return result;
	}

	private static TaskDefinition applyOverrides(TaskDefinition definition, TaskitoProperties.TaskLimits limits) {
		if (limits == null) {
			return definition;
		}
		String prefix = "taskito.tasks." + definition.name() + ".";
		TaskDefinition result = definition;
		if (limits.getMaxConcurrent() != null) {
			if (limits.getMaxConcurrent() < 0) {
				throw new IllegalArgumentException(prefix + "max-concurrent is " + limits.getMaxConcurrent()
						+ ": use 0 for no cap or a positive cap");
			}
			result = result.withMaxConcurrent(limits.getMaxConcurrent());
		}
		if (limits.getMaxConcurrentPerKey() != null) {
			if (limits.getMaxConcurrentPerKey() < 0) {
				throw new IllegalArgumentException(prefix + "max-concurrent-per-key is " + limits.getMaxConcurrentPerKey()
						+ ": use 0 for no cap per key or a positive cap");
			}
			result = result.withMaxConcurrentPerKey(limits.getMaxConcurrentPerKey());
		}
		if (limits.getMaxRetries() != null) {
			if (limits.getMaxRetries() < 0) {
				throw new IllegalArgumentException(
						prefix + "max-retries is " + limits.getMaxRetries() + ": use 0 or more");
			}
			result = result.withMaxRetries(limits.getMaxRetries());
		}
		if (limits.getTimeout() != null) {
			if (limits.getTimeout().isNegative() || limits.getTimeout().isZero()) {
				throw new IllegalArgumentException(
						prefix + "timeout is " + limits.getTimeout() + ": use a positive duration");
			}
			result = result.withTimeout(limits.getTimeout());
		}
		if (limits.getRateLimit() != null) {
			result = result.withRateLimit(parseRateLimit(prefix + "rate-limit", limits.getRateLimit()));
		}
		if (limits.getPriority() != null) {
			result = result.withPriority(limits.getPriority());
		}
		return applyScheduleOverrides(result, limits, prefix);
	}

	/**
	 * Reads a configured rate limit; blank means none.
	 * @param property the property, for the message
	 * @param text the limit
	 * @return the limit, or {@code null}
	 */
	static RateLimit parseRateLimit(String property, String text) {
		if (text == null || text.isBlank()) {
			return null;
		}
		try {
			return RateLimit.parse(text);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(property + ": " + ex.getMessage(), ex);
		}
	}

	/**
	 * Once every singleton exists (and so every {@code @Task} method is registered), checks
	 * that each configured task and queue exists: a misspelt name would otherwise silently
	 * leave its limit unapplied.
	 */
	@Override
	public void afterSingletonsInstantiated() {
		TaskitoProperties properties = this.properties.get();
		if (properties.getTasks().isEmpty() && properties.getQueues().isEmpty()) {
			return;
		}
		TaskRegistry registry = this.registry.get();
		Set<String> knownTasks = registry.taskNames();
		for (String name : properties.getTasks().keySet()) {
			if (!knownTasks.contains(name)) {
				throw new TaskitoException("taskito.tasks." + name + " configures a task that does not exist: no @Task"
						+ " method is named '" + name + "'. Known tasks: " + knownTasks
						+ ". Fix the name (a name with dots is written taskito.tasks.[" + name + "] in properties)");
			}
		}
		Set<String> knownQueues = new TreeSet<>();
		registry.tasks().forEach((task) -> knownQueues.add(task.queue()));
		for (Map.Entry<String, TaskitoProperties.QueueLimits> entry : properties.getQueues().entrySet()) {
			if (!knownQueues.contains(entry.getKey())) {
				throw new TaskitoException("taskito.queues." + entry.getKey()
						+ " configures a queue that no task uses. Known queues: " + knownQueues
						+ ". Fix the name or set @Task(queue = \"" + entry.getKey() + "\") on a task");
			}
		}
	}

}
