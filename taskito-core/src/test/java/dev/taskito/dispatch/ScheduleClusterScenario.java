package dev.taskito.dispatch;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.Misfire;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ScheduleTick;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several dispatchers, each with its own store connections, run two periodic tasks that
 * fire every second: each tick is enqueued exactly once, none is missing, an instance that
 * stops dead in the middle of a tick delays nothing and, back long after, enqueues nothing, a paused schedule enqueues nothing until resumed, and
 * after a gap with every instance down the missed ticks run once ({@link Misfire#RUN_ONCE})
 * or not at all ({@link Misfire#SKIP}). The handlers record the ticks they see
 * ({@link dev.taskito.JobContext#scheduledFor()}).
 */
final class ScheduleClusterScenario {

	private final Map<String, ConcurrentMap<Instant, AtomicInteger>> seen = Map.of("once", new ConcurrentHashMap<>(),
			"skip", new ConcurrentHashMap<>());

	private final List<TaskDispatcher> dispatchers = new CopyOnWriteArrayList<>();

	private final List<ClaimStore> stores = new CopyOnWriteArrayList<>();

	private final Supplier<ClaimStore> newStore;

	private final int instances;

	/**
	 * @param newStore makes a new store object on the scenario's own, empty namespace
	 * @param instances how many instances run at once
	 */
	ScheduleClusterScenario(Supplier<ClaimStore> newStore, int instances) {
		this.newStore = newStore;
		this.instances = instances;
	}

	/**
	 * Runs the scenario and checks what the handlers and the store saw; closes every
	 * dispatcher and store it made, whatever happens (the caller drops the namespace).
	 * @throws Exception when it fails
	 */
	void run() throws Exception {
		try {
			everyTickIsEnqueuedOnceAcrossInstancesThroughADeathAPauseAndAGap();
		}
		finally {
			this.dispatchers.forEach(TaskDispatcher::close);
			this.stores.forEach(ClaimStore::close);
		}
	}

	private void everyTickIsEnqueuedOnceAcrossInstancesThroughADeathAPauseAndAGap() throws Exception {
		List<Instance> running = new ArrayList<>();
		for (int i = 0; i < this.instances; i++) {
			running.add(start());
		}
		Thread.sleep(4_000);
		// One instance stops dead in the middle of a tick, holding the last tick it read: the
		// others go on enqueueing every tick without it.
		Instance zombie = running.remove(0);
		zombie.freeze.set(true);
		assertThat(zombie.frozen.await(5, TimeUnit.SECONDS)).as("the instance froze in a tick").isTrue();
		DefaultTaskQueue queue = running.get(0).queue;
		Thread.sleep(5_000);
		// It comes back long after: the tick it was enqueueing is taken, and it enqueues nothing again.
		zombie.release.countDown();
		await().atMost(Duration.ofSeconds(5)).until(() -> zombie.lateTicks.size() > 0);
		assertThat(zombie.lateTicks).as("the frozen instance's tick, long taken").contains(ScheduleTick.Result.TAKEN)
			.doesNotContain(ScheduleTick.Result.ENQUEUED);
		zombie.dispatcher.close();

		queue.pauseSchedule("once");
		Instant pausedAt = this.stores.get(0).schedules().storeTime();
		long pausedJobs = jobs(queue, "once").size();
		Thread.sleep(2_500);
		assertThat(jobs(queue, "once")).as("a paused schedule enqueues nothing").hasSize((int) pausedJobs);
		assertThat(queue.schedules()).filteredOn((view) -> view.task().equals("once")).singleElement()
			.satisfies((view) -> assertThat(view.paused()).isTrue());
		queue.resumeSchedule("once");
		Instant resumedAt = this.stores.get(0).schedules().storeTime();
		Thread.sleep(3_000);

		// Every instance goes down, for longer than the misfire threshold.
		running.forEach((instance) -> instance.dispatcher.close());
		await().atMost(Duration.ofSeconds(20)).until(() -> allFinished(this.stores.get(0)));
		Instant lastBefore = latestTick(this.stores.get(0));
		Thread.sleep(6_500);
		// Start in the first part of a second, so that the restarted instance's first pass
		// reads the same second as this.
		Instant storeNow = this.stores.get(0).schedules().storeTime();
		while (storeNow.getNano() > 400_000_000) {
			Thread.sleep(50);
			storeNow = this.stores.get(0).schedules().storeTime();
		}
		Instant beforeRestart = storeNow;
		Instance restarted = start();
		Thread.sleep(2_500);
		restarted.dispatcher.close();
		await().atMost(Duration.ofSeconds(20)).until(() -> allFinished(this.stores.get(0)));

		ClaimStore store = this.stores.get(0);
		for (String task : List.of("once", "skip")) {
			List<JobView> jobs = store.jobs(JobQuery.all().task(task).limit(1000));
			List<Instant> ticks = jobs.stream().map(JobView::scheduledFor).sorted().toList();
			assertThat(ticks).as("ticks of %s", task).doesNotHaveDuplicates().hasSizeGreaterThan(8);
			assertThat(jobs).extracting(JobView::status).containsOnly(JobStatus.SUCCEEDED);
			Map<Instant, Integer> runs = new TreeMap<>();
			this.seen.get(task).forEach((tick, count) -> runs.put(tick, count.get()));
			assertThat(runs.keySet()).as("the handlers saw each stored tick").containsExactlyElementsOf(ticks);
			assertThat(runs.values()).as("each tick ran once").containsOnly(1);
			List<Instant> before = ticks.stream().filter((tick) -> !tick.isAfter(lastBefore)).toList();
			List<Instant> after = ticks.stream().filter((tick) -> tick.isAfter(lastBefore)).toList();
			if (task.equals("once")) {
				// Ticks that passed while paused are enqueued at the resume, each passed over
				// while the one before it is still pending: which of them ran is a race.
				assertContiguous("once before the pause",
						before.stream().filter((tick) -> !tick.isAfter(pausedAt)).toList());
				assertContiguous("once after the resume",
						before.stream().filter((tick) -> tick.isAfter(resumedAt.plusSeconds(1))).toList());
			}
			else {
				assertContiguous(task + " before the gap", before);
			}
			assertContiguous(task + " after the gap", after);
			List<Instant> missed = after.stream().filter((tick) -> !tick.isAfter(beforeRestart)).toList();
			if (task.equals("once")) {
				assertThat(missed).as("run-once: one catch-up for the gap, its latest tick")
					.containsExactly(beforeRestart.truncatedTo(ChronoUnit.SECONDS));
			}
			else {
				assertThat(missed).as("skip: no catch-up for the gap").isEmpty();
			}
		}
	}

	private static void assertContiguous(String what, List<Instant> ticks) {
		assertThat(ticks).as(what).isNotEmpty();
		for (int i = 1; i < ticks.size(); i++) {
			assertThat(ticks.get(i)).as("%s: no tick missing after %s in %s", what, ticks.get(i - 1), ticks)
				.isEqualTo(ticks.get(i - 1).plusSeconds(1));
		}
	}

	private static List<JobView> jobs(DefaultTaskQueue queue, String task) {
		return queue.jobs(JobQuery.all().task(task).limit(1000));
	}

	private static boolean allFinished(ClaimStore store) {
		return store.count(JobQuery.all().status(JobStatus.PENDING, JobStatus.RUNNING)) == 0;
	}

	private static Instant latestTick(ClaimStore store) {
		return store.jobs(JobQuery.all().limit(1000)).stream().map(JobView::scheduledFor).max(Instant::compareTo)
			.orElseThrow();
	}

	private Instance start() {
		ClaimStore real = this.newStore.get();
		real.start();
		this.stores.add(real);
		AtomicBoolean freeze = new AtomicBoolean();
		CountDownLatch frozen = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		List<ScheduleTick.Result> lateTicks = new CopyOnWriteArrayList<>();
		// The store as this instance sees it: once frozen, its next tick stops before the store
		// is asked, until released, as a JVM paused or cut off mid-tick would.
		ClaimStore store = (ClaimStore) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { ClaimStore.class }, (proxy, method, args) -> {
					boolean late = false;
					if (method.getName().equals("enqueueTick") && freeze.compareAndSet(true, false)) {
						frozen.countDown();
						release.await();
						late = true;
					}
					try {
						Object result = method.invoke(real, args);
						if (late) {
							lateTicks.add((ScheduleTick.Result) result);
						}
						return result;
					}
					catch (InvocationTargetException ex) {
						throw ex.getTargetException();
					}
				});
		TaskRegistry registry = new TaskRegistry();
		registry.register(task("once").withSchedule(new EverySecond(), Misfire.RUN_ONCE));
		registry.register(task("skip").withSchedule(new EverySecond(), Misfire.SKIP));
		DefaultTaskQueue queue = new DefaultTaskQueue(store, registry);
		TaskDispatcher dispatcher = TaskDispatcher.builder(store, registry)
			.instanceId("schedules-" + JobId.newId())
			.concurrency(4)
			.pollInterval(Duration.ofMillis(200))
			.heartbeatInterval(Duration.ofSeconds(1))
			.shutdownTimeout(Duration.ofSeconds(5))
			.build();
		queue.addEnqueueListener(dispatcher::wakeUp);
		queue.addSchedulePauseListener(dispatcher::refreshSchedules);
		this.dispatchers.add(dispatcher);
		dispatcher.start();
		return new Instance(queue, dispatcher, freeze, frozen, release, lateTicks);
	}

	private TaskDefinition task(String name) {
		return TaskDefinition.of(name, Handlers.noArgs((args, context) -> {
			Instant tick = context.scheduledFor().orElseThrow();
			this.seen.get(name).computeIfAbsent(tick, (key) -> new AtomicInteger()).incrementAndGet();
			return null;
		}));
	}

	private record Instance(DefaultTaskQueue queue, TaskDispatcher dispatcher, AtomicBoolean freeze,
			CountDownLatch frozen, CountDownLatch release, List<ScheduleTick.Result> lateTicks) {
	}

}
