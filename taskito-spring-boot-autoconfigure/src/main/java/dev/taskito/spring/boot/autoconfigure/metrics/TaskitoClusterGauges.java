package dev.taskito.spring.boot.autoconfigure.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClusterGauges;

/**
 * The cluster-wide gauges: each instance reads {@link ClaimStore#gauges} once per interval
 * on a thread of its own (never per scrape), and its gauges report that snapshot. Every
 * instance therefore reports the same cluster figure: aggregate them with {@code max},
 * never {@code sum}.
 * <ul>
 * <li>{@code taskito.jobs.pending} and {@code taskito.jobs.running} per {@code queue}; pending
 * is counted up to {@value #COUNT_LIMIT}, which then means at least that many</li>
 * <li>{@code taskito.queue.oldest.pending} per {@code queue}: seconds since the earliest due
 * time among its due PENDING jobs, 0 when none is due</li>
 * <li>{@code taskito.task.running} per {@code task}, and {@code taskito.task.cap} per capped
 * task (the cap this instance declares)</li>
 * <li>{@code taskito.jobs.stranded}: PENDING jobs no live instance serves, as the
 * dispatcher's own check last found them</li>
 * </ul>
 * Queues and tasks are registered at start from the {@link TaskRegistry}, and any other
 * that later appears in a snapshot when it appears; one that empties reports 0.
 */
public class TaskitoClusterGauges implements SmartLifecycle {

	/** The most pending jobs counted per queue. */
	public static final int COUNT_LIMIT = 10_000;

	private static final Log logger = LogFactory.getLog(TaskitoClusterGauges.class);

	private final MeterRegistry registry;

	private final ClaimStore store;

	private final TaskRegistry tasks;

	private final Supplier<TaskDispatcher> dispatcher;

	private final Duration interval;

	private final Map<String, QueueFigures> queues = new ConcurrentHashMap<>();

	private final Map<String, TaskFigures> taskFigures = new ConcurrentHashMap<>();

	private volatile ScheduledExecutorService scheduler;

	private volatile boolean failing;

	private boolean registered;

	/**
	 * @param registry where the gauges are registered
	 * @param store the store read once per interval
	 * @param tasks the tasks and queues registered up front, and the caps
	 * @param dispatcher the dispatcher whose stranded-work check is reported, or a supplier
	 *        of {@code null} when this instance has none
	 * @param interval how often the store is read
	 */
	public TaskitoClusterGauges(MeterRegistry registry, ClaimStore store, TaskRegistry tasks,
			Supplier<TaskDispatcher> dispatcher, Duration interval) {
		if (interval == null || interval.isNegative() || interval.isZero()) {
			throw new IllegalArgumentException("taskito.metrics.gauge-interval is " + interval
					+ ": use a positive duration such as 10s");
		}
		this.registry = registry;
		this.store = store;
		this.tasks = tasks;
		this.dispatcher = dispatcher;
		this.interval = interval;
	}

	/**
	 * Registers the gauges of the tasks and queues known by now (every {@code @Task} bean
	 * has registered once the context starts).
	 */
	void registerKnownGauges() {
		this.tasks.queueNames().forEach(this::queue);
		for (TaskDefinition task : this.tasks.tasks()) {
			this.queue(task.queue());
			task(task.name());
			if (task.maxConcurrent() > 0) {
				Gauge.builder(TaskitoMetricsListener.PREFIX + "task.cap", task, this::cap)
					.description("The concurrency cap that holds for the task: the smallest any live instance "
							+ "declares; aggregate instances with max")
					.tag("task", task.name())
					.register(this.registry);
			}
			if (task.isCappedPerKey()) {
				Gauge.builder(TaskitoMetricsListener.PREFIX + "task.cap.per.key", task, this::capPerKey)
					.description("The cap per concurrency key that holds for the task: the smallest any live "
							+ "instance declares; aggregate instances with max")
					.tag("task", task.name())
					.register(this.registry);
				TaskFigures figures = task(task.name());
				// One gauge per task, never one per key: keys can be a million tenants.
				Gauge.builder(TaskitoMetricsListener.PREFIX + "task.keys.at.cap", figures, (f) -> f.keysAtCap)
					.description("Concurrency keys of the task running at its cap per key, cluster-wide; aggregate "
							+ "instances with max")
					.tag("task", task.name())
					.register(this.registry);
			}
		}
		Gauge.builder(TaskitoMetricsListener.PREFIX + "jobs.stranded", this, TaskitoClusterGauges::strandedJobs)
			.description("Pending jobs whose task and queue no live instance serves (cluster-wide)")
			.register(this.registry);
	}

	/**
	 * The cap admission uses, read from this instance's dispatcher (the smallest live cap, as
	 * its last heartbeat read them), so that every instance of a rolling deploy reports the
	 * same figure; the declared cap on an instance without a dispatcher.
	 */
	private double cap(TaskDefinition task) {
		TaskDispatcher found = this.dispatcher.get();
		return (found != null) ? found.effectiveCap(task.name()) : task.maxConcurrent();
	}

	private double capPerKey(TaskDefinition task) {
		TaskDispatcher found = this.dispatcher.get();
		return (found != null) ? found.effectiveCapPerKey(task.name()) : task.maxConcurrentPerKey();
	}

