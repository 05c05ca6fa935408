package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import dev.taskito.JobStats;
import dev.taskito.ScheduleView;
import dev.taskito.TaskQueue;
import dev.taskito.Throughput;
import dev.taskito.dispatch.DispatcherStatus;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardOverview.DispatcherView;
import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardOverview.InstanceRow;
import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardOverview.QueueRow;
import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardOverview.ScheduleRow;
import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardOverview.TaskRow;
import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardOverview.ThroughputView;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClusterGauges;
import dev.taskito.store.InstanceView;

/**
 * The one poll behind every open page: reads the overview from the operations API at most
 * once per refresh interval and hands that reading to every page that asks meanwhile, so
 * that ten open dashboards cost the store what one does. The throughput, the dearest part
 * (a range count per task, queue and minute), is read at most once per
 * {@link #THROUGHPUT_INTERVAL}, since a minute's slice changes little within it.
 *
 * <p>Like the Actuator endpoint, it has no store query of its own: it reads
 * {@link TaskQueue#stats()} (caps per key and keys at their cap included),
 * {@link TaskQueue#schedules()}, {@link TaskQueue#throughput(Duration)},
 * {@link ClaimStore#liveInstances()} (with each instance's running jobs, as its heartbeat
 * recorded them) and {@link ClaimStore#gauges(int)} (for each queue's
 * oldest due job, as the metrics read it). Thread-safe: one caller reads while the others
 * wait for its reading rather than starting their own.
 */
public final class DashboardSnapshots {

	/** How far back the overview's throughput looks. */
	public static final Duration THROUGHPUT_WINDOW = Duration.ofHours(1);

	/** How long one reading of the throughput is shared. */
	public static final Duration THROUGHPUT_INTERVAL = Duration.ofSeconds(15);

	private final TaskQueue taskQueue;

	private final ClaimStore store;

	private final @Nullable TaskDispatcher dispatcher;

	private final Duration interval;

	private final Clock clock;

	private @Nullable DashboardOverview overview;

	private Instant overviewAt = Instant.MIN;

	private @Nullable Throughput throughput;

	private Instant throughputAt = Instant.MIN;

	private long reads;

	/**
	 * Reads through the application's queue and store.
	 * @param taskQueue the task queue
	 * @param store the store, for the live instances and the queues' oldest due jobs
	 * @param dispatcher this instance's dispatcher, or {@code null} on a producer
	 * @param interval how long one reading is shared
	 * @param clock the clock that dates the readings
	 */
	public DashboardSnapshots(TaskQueue taskQueue, ClaimStore store, @Nullable TaskDispatcher dispatcher,
			Duration interval, Clock clock) {
		this.taskQueue = taskQueue;
		this.store = store;
		this.dispatcher = dispatcher;
		this.interval = interval;
		this.clock = clock;
	}

	/**
	 * @return the overview, read now if the last reading is older than the refresh interval
	 */
	public synchronized DashboardOverview current() {
		Instant now = this.clock.instant();
		if (this.overview == null || !now.isBefore(this.overviewAt.plus(this.interval))) {
			this.overview = read(now);
			this.overviewAt = now;
			this.reads++;
		}
		return this.overview;
	}

	/**
	 * Drops the shared reading, so that the next page sees the effect of an action it took.
	 */
	public synchronized void invalidate() {
		this.overview = null;
		this.throughput = null;
	}

	/**
	 * @return how many times the overview was read from the store, for tests of the sharing
	 */
	synchronized long reads() {
		return this.reads;
	}

