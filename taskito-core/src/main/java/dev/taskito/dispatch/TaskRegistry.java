package dev.taskito.dispatch;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import dev.taskito.Task;
import dev.taskito.TaskitoDefaults;
import dev.taskito.TaskitoException;
import dev.taskito.UnknownTaskException;
import dev.taskito.store.RateLimit;
import dev.taskito.store.ServedWork;

/**
 * The tasks and queues this instance knows, and the codec their payloads go through.
 * Registration fails fast, naming the task and where it was declared, for a duplicate
 * name, a negative cap or an unreadable timeout or rate limit.
 */
public final class TaskRegistry {

	private final Map<String, TaskDefinition> tasks = new ConcurrentHashMap<>();

	private final Map<String, QueueDefinition> queues = new ConcurrentHashMap<>();

	private final PayloadCodec codec;

	private volatile int defaultMaxRetries = TaskitoDefaults.MAX_RETRIES;

	/**
	 * A registry with a default codec.
	 */
	public TaskRegistry() {
		this(new PayloadCodec());
	}

	/**
	 * @param codec the codec for arguments and results
	 */
	public TaskRegistry(PayloadCodec codec) {
		this.codec = codec;
	}

	/**
	 * Registers every {@link Task} method of {@code bean}.
	 * @param bean the object whose methods run the tasks
	 * @return the tasks registered
	 */
	public List<TaskDefinition> registerBean(Object bean) {
		return registerBean(bean, bean.getClass(), bean.getClass().getSimpleName(), UnaryOperator.identity());
	}

	/**
	 * Registers every {@link Task} method declared on {@code userClass} (the class behind
	 * a proxy), to be called on {@code bean}.
	 * @param bean the object to call (may be a proxy)
	 * @param userClass the class whose methods carry the annotations
	 * @param beanName the bean's name, for error messages
	 * @param customizer applied to each definition before it is registered (configured
	 *        overrides)
	 * @return the tasks registered
	 * @throws TaskitoException naming the bean, method and reason
	 */
	public List<TaskDefinition> registerBean(Object bean, Class<?> userClass, String beanName,
			UnaryOperator<TaskDefinition> customizer) {
		List<TaskDefinition> registered = new ArrayList<>();
		for (Method method : annotatedMethods(userClass)) {
			Task task = method.getAnnotation(Task.class);
			String source = "bean '" + beanName + "' method " + userClass.getSimpleName() + "." + method.getName();
			TaskDefinition definition;
			try {
				if (Modifier.isStatic(method.getModifiers())) {
					throw new IllegalArgumentException("a @Task method must not be static");
				}
				String name = task.name().isBlank() ? userClass.getSimpleName() + "." + method.getName() : task.name();
				definition = new TaskDefinition(name, task.queue(), task.maxConcurrent(), task.maxRetries(),
						Durations.parse(task.timeout()),
						task.rateLimit().isBlank() ? null : RateLimit.parse(task.rateLimit()), task.priority(),
						new MethodTaskHandler(bean, method), source, task.maxConcurrentPerKey(), null, null);
				definition = customizer.apply(definition);
			}
			catch (IllegalArgumentException ex) {
				throw new TaskitoException("Cannot register @Task " + source + ": " + ex.getMessage(), ex);
			}
			registered.add(register(definition));
		}
		return registered;
	}

	private static List<Method> annotatedMethods(Class<?> type) {
		List<Method> methods = new ArrayList<>();
		Set<String> seen = new java.util.HashSet<>();
		for (Class<?> current = type; current != null && current != Object.class; current = current.getSuperclass()) {
			for (Method method : current.getDeclaredMethods()) {
				if (method.isAnnotationPresent(Task.class) && !method.isBridge() && !method.isSynthetic()
						&& seen.add(method.getName() + java.util.Arrays.toString(method.getParameterTypes()))) {
					methods.add(method);
				}
			}
		}
		methods.sort(java.util.Comparator.comparing(Method::getName));
		return methods;
	}

	/**
	 * Registers a task.
	 * @param definition the task
	 * @return the definition
	 * @throws TaskitoException when another handler has the same name
	 */
	public TaskDefinition register(TaskDefinition definition) {
		TaskDefinition existing = this.tasks.putIfAbsent(definition.name(), definition);
		if (existing != null) {
			throw new TaskitoException("Two handlers are named '" + definition.name() + "': " + existing.source()
					+ " and " + definition.source() + ". Give one of them another @Task(name = ...)");
		}
		return definition;
	}

	/**
	 * Sets a queue's limits (replacing earlier ones).
	 * @param queue the queue's limits
	 */
	public void configureQueue(QueueDefinition queue) {
		this.queues.put(queue.name(), queue);
	}

	/**
	 * @param name a task name
	 * @return the task, or empty
	 */
	public Optional<TaskDefinition> find(String name) {
		return Optional.ofNullable(this.tasks.get(name));
	}

	/**
	 * @param name a task name
	 * @return the task
	 * @throws UnknownTaskException naming the task and the known ones
	 */
	public TaskDefinition require(String name) {
		TaskDefinition task = this.tasks.get(name);
		if (task == null) {
			throw new UnknownTaskException(name, this.tasks.keySet());
		}
		return task;
	}

	/**
	 * @return every registered task
	 */
	public Collection<TaskDefinition> tasks() {
		return List.copyOf(this.tasks.values());
	}

	/**
	 * @return the names of every registered task, sorted
	 */
	public Set<String> taskNames() {
		return new TreeSet<>(this.tasks.keySet());
	}

	/**
	 * @param name a queue
	 * @return its limits; none when not configured
	 */
	public QueueDefinition queue(String name) {
		return this.queues.getOrDefault(name, QueueDefinition.unlimited(name));
	}

	/**
	 * @return every queue a task uses or a configuration names, sorted
	 */
	public Set<String> queueNames() {
		Set<String> names = new TreeSet<>(this.queues.keySet());
		this.tasks.values().forEach((task) -> names.add(task.queue()));
		return names;
	}

	/**
	 * What a dispatcher with this registry claims: every task it has a handler for, in every
	 * queue it knows (a job may be enqueued into another known queue than its task's own).
	 * @return the tasks and queues served
	 */
	public ServedWork served() {
		return new ServedWork(taskNames(), queueNames());
	}

	/**
	 * @return the queues with limits configured
	 */
	public Collection<QueueDefinition> configuredQueues() {
		return List.copyOf(this.queues.values());
	}

	/**
	 * @return the codec for arguments and results
	 */
	public PayloadCodec codec() {
		return this.codec;
	}

	/**
	 * @return the retries of a task that sets none
	 */
	public int getDefaultMaxRetries() {
		return this.defaultMaxRetries;
	}

	/**
	 * @param defaultMaxRetries the retries of a task that sets none, 0 or more
	 */
	public void setDefaultMaxRetries(int defaultMaxRetries) {
		if (defaultMaxRetries < 0) {
			throw new IllegalArgumentException("default maxRetries must be 0 or more, was " + defaultMaxRetries);
		}
		this.defaultMaxRetries = defaultMaxRetries;
	}

	/**
	 * @param task a task
	 * @return its retries, the default resolved
	 */
	public int maxRetries(TaskDefinition task) {
		return (task.maxRetries() >= 0) ? task.maxRetries() : this.defaultMaxRetries;
	}

}