	private double strandedJobs() {
		TaskDispatcher found = this.dispatcher.get();
		return (found != null) ? found.strandedJobs() : 0;
	}

	/**
	 * Reads the store once and updates every gauge; survives any failure (the gauges keep
	 * their last figures).
	 */
	public void refresh() {
		ClusterGauges snapshot;
		try {
			snapshot = this.store.gauges(COUNT_LIMIT, keyCaps());
		}
		catch (RuntimeException ex) {
			if (!this.failing) {
				this.failing = true;
				logger.warn("Taskito could not read the cluster gauges from the store (the gauges keep their last "
						+ "figures and are read again every taskito.metrics.gauge-interval): " + ex, ex);
			}
			return;
		}
		if (this.failing) {
			this.failing = false;
			logger.info("Taskito reads the cluster gauges from the store again");
		}
		apply(snapshot);
	}

	private Map<String, Integer> keyCaps() {
		Map<String, Integer> caps = new HashMap<>();
		for (TaskDefinition task : this.tasks.tasks()) {
			if (task.isCappedPerKey()) {
				caps.put(task.name(), (int) capPerKey(task));
			}
		}
		return caps;
	}

	void apply(ClusterGauges snapshot) {
		Instant now = snapshot.storeTime();
		Set<String> seenQueues = ConcurrentHashMap.newKeySet();
		for (ClusterGauges.QueueGauge gauge : snapshot.queues()) {
			QueueFigures figures = queue(gauge.queue());
			figures.pending = gauge.pending();
			figures.running = gauge.running();
			figures.oldestPending = (gauge.oldestDueAt() != null && now != null)
					? Math.max(0, Duration.between(gauge.oldestDueAt(), now).toMillis() / 1000.0) : 0;
			seenQueues.add(gauge.queue());
		}
		this.queues.forEach((name, figures) -> {
			if (!seenQueues.contains(name)) {
				figures.pending = 0;
				figures.running = 0;
				figures.oldestPending = 0;
			}
		});
		Set<String> seenTasks = ConcurrentHashMap.newKeySet();
		for (ClusterGauges.TaskGauge gauge : snapshot.tasks()) {
			TaskFigures figures = task(gauge.task());
			figures.running = gauge.running();
			figures.keysAtCap = gauge.keysAtCap();
			seenTasks.add(gauge.task());
		}
		this.taskFigures.forEach((name, figures) -> {
			if (!seenTasks.contains(name)) {
				figures.running = 0;
				figures.keysAtCap = 0;
			}
		});
	}

	private QueueFigures queue(String name) {
		QueueFigures found = this.queues.get(name);
		if (found != null) {
			return found;
		}
		return this.queues.computeIfAbsent(name, (key) -> {
			QueueFigures figures = new QueueFigures();
			Gauge.builder(TaskitoMetricsListener.PREFIX + "jobs.pending", figures, (f) -> f.pending)
				.description("PENDING jobs of the queue, cluster-wide (counted up to " + COUNT_LIMIT
						+ "); aggregate instances with max")
				.tag("queue", key)
				.register(this.registry);
			Gauge.builder(TaskitoMetricsListener.PREFIX + "jobs.running", figures, (f) -> f.running)
				.description("RUNNING jobs of the queue, cluster-wide; aggregate instances with max")
				.tag("queue", key)
				.register(this.registry);
			Gauge.builder(TaskitoMetricsListener.PREFIX + "queue.oldest.pending", figures, (f) -> f.oldestPending)
				.description("Seconds since the earliest due time among the queue's due PENDING jobs, 0 when none")
				.tag("queue", key)
				.baseUnit("seconds")
				.register(this.registry);
			return figures;
		});
	}

	private TaskFigures task(String name) {
		TaskFigures found = this.taskFigures.get(name);
		if (found != null) {
			return found;
		}
		return this.taskFigures.computeIfAbsent(name, (key) -> {
			TaskFigures figures = new TaskFigures();
			Gauge.builder(TaskitoMetricsListener.PREFIX + "task.running", figures, (f) -> f.running)
				.description("RUNNING jobs of the task, cluster-wide; aggregate instances with max")
				.tag("task", key)
				.register(this.registry);
			return figures;
		});
	}

	@Override
	public void start() {
		if (this.scheduler != null) {
			return;
		}
		if (!this.registered) {
			this.registered = true;
			registerKnownGauges();
		}
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, "taskito-metrics");
			thread.setDaemon(true);
			return thread;
		});
		long millis = this.interval.toMillis();
		executor.scheduleWithFixedDelay(this::refresh, 0, millis, TimeUnit.MILLISECONDS);
		this.scheduler = executor;
	}

	@Override
	public void stop() {
		ScheduledExecutorService executor = this.scheduler;
		this.scheduler = null;
		if (executor != null) {
			executor.shutdownNow();
			try {
				executor.awaitTermination(5, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.scheduler != null;
	}

	/**
	 * The figures of one queue, as the last snapshot had them.
	 */
	private static final class QueueFigures {

		volatile double pending;

		volatile double running;

		volatile double oldestPending;

	}

	/**
	 * The figures of one task.
	 */
	private static final class TaskFigures {

		volatile double running;

		volatile double keysAtCap;

	}

}
