package dev.taskito.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobExecutionInterceptor;
import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskEvent;
import dev.taskito.TaskListener;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.NewJob;
import dev.taskito.store.RateLimit;
import dev.taskito.store.StoreUnavailableException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the core tells {@link TaskListener}s, {@link JobExecutionInterceptor}s and the MDC,
 * and what {@link TaskDispatcher#status()} says, after real jobs on a real store. Each store
 * runs it through a subclass of a few lines.
 */
public abstract class AbstractTaskEventsTest {

	static final Duration LEASE = Duration.ofSeconds(1);

	static final Duration HEARTBEAT = Duration.ofMillis(250);

	private final List<TaskDispatcher> dispatchers = new CopyOnWriteArrayList<>();

	private final List<ClaimStore> stores = new CopyOnWriteArrayList<>();

	private final List<InterceptingClaimStore> seams = new CopyOnWriteArrayList<>();

	private final CountDownLatch hold = new CountDownLatch(1);

	/** Every event told to this test's listeners, by any instance or queue. */
	protected final Recording events = new Recording();

	/**
	 * @return a new store object on this test's own, empty namespace
	 */
	protected abstract ClaimStore newStore();

	/**
	 * Deletes this test's namespace, after every dispatcher and store has stopped.
	 */
	protected abstract void dropStoreData();

	@AfterEach
	void stopEverything() {
		this.hold.countDown();
		this.seams.forEach(InterceptingClaimStore::reconnect);
		this.seams.forEach(InterceptingClaimStore::thaw);
		this.dispatchers.forEach(TaskDispatcher::close);
		this.stores.forEach(ClaimStore::close);
		dropStoreData();
	}

	// ------------------------------------------------------------------ listener events

	@Test
	void enqueueStartAndSuccessAreToldEachAfterItsCommitOnTheirThreads() {
		Instance instance = instance((registry) -> registry.register(quickTask("greet")));
		this.events.onEvent = (event) -> this.events.statusSeen.put(event, status(instance, event.jobId()));
		JobId id = instance.queue.enqueue("greet");
		instance.dispatcher.start();

		TaskEvent succeeded = this.events.await(TaskEvent.Type.SUCCEEDED, id);
		TaskEvent enqueued = this.events.await(TaskEvent.Type.ENQUEUED, id);
		TaskEvent started = this.events.await(TaskEvent.Type.STARTED, id);

		assertThat(enqueued.taskName()).isEqualTo("greet");
		assertThat(enqueued.queue()).isEqualTo("default");
		assertThat(enqueued.attempt()).isZero();
		assertThat(this.events.statusSeen.get(enqueued)).as("the job is stored when its enqueue is told")
			.isNotNull();
		assertThat(started.attempt()).isEqualTo(1);
		assertThat(started.executionTime()).isNull();
		assertThat(this.events.statusSeen.get(started)).isEqualTo(JobStatus.RUNNING);
		assertThat(this.events.threadOf(started)).startsWith("taskito-worker-");
		assertThat(succeeded.attempt()).isEqualTo(1);
		assertThat(succeeded.executionTime()).isNotNull().satisfies((time) -> assertThat(time.isNegative()).isFalse());
		assertThat(succeeded.error()).isNull();
		assertThat(this.events.statusSeen.get(succeeded)).as("told once the outcome is committed")
			.isEqualTo(JobStatus.SUCCEEDED);
		assertThat(this.events.threadOf(succeeded)).as("the bounded events thread, never the completer")
			.startsWith("taskito-events-");
		for (TaskEvent event : List.of(started, succeeded)) {
			if (event.dueAt() != null) {
				assertThat(event.waited()).as("due to start, once the store reports the due time").isNotNull();
			}
		}
		assertThat(this.events.of(id)).extracting(TaskEvent::type)
			.containsOnly(TaskEvent.Type.ENQUEUED, TaskEvent.Type.STARTED, TaskEvent.Type.SUCCEEDED);
		assertThat(instance.dispatcher.droppedEvents()).isZero();
		assertThat(instance.queue.droppedEvents()).isZero();
	}

	/**
	 * A listener that never blocks (the metrics listener) is told every event on the thread
	 * that publishes it, after its commit, with no hand-off to the events thread; one that may
	 * block beside it is still told there.
	 */
	@Test
	void aNonBlockingListenerIsToldOnThePublishingThreadAfterTheCommit() {
		Recording nonBlocking = new Recording(true);
		Instance instance = instance((registry) -> registry.register(quickTask("greet")),
				List.of(this.events, nonBlocking));
		nonBlocking.onEvent = (event) -> nonBlocking.statusSeen.put(event, status(instance, event.jobId()));
		JobId id = instance.queue.enqueue("greet");
		TaskEvent enqueued = nonBlocking.await(TaskEvent.Type.ENQUEUED, id);
		assertThat(nonBlocking.threadOf(enqueued)).as("the caller's thread").isEqualTo(Thread.currentThread().getName());
		assertThat(nonBlocking.statusSeen.get(enqueued)).as("told once the job is stored").isNotNull();
		instance.dispatcher.start();

		TaskEvent succeeded = nonBlocking.await(TaskEvent.Type.SUCCEEDED, id);
		assertThat(nonBlocking.threadOf(succeeded)).as("the thread that committed the outcome")
			.doesNotStartWith("taskito-events-").doesNotStartWith("taskito-worker-");
		assertThat(nonBlocking.statusSeen.get(succeeded)).as("told once the outcome is committed")
			.isEqualTo(JobStatus.SUCCEEDED);
		assertThat(this.events.threadOf(this.events.await(TaskEvent.Type.SUCCEEDED, id)))
			.as("a listener that may block, beside it").startsWith("taskito-events-");
		assertThat(nonBlocking.of(id)).extracting(TaskEvent::type)
			.containsExactly(TaskEvent.Type.ENQUEUED, TaskEvent.Type.STARTED, TaskEvent.Type.SUCCEEDED);
	}

	@Test
	void failureWithARetryThenDeathAreToldWithTheErrorAndTheRetryDelay() {
		Instance instance = instance((registry) -> registry
			.register(TaskDefinition.of("flaky", Handlers.noArgs((args, context) -> {
				throw new IllegalStateException("attempt " + context.attempt() + " broke");
			})).withMaxRetries(1)));
		Map<TaskEvent, JobView> seen = new ConcurrentHashMap<>();
		this.events.onEvent = (event) -> {
			this.events.statusSeen.put(event, status(instance, event.jobId()));
			instance.queue.find(event.jobId()).ifPresent((job) -> seen.put(event, job));
		};
		JobId id = instance.queue.enqueue("flaky");
		instance.dispatcher.start();

		TaskEvent dead = this.events.await(TaskEvent.Type.DEAD, id);
		TaskEvent failed = this.events.await(TaskEvent.Type.FAILED, id);

		assertThat(failed.attempt()).isEqualTo(1);
		assertThat(failed.error()).isEqualTo("java.lang.IllegalStateException: attempt 1 broke");
		assertThat(failed.retryDelay()).isNotNull().isPositive();
		assertThat(failed.executionTime()).isNotNull();
		// Told on the events thread once the failure committed: the job is PENDING for its retry,
		// or, when that thread ran late, already on to its second attempt, which only a committed
		// retry allows; never still RUNNING its first.
		assertThat(seen.get(failed)).as("pending again for its retry, or past it")
			.satisfiesAnyOf((job) -> assertThat(job.status()).isEqualTo(JobStatus.PENDING),
					(job) -> assertThat(job.attempts()).isEqualTo(2));
		assertThat(dead.attempt()).isEqualTo(2);
		assertThat(dead.error()).contains("attempt 2 broke");
		assertThat(dead.retryDelay()).isNull();
		assertThat(this.events.statusSeen.get(dead)).isEqualTo(JobStatus.DEAD);
		assertThat(this.events.of(id)).extracting(TaskEvent::type)
			.containsExactlyInAnyOrder(TaskEvent.Type.ENQUEUED, TaskEvent.Type.STARTED, TaskEvent.Type.FAILED,
					TaskEvent.Type.STARTED, TaskEvent.Type.DEAD);
		// The enqueue is told on the events thread and the start on the worker's, so this
		// recording (which reads the store before it records) may see them either way round;
		// the attempts' own events keep their order.
		assertThat(this.events.of(id)).extracting(TaskEvent::type)
			.filteredOn((type) -> type != TaskEvent.Type.ENQUEUED)
			.containsExactly(TaskEvent.Type.STARTED, TaskEvent.Type.FAILED, TaskEvent.Type.STARTED,
					TaskEvent.Type.DEAD);
	}

	@Test
	void cancelIsToldWithTheJobsTaskAndQueue() {
		Instance instance = instance((registry) -> registry.register(quickTask("later").withQueue("slow")));
		JobId id = instance.queue.enqueue(EnqueueRequest.of("later").delay(Duration.ofHours(1)));
		JobId kept = instance.queue.enqueue(EnqueueRequest.of("later").delay(Duration.ofHours(1)));

		assertThat(instance.queue.cancel(id)).isTrue();
		assertThat(instance.queue.cancel(id)).as("already cancelled").isFalse();

		TaskEvent cancelled = this.events.await(TaskEvent.Type.CANCELLED, id);
		assertThat(cancelled.taskName()).isEqualTo("later");
		assertThat(cancelled.queue()).isEqualTo("slow");
		await().during(Duration.ofMillis(300)).until(() -> this.events.of(TaskEvent.Type.CANCELLED).size() == 1);
		assertThat(this.events.of(kept)).extracting(TaskEvent::type).containsExactly(TaskEvent.Type.ENQUEUED);
	}

	/**
	 * Needs the stores to report the jobs a bulk step changed ({@code BulkStep.changedJobs}).
	 */
	@Test
	void cancelAllIsToldPerJobCancelled() {
		Instance instance = instance((registry) -> registry.register(quickTask("later")));
		List<JobId> ids = instance.queue.enqueueAll(List.of(EnqueueRequest.of("later").delay(Duration.ofHours(1)),
				EnqueueRequest.of("later").delay(Duration.ofHours(1)),
				EnqueueRequest.of("later").delay(Duration.ofHours(1))));

		assertThat(instance.queue.cancelAll(JobQuery.all().task("later")).changed()).isEqualTo(3);

		await().atMost(Duration.ofSeconds(5))
			.until(() -> this.events.of(TaskEvent.Type.CANCELLED).size() == ids.size());
		assertThat(this.events.of(TaskEvent.Type.CANCELLED)).extracting(TaskEvent::jobId)
			.containsExactlyInAnyOrderElementsOf(ids);
	}

	@Test
	void capRejectionIsToldAfterItsRollbackWithACapOfOneAndTwoDispatchers() {
		Instance first = instance((registry) -> registry.register(quickTask("single").withMaxConcurrent(1)));
		Instance second = instance((registry) -> registry.register(quickTask("single").withMaxConcurrent(1)));
		List<JobId> ids = first.enqueueTwo("single");
		List<ClaimedJob> claimed = new ArrayList<>();
		for (Instance instance : List.of(first, second)) {
			// Both claim one job without the store's gate, so that each count sees two claims.
			instance.seams.pretendPaused(instance.registry.queueNames());
			instance.dispatcher.start();
			ClaimRequest request = new ClaimRequest(instance.dispatcher.instanceId(), Duration.ofSeconds(30), 1,
					Set.of("default"), Map.of("single", 1), Map.of());
			claimed.addAll(instance.dispatcher.pass
				.claimForDispatch(new DispatchPass.PreClaimGates(request, new RateLimitTokens())));
		}
		assertThat(claimed).hasSize(2);
		List<ClaimedJob> rejected = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			Instance instance = List.of(first, second).get(i);
			DispatchPass.Admission admission = instance.dispatcher.pass
				.checkPostClaimConcurrency(List.of(claimed.get(i)));
			instance.dispatcher.pass.rollbackClaimAndReschedule(admission.rejected());
			rejected.addAll(admission.rejected());
		}

		assertThat(rejected).as("the second count sees both claims: a cap of 1 admits neither").isNotEmpty();
		for (ClaimedJob job : rejected) {
			TaskEvent event = this.events.await(TaskEvent.Type.CAP_REJECTED, job.id());
			assertThat(event.taskName()).isEqualTo("single");
			assertThat(event.attempt()).as("a rejected claim consumes no attempt").isZero();
			assertThat(status(first, job.id())).isEqualTo(JobStatus.PENDING);
		}
		assertThat(this.events.of(TaskEvent.Type.CAP_REJECTED)).extracting(TaskEvent::jobId)
			.containsExactlyInAnyOrderElementsOf(rejected.stream().map(ClaimedJob::id).toList())
			.isSubsetOf(ids);
	}

	@Test
	void rateLimitHoldingDueJobsBackIsTold() {
		Instance instance = instance((registry) -> registry
			.register(quickTask("limited").withRateLimit(RateLimit.parse("3/h"))));
		List<JobId> ids = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			ids.add(instance.queue.enqueue("limited"));
		}
		instance.dispatcher.start();

		await().until(() -> this.events.of(TaskEvent.Type.SUCCEEDED).size() == 3);
		await().atMost(Duration.ofSeconds(5)).until(() -> !this.events.of(TaskEvent.Type.RATE_LIMITED).isEmpty());
		TaskEvent limited = this.events.of(TaskEvent.Type.RATE_LIMITED).get(0);
		assertThat(limited.jobId()).isNull();
		assertThat(limited.taskName()).isEqualTo("limited");
		assertThat(limited.queue()).isEqualTo("default");
		assertThat(limited.count()).isPositive();
		assertThat(ids.stream().filter((id) -> status(instance, id) == JobStatus.PENDING)).hasSize(3);
	}

	@Test
	void rateLimitWithNothingDueTellsNothing() {
		Instance instance = instance((registry) -> registry
			.register(quickTask("limited").withRateLimit(RateLimit.parse("3/h"))));
		instance.dispatcher.start();
		JobId id = instance.queue.enqueue("limited");
		this.events.await(TaskEvent.Type.SUCCEEDED, id);

		await().during(Duration.ofMillis(500)).until(() -> this.events.of(TaskEvent.Type.RATE_LIMITED).isEmpty());
	}

	@Test
	void uniqueEnqueueThatFindsItsKeyHeldIsNoEnqueue() {
		Instance instance = instance((registry) -> registry.register(quickTask("report")));
		JobId first = instance.queue.enqueue(EnqueueRequest.of("report").uniqueKey("daily").delay(Duration.ofHours(1)));
		JobId second = instance.queue.enqueue(EnqueueRequest.of("report").uniqueKey("daily").delay(Duration.ofHours(1)));
		List<JobId> batch = instance.queue.enqueueAll(List.of(EnqueueRequest.of("report").uniqueKey("daily"),
				EnqueueRequest.of("report")));

		assertThat(second).isEqualTo(first);
		assertThat(batch.get(0)).isEqualTo(first);
		await().until(() -> this.events.of(TaskEvent.Type.ENQUEUED).size() == 2);
		await().during(Duration.ofMillis(300)).until(() -> this.events.of(TaskEvent.Type.ENQUEUED).size() == 2);
		assertThat(this.events.of(TaskEvent.Type.ENQUEUED)).extracting(TaskEvent::jobId)
			.containsExactlyInAnyOrder(first, batch.get(1));
	}

	@Test
	void enqueueIsToldOnlyThroughTheAfterCommitExecutorSoARolledBackOneIsNever() {
		Instance instance = instance((registry) -> registry.register(quickTask("mail")));
		// Stands for the Spring layer's executor: what it is handed runs at the commit, or never
		// when the transaction rolls back.
		List<Runnable> atCommit = new CopyOnWriteArrayList<>();
		instance.queue.setAfterCommitExecutor(atCommit::add);
		JobId committed = instance.queue.enqueue(EnqueueRequest.of("mail").delay(Duration.ofHours(1)));
		await().during(Duration.ofMillis(300)).until(() -> this.events.of(TaskEvent.Type.ENQUEUED).isEmpty());
		atCommit.forEach(Runnable::run);
		atCommit.clear();
		this.events.await(TaskEvent.Type.ENQUEUED, committed);

		instance.queue.enqueue(EnqueueRequest.of("mail").delay(Duration.ofHours(1)));
		atCommit.clear();

		await().during(Duration.ofMillis(300)).until(() -> this.events.of(TaskEvent.Type.ENQUEUED).size() == 1);
	}

	@Test
	void aListenerThatThrowsChangesNothing() {
		List<TaskEvent> afterTheThrower = new CopyOnWriteArrayList<>();
		Instance instance = instance((registry) -> {
			registry.register(quickTask("steady"));
			registry.register(TaskDefinition.of("broken", Handlers.noArgs((args, context) -> {
				throw new IllegalStateException("broken");
			})).withMaxRetries(0));
		}, List.of((event) -> {
			throw new IllegalStateException("listener bug");
		}, afterTheThrower::add));
		JobId steady = instance.queue.enqueue("steady");
		JobId broken = instance.queue.enqueue("broken");
		instance.dispatcher.start();

		await().until(() -> status(instance, steady) == JobStatus.SUCCEEDED && status(instance, broken) == JobStatus.DEAD);
		JobId next = instance.queue.enqueue("steady");
		await().until(() -> status(instance, next) == JobStatus.SUCCEEDED);
		assertThat(instance.queue.find(steady).orElseThrow().attempts()).isEqualTo(1);
		await().until(() -> afterTheThrower.stream()
			.anyMatch((event) -> event.type() == TaskEvent.Type.SUCCEEDED && next.equals(event.jobId())));
		assertThat(afterTheThrower).extracting(TaskEvent::type)
			.contains(TaskEvent.Type.ENQUEUED, TaskEvent.Type.STARTED, TaskEvent.Type.SUCCEEDED, TaskEvent.Type.DEAD);
		assertThat(instance.dispatcher.status().storeProblem()).isNull();
	}

	@Test
	void aListenerThatBlocksOnAnOutcomeHoldsUpNoOutcomeAndNoCappedSlot() {
		CountDownLatch listenerBlocked = new CountDownLatch(1);
		Instance instance = instance((registry) -> registry.register(quickTask("capped").withMaxConcurrent(1)),
				List.of((event) -> {
					if (event.type() == TaskEvent.Type.SUCCEEDED) {
						listenerBlocked.countDown();
						// Blocks until the test ends, as a listener stuck on a slow database would.
						try {
							this.hold.await();
						}
						catch (InterruptedException ex) {
							Thread.currentThread().interrupt();
						}
					}
				}));
		List<JobId> ids = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			ids.add(instance.queue.enqueue("capped"));
		}
		instance.dispatcher.start();

		await().until(() -> listenerBlocked.getCount() == 0);
		await().atMost(Duration.ofSeconds(20))
			.until(() -> ids.stream().allMatch((id) -> status(instance, id) == JobStatus.SUCCEEDED));
	}

	@Test
	void handlerTheWatchdogStopsEndsWithADiscardedOutcome() {
		Instance instance = instance((registry) -> registry
			.register(TaskDefinition.of("patient", Handlers.noArgs((args, context) -> {
				this.hold.await(30, TimeUnit.SECONDS);
				return null;
			}))));
		JobId id = instance.queue.enqueue("patient");
		instance.dispatcher.start();
		this.events.await(TaskEvent.Type.STARTED, id);

		instance.seams.freeze();

		TaskEvent discarded = this.events.await(TaskEvent.Type.OUTCOME_DISCARDED, id);
		assertThat(discarded.error()).contains("given back");
		assertThat(discarded.attempt()).isEqualTo(1);
		assertThat(discarded.executionTime()).isNotNull();
		instance.seams.thaw();
		assertThat(this.events.of(id)).extracting(TaskEvent::type)
			.containsSubsequence(TaskEvent.Type.STARTED, TaskEvent.Type.OUTCOME_DISCARDED);
	}

	// ------------------------------------------------------------------ interceptors, MDC, headers

	@Test
	void interceptorsNestFirstOutermostInsideTheMdcAroundTheHandler() {
		List<String> seen = new CopyOnWriteArrayList<>();
		JobExecutionInterceptor outer = (execution) -> {
			seen.add("outer in " + MDC.get("taskito.jobId") + " " + MDC.get("taskito.task") + " "
					+ execution.taskName() + "/" + execution.queue() + "#" + execution.attempt());
			Object result = execution.proceed();
			seen.add("outer out " + result);
			return result;
		};
		JobExecutionInterceptor inner = (execution) -> {
			seen.add("inner in");
			Object result = execution.proceed();
			seen.add("inner out");
			return (int) result + 1;
		};
		Instance instance = instance((registry) -> registry.register(TaskDefinition.of("double",
				Handlers.intArg((args, context) -> {
					seen.add("handler " + MDC.get("taskito.jobId") + " " + MDC.get("taskito.task"));
					return (int) args[0] * 2;
				}))), List.of(), List.of(outer, inner));
		JobId id = instance.queue.enqueue("double", 20);
		MDC.put("taskito.jobId", "the caller's");

		try {
			assertThat(instance.dispatcher.runDueJobsOnCallingThread()).isEqualTo(1);
			assertThat(MDC.get("taskito.jobId")).as("put back as it was").isEqualTo("the caller's");
			assertThat(MDC.get("taskito.task")).isNull();
		}
		finally {
			MDC.remove("taskito.jobId");
		}
		assertThat(seen).containsExactly("outer in " + id + " double double/default#1", "inner in",
				"handler " + id + " double", "inner out", "outer out 41");
		assertThat(instance.queue.find(id).orElseThrow().result()).as("what the chain returned").isEqualTo("41");
	}

	@Test
	void startIsToldOnTheWorkerInsideTheJobsMdc() {
		Instance instance = instance((registry) -> registry.register(quickTask("look")));
		Map<TaskEvent, String> mdc = new java.util.concurrent.ConcurrentHashMap<>();
		this.events.onEvent = (event) -> {
			String id = MDC.get("taskito.jobId");
			mdc.put(event, (id != null) ? id + " " + MDC.get("taskito.task") : "none");
		};
		JobId id = instance.queue.enqueue("look");
		instance.dispatcher.start();

		TaskEvent succeeded = this.events.await(TaskEvent.Type.SUCCEEDED, id);
		TaskEvent started = this.events.await(TaskEvent.Type.STARTED, id);
		assertThat(mdc.get(started)).isEqualTo(id + " look");
		assertThat(mdc.get(succeeded)).as("the events thread runs no handler").isEqualTo("none");
	}

	@Test
	void headersFromEveryContributorArePutOnEachNewJobOnTheCallersThreadAndAFailingOneIsSkipped() {
		Instance instance = instance((registry) -> registry.register(quickTask("mail")));
		Thread caller = Thread.currentThread();
		instance.queue.addHeadersContributor((request) -> {
			assertThat(Thread.currentThread()).isSameAs(caller);
			return Map.of("traceparent", "00-trace-span-01", "tenant", "first");
		});
		instance.queue.addHeadersContributor((request) -> {
			throw new IllegalStateException("a contributor's bug");
		});
		instance.queue.addHeadersContributor((request) -> Map.of("tenant", "second", "task", request.taskName()));

		instance.queue.enqueueAll(List.of(EnqueueRequest.of("mail"), EnqueueRequest.of("mail")));

		assertThat(instance.seams.enqueued).extracting(NewJob::headers)
			.containsOnly(Map.of("traceparent", "00-trace-span-01", "tenant", "second", "task", "mail"))
			.hasSize(2);
	}

	/**
	 * Needs the stores to keep {@code NewJob.headers} and return them in {@code ClaimedJob.headers}.
	 */
	@Test
	void headersContributedAtEnqueueArriveInTheInterceptor() {
		List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
		Instance enqueuer = instance((registry) -> registry.register(quickTask("mail")));
		enqueuer.queue.addHeadersContributor((request) -> Map.of("traceparent", "00-abc-def-01"));
		Instance runner = instance((registry) -> registry.register(quickTask("mail")), List.of(),
				List.of((execution) -> {
					seen.add(execution.headers());
					return execution.proceed();
				}));
		JobId id = enqueuer.queue.enqueue("mail");
		runner.dispatcher.start();

		await().until(() -> status(runner, id) == JobStatus.SUCCEEDED);
		assertThat(seen).containsExactly(Map.of("traceparent", "00-abc-def-01"));
	}

	// ------------------------------------------------------------------ status

	@Test
	void statusBeforeStartWhileRunningAndAfterClose() {
		Instance instance = instance((registry) -> registry.register(quickTask("mail")));
		assertThat(instance.dispatcher.status()).isEqualTo(new DispatcherStatus(false, null, false, null));

		instance.dispatcher.start();
		DispatcherStatus running = instance.dispatcher.status();
		assertThat(running.running()).isTrue();
		assertThat(running.lastHeartbeatAt()).as("start sends a first heartbeat").isNotNull();
		assertThat(running.heartbeatsCurrent()).isTrue();
		assertThat(running.storeProblem()).isNull();
		await().until(() -> instance.dispatcher.status().lastHeartbeatAt().isAfter(running.lastHeartbeatAt()));

		instance.dispatcher.close();
		DispatcherStatus closed = instance.dispatcher.status();
		assertThat(closed.running()).isFalse();
		assertThat(closed.heartbeatsCurrent()).isFalse();
	}

	@Test
	void statusDuringAFrozenStoreIsReadWithoutTheStoreAndSaysTheHeartbeatsStopped() {
		Instance instance = instance((registry) -> registry.register(quickTask("mail")));
		instance.dispatcher.start();
		await().until(() -> instance.dispatcher.status().heartbeatsCurrent());

		instance.seams.freeze();

		// Every store call of this instance now hangs; status() must not.
		await().atMost(Duration.ofSeconds(5)).until(() -> !instance.dispatcher.status().heartbeatsCurrent());
		DispatcherStatus frozen = instance.dispatcher.status();
		assertThat(frozen.running()).isTrue();
		assertThat(frozen.lastHeartbeatAt()).isNotNull();
		instance.seams.thaw();
		await().atMost(Duration.ofSeconds(5)).until(() -> instance.dispatcher.status().heartbeatsCurrent());
	}

	@Test
	void statusNamesTheStoreProblemDuringAnOutageAndClearsItAfter() {
		Instance instance = instance((registry) -> registry.register(quickTask("mail")));
		instance.dispatcher.start();

		instance.seams.cutOff(new StoreUnavailableException("connection refused by the test", null));

		await().atMost(Duration.ofSeconds(5)).until(() -> instance.dispatcher.status().storeProblem() != null);
		assertThat(instance.dispatcher.status().storeProblem()).contains("connection refused by the test");
		await().atMost(Duration.ofSeconds(5)).until(() -> !instance.dispatcher.status().heartbeatsCurrent());
		instance.seams.reconnect();
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			DispatcherStatus status = instance.dispatcher.status();
			return status.storeProblem() == null && status.heartbeatsCurrent();
		});
	}

	// ------------------------------------------------------------------ fixtures

	/** A store, a registry, a queue and a dispatcher not yet started: one application instance. */
	protected record Instance(ClaimStore store, InterceptingClaimStore seams, TaskRegistry registry,
			DefaultTaskQueue queue, TaskDispatcher dispatcher) {

		List<JobId> enqueueTwo(String task) {
			return this.queue.enqueueAll(List.of(EnqueueRequest.of(task), EnqueueRequest.of(task)));
		}

	}

	protected Instance instance(Consumer<TaskRegistry> tasks) {
		return instance(tasks, List.of(this.events));
	}

	protected Instance instance(Consumer<TaskRegistry> tasks, List<TaskListener> listeners) {
		return instance(tasks, listeners, List.of());
	}

	protected Instance instance(Consumer<TaskRegistry> tasks, List<TaskListener> listeners,
			List<JobExecutionInterceptor> interceptors) {
		return instance(tasks, listeners.isEmpty() ? List.of(this.events) : listeners, interceptors, 8);
	}

	protected Instance instance(Consumer<TaskRegistry> tasks, List<TaskListener> listeners,
			List<JobExecutionInterceptor> interceptors, int concurrency) {
		ClaimStore store = newStore();
		store.start();
		this.stores.add(store);
		TaskRegistry registry = new TaskRegistry();
		tasks.accept(registry);
		InterceptingClaimStore seams = InterceptingClaimStore.of(store);
		this.seams.add(seams);
		DefaultTaskQueue queue = new DefaultTaskQueue(seams, registry);
		TaskDispatcher.Builder builder = TaskDispatcher.builder(seams, registry)
			.concurrency(concurrency)
			.pollInterval(Duration.ofMillis(100))
			.leaseDuration(LEASE)
			.heartbeatInterval(HEARTBEAT)
			.reaperGrace(Duration.ofMillis(200))
			.retryBackoff(Duration.ofMillis(20))
			.retryMaxBackoff(Duration.ofMillis(100))
			.shutdownTimeout(Duration.ofMillis(500));
		listeners.forEach((listener) -> {
			queue.addListener(listener);
			builder.listener(listener);
		});
		interceptors.forEach(builder::interceptor);
		TaskDispatcher dispatcher = builder.build();
		queue.addEnqueueListener(dispatcher::wakeUp);
		this.dispatchers.add(dispatcher);
		return new Instance(store, seams, registry, queue, dispatcher);
	}

	/** A task that returns at once. */
	protected static TaskDefinition quickTask(String name) {
		return TaskDefinition.of(name, Handlers.noArgs((args, context) -> null));
	}

	protected static JobStatus status(Instance instance, JobId id) {
		return (id != null) ? instance.queue.find(id).map((job) -> job.status()).orElse(null) : null;
	}

	/** A listener that keeps every event it is told and the thread that told it. */
	protected static final class Recording implements TaskListener {

		private final boolean nonBlocking;

		Recording() {
			this(false);
		}

		Recording(boolean nonBlocking) {
			this.nonBlocking = nonBlocking;
		}

		@Override
		public boolean isNonBlocking() {
			return this.nonBlocking;
		}

		private final List<TaskEvent> events = new CopyOnWriteArrayList<>();

		private final Map<TaskEvent, String> threads = new java.util.concurrent.ConcurrentHashMap<>();

		/** The job's status as the store had it when the event was told, where a test looks. */
		final Map<TaskEvent, JobStatus> statusSeen = new java.util.concurrent.ConcurrentHashMap<>();

		volatile Consumer<TaskEvent> onEvent = (event) -> {
		};

		@Override
		public void onEvent(TaskEvent event) {
			this.threads.put(event, Thread.currentThread().getName());
			this.onEvent.accept(event);
			this.events.add(event);
		}

		List<TaskEvent> of(TaskEvent.Type type) {
			return this.events.stream().filter((event) -> event.type() == type).toList();
		}

		List<TaskEvent> of(JobId id) {
			return this.events.stream().filter((event) -> id.equals(event.jobId())).toList();
		}

		String threadOf(TaskEvent event) {
			return this.threads.get(event);
		}

		TaskEvent await(TaskEvent.Type type, JobId id) {
			org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
				.until(() -> this.events.stream().anyMatch((event) -> event.type() == type && id.equals(event.jobId())));
			return this.events.stream().filter((event) -> event.type() == type && id.equals(event.jobId()))
				.findFirst().orElseThrow();
		}

	}

}