	private DashboardOverview read(Instant now) {
		if (this.throughput == null || !now.isBefore(this.throughputAt.plus(THROUGHPUT_INTERVAL))) {
			this.throughput = this.taskQueue.throughput(THROUGHPUT_WINDOW);
			this.throughputAt = now;
		}
		Throughput lastHour = this.throughput;
		JobStats stats = this.taskQueue.stats();
		Map<String, Throughput.TaskThroughput> byTask = new HashMap<>();
		lastHour.tasks().forEach((task) -> byTask.put(task.task(), task));
		Map<String, ScheduleView> schedules = new LinkedHashMap<>();
		this.taskQueue.schedules().forEach((schedule) -> schedules.put(schedule.task(), schedule));
		List<TaskRow> tasks = new ArrayList<>();
		for (JobStats.TaskStats task : stats.tasks()) {
			Throughput.TaskThroughput finished = byTask.get(task.task());
			tasks.add(new TaskRow(task.task(), task.pending(), task.running(), task.dead(), task.maxConcurrent(),
					task.maxConcurrent() > 0 && task.running() >= task.maxConcurrent(), text(task.rateLimit()),
					(finished != null) ? finished.succeeded() : 0, (finished != null) ? finished.dead() : 0,
					task.maxConcurrentPerKey(), task.keysAtCap(), row(schedules.remove(task.task()))));
		}
		// A schedule whose task neither runs here nor has jobs (another application's) still shows.
		for (ScheduleView schedule : schedules.values()) {
			tasks.add(new TaskRow(schedule.task(), 0, 0, 0, 0, false, null, 0, 0, 0, 0, row(schedule)));
		}
		Map<String, Instant> oldestDue = new HashMap<>();
		// A count limit of one: the pending counts come from stats(); only the due times are wanted.
		for (ClusterGauges.QueueGauge gauge : this.store.gauges(1).queues()) {
			if (gauge.oldestDueAt() != null) {
				oldestDue.put(gauge.queue(), gauge.oldestDueAt());
			}
		}
		List<QueueRow> queues = stats.queues().stream()
			.map((queue) -> new QueueRow(queue.queue(), queue.pending(), queue.running(), queue.dead(),
					queue.maxConcurrent(), queue.maxConcurrent() > 0 && queue.running() >= queue.maxConcurrent(),
					text(queue.rateLimit()), queue.paused(), text(oldestDue.get(queue.queue()))))
			.toList();
		String instanceId = (this.dispatcher != null) ? this.dispatcher.instanceId() : null;
		List<InstanceRow> instances = this.store.liveInstances().stream()
			.map((instance) -> row(instance, instanceId))
			.toList();
		return new DashboardOverview(now.toString(), instanceId, tasks, queues, view(lastHour), instances,
				(this.dispatcher != null) ? view(this.dispatcher.status()) : null);
	}

	private static ThroughputView view(Throughput throughput) {
		return new ThroughputView(throughput.from().toString(), throughput.slice().toSeconds(),
				throughput.slices().stream().map(Throughput.Slice::succeeded).toList(),
				throughput.slices().stream().map(Throughput.Slice::dead).toList(), throughput.succeeded(),
				throughput.dead());
	}

	private static @Nullable ScheduleRow row(@Nullable ScheduleView schedule) {
		if (schedule == null) {
			return null;
		}
		return new ScheduleRow(schedule.definition(), text(schedule.nextRunAt()), schedule.lastTick().toString(),
				text(schedule.lastJobId()), schedule.paused(), schedule.skippedTicks());
	}

	private static InstanceRow row(InstanceView instance, @Nullable String currentId) {
		// Caps per key travel among the task caps, marked (see TaskDefinition.PER_KEY_CAP_MARK).
		Map<String, Integer> taskCaps = new TreeMap<>();
		Map<String, Integer> keyCaps = new TreeMap<>();
		instance.taskCaps().forEach((name, cap) -> {
			if (name.endsWith(TaskDefinition.PER_KEY_CAP_MARK)) {
				keyCaps.put(name.substring(0, name.length() - TaskDefinition.PER_KEY_CAP_MARK.length()), cap);
			}
			else {
				taskCaps.put(name, cap);
			}
		});
		return new InstanceRow(instance.instanceId(), instance.instanceId().equals(currentId),
				instance.heartbeatAt().toString(), instance.expiresAt().toString(), instance.tasks(),
				instance.queues(), taskCaps, instance.queueCaps(), keyCaps, instance.running());
	}

	private static DispatcherView view(DispatcherStatus status) {
		return new DispatcherView(status.running(), text(status.lastHeartbeatAt()), status.heartbeatsCurrent(),
				status.storeProblem());
	}

	private static @Nullable String text(@Nullable Object value) {
		return (value != null) ? value.toString() : null;
	}

}
