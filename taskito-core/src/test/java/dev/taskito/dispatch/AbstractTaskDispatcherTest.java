package dev.taskito.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.taskito.EnqueueRequest;
import dev.taskito.InvalidArgumentsException;
import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskitoException;
import dev.taskito.UnknownTaskException;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.StorableText;
import dev.taskito.store.RateLimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The dispatcher's promises, on a real store: caps checked after the claim and never
 * exceeded, retries, timeouts, leases and fencing, graceful close, pause, bad input. Each
 * store runs it through a subclass of a few lines.
 *
 * <p>Run with {@code -Dtaskito.test.capCheck=BROKEN_COUNT_BEFORE_CLAIM} or
 * {@code BROKEN_GREATER_OR_EQUAL} to watch the cap tests fail against the two bugs the
 * design exists to prevent.
 */
public abstract class AbstractTaskDispatcherTest {

	/** The latch every held handler waits on; generous so a failing test ends on its own. */
	private static final long HOLD_SECONDS = 30;

	private final List<TaskDispatcher> dispatchers = new CopyOnWriteArrayList<>();

	private final List<ClaimStore> stores = new CopyOnWriteArrayList<>();

	private final List<InterceptingClaimStore> frozenOrNot = new CopyOnWriteArrayList<>();

	private final List<CountDownLatch> latches = new CopyOnWriteArrayList<>();

	protected final ExecutionRecorder recorder = new ExecutionRecorder();

	/**
	 * @return a new store object on this test's own, empty namespace (each call a new
	 *         connection set on the same data, as another instance would have)
	 */
	protected abstract ClaimStore newStore();

	@AfterEach
	void stopEverything() {
		this.latches.forEach((latch) -> {
			while (latch.getCount() > 0) {
				latch.countDown();
			}
		});
		this.frozenOrNot.forEach(InterceptingClaimStore::thaw);
		this.dispatchers.forEach(TaskDispatcher::close);
		this.stores.forEach(ClaimStore::close);
		dropStoreData();
	}

	/**
	 * Deletes this test's namespace, after every dispatcher and store has stopped.
	 */
	protected abstract void dropStoreData();

	// ------------------------------------------------------------------ the seed's regressions

	@Test
	void perTaskConcurrencyAllowsExactlyMax() {
		Instance instance = instance((registry) -> registry.register(heldTask("capped", 2, null)));
		List<JobId> ids = enqueue(instance, "capped", 3);
		Map<JobId, Instant> runAtBefore = runAts(instance, ids);

		List<ClaimedJob> admitted = claimAllThenCheck(instance, "capped", 3, 2);

		instance.dispatcher.pass.handToWorkers(admitted);
		await().until(() -> this.recorder.running("task:capped") == 2);
		JobId rejected = ids.stream().filter((id) -> admitted.stream().noneMatch((job) -> job.id().equals(id)))
			.findFirst().orElseThrow();
		JobView third = instance.queue.find(rejected).orElseThrow();
		assertThat(third.status()).isEqualTo(JobStatus.PENDING);
		assertThat(third.runAt()).isAfter(runAtBefore.get(rejected));
		assertThat(third.attempts()).as("a rejected claim consumes no attempt").isZero();
		assertThat(instance.store.countClaims(Set.of("capped"), Set.of()).task("capped"))
			.as("the rejected job's claim is gone; the two admitted ones remain").isEqualTo(2);
		assertThat(this.recorder.highest("task:capped")).isEqualTo(2);
	}

	@Test
	void perTaskMaxOneDispatchesOne() {
		Instance instance = instance((registry) -> registry.register(heldTask("single", 1, null)));
		List<JobId> ids = enqueue(instance, "single", 2);

		List<ClaimedJob> admitted = claimAllThenCheck(instance, "single", 2, 1);

		instance.dispatcher.pass.handToWorkers(admitted);
		await().until(() -> this.recorder.running("task:single") == 1);
		assertThat(this.recorder.highest("task:single")).isEqualTo(1);
		assertThat(ids.stream().map((id) -> instance.queue.find(id).orElseThrow().status()))
			.containsExactlyInAnyOrder(JobStatus.RUNNING, JobStatus.PENDING);
	}

	@Test
	void perQueueConcurrencyAllowsExactlyMax() {
		Instance instance = instance((registry) -> {
			registry.register(heldTask("first", 0, "narrow"));
			registry.register(heldTask("second", 0, "narrow"));
			registry.configureQueue(new QueueDefinition("narrow", 2, null));
		});
		List<JobId> ids = new ArrayList<>(enqueue(instance, "first", 2));
		ids.addAll(enqueue(instance, "second", 1));
		startWithoutDispatching(instance);

		ClaimRequest request = new ClaimRequest(instance.dispatcher.instanceId(), Duration.ofSeconds(30), 8,
				Set.of("narrow"), Map.of("first", 8, "second", 8), Map.of());
		List<ClaimedJob> claimed = instance.dispatcher.pass
			.claimForDispatch(new DispatchPass.PreClaimGates(request, new RateLimitTokens()));
		assertThat(claimed).hasSize(3);
		DispatchPass.Admission admission = instance.dispatcher.pass.checkPostClaimConcurrency(claimed);
		instance.dispatcher.pass.rollbackClaimAndReschedule(admission.rejected());
		assertThat(admission.admitted()).hasSize(2);

		instance.dispatcher.pass.handToWorkers(admission.admitted());
		await().until(() -> this.recorder.running("queue:narrow") == 2);
		assertThat(instance.store.countClaims(Set.of(), Set.of("narrow")).queue("narrow")).isEqualTo(2);
		JobView rejected = instance.queue.find(admission.rejected().get(0).id()).orElseThrow();
		assertThat(rejected.status()).isEqualTo(JobStatus.PENDING);
		assertThat(rejected.attempts()).isZero();
	}

	@Test
	void capIsUsedFullyWhileJobsWait() {
		Instance instance = instance((registry) -> registry.register(heldTask("capped", 2, null)));
		List<JobId> ids = enqueue(instance, "capped", 5);
		instance.dispatcher.start();

		await().until(() -> this.recorder.running("task:capped") == 2);
		release();
		await().atMost(Duration.ofSeconds(20)).until(() -> allHaveStatus(instance, ids, JobStatus.SUCCEEDED));
		assertThat(this.recorder.highest("task:capped")).isEqualTo(2);
	}

	@Test
	void theOutcomeThatFreesACappedSlotCarriesTheClaimThatRefillsIt() {
		Instance instance = instance((registry) -> registry
			.register(recordingTask("capped", "default").withMaxConcurrent(1)));
		List<JobId> ids = enqueue(instance, "capped", 11);
		instance.dispatcher.start();

		await().atMost(Duration.ofSeconds(20)).until(() -> allHaveStatus(instance, ids, JobStatus.SUCCEEDED));
		assertThat(this.recorder.highest("task:capped")).isEqualTo(1);
		// Ten refills: an outcome carries the claim whenever the dispatch loop is not in a pass
		// of its own at that moment, which a loaded machine makes rarer, so only two are required.
		assertThat(instance.seams.calls("finishAndClaim")).isGreaterThanOrEqualTo(2);
	}

	@Test
	void aRefillThatTakesEverySlotItsOutcomesFreeWakesNoOtherInstance() {
		Instance instance = instance((registry) -> registry.register(TaskDefinition
			.of("capped", Handlers.noArgs((args, context) -> {
				this.recorder.start(context, "task:capped");
				try {
					// Long enough for the pass each recorded outcome wakes to end before the next
					// outcome, so that outcomes carry their claims.
					Thread.sleep(20);
				}
				finally {
					this.recorder.end("task:capped");
				}
				return null;
			}))
			.withMaxConcurrent(1)));
		List<JobId> ids = enqueue(instance, "capped", 6);
		instance.dispatcher.start();

		await().atMost(Duration.ofSeconds(20)).until(() -> allHaveStatus(instance, ids, JobStatus.SUCCEEDED));
		assertThat(this.recorder.highest("task:capped")).isEqualTo(1);
		assertThat(instance.seams.calls("finishAndClaim")).as("outcomes that carried their refill")
			.isGreaterThanOrEqualTo(2);
		// Each refill took the one slot its outcome freed, and the last found no job due: no other
		// instance has anything to claim, so none is woken, with the outcomes or after them.
		assertThat(instance.seams.calls("finishAndClaim waking others")).isZero();
		assertThat(instance.seams.calls("wakeOthers")).isZero();
	}

	@Test
	void aRefillThatLeavesItsFreedSlotEmptyWakesTheOtherInstances() {
		// One worker: the claim made with the capped job's outcome has room for one job, and
		// takes the uncapped job of higher priority, so the capped job due behind it is left
		// to the other instance, which must be woken for it.
		Instance instance = instance((registry) -> {
			registry.register(heldTask("capped", 1, null));
			registry.register(recordingTask("urgent", "default").withPriority(10));
		}, 1);
		Instance other = instance((registry) -> registry.register(heldTask("capped", 1, null)));
		JobId first = instance.queue.enqueue("capped");
		instance.dispatcher.start();
		await().until(() -> this.recorder.running("task:capped") == 1);
		JobId urgent = instance.queue.enqueue("urgent");
		JobId second = instance.queue.enqueue("capped");
		other.dispatcher.start();

		release();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> allHaveStatus(instance, List.of(first, urgent, second), JobStatus.SUCCEEDED));
		assertThat(this.recorder.highest("task:capped")).isEqualTo(1);
		int asked = instance.seams.calls("wakeOthers") + instance.seams.calls("finishAndClaim waking others")
				+ instance.seams.calls("finish waking others");
		assertThat(asked).as("wake-ups asked for with the outcome or after its refill").isGreaterThanOrEqualTo(1);
		if (instance.seams.refilledBy.contains(first)) {
			// The capped job's outcome carried its refill (unless the worker's slot was not yet
			// free then, when it goes alone and wakes the others itself): it did not wake the
			// others itself, the claim came back without the capped job, so they were woken
			// after it. The urgent job's outcome may carry a refill too; it frees no capped slot.
			assertThat(instance.seams.calls("finishAndClaim waking others")).isZero();
			assertThat(instance.seams.calls("wakeOthers")).isEqualTo(1);
		}
	}

	// ------------------------------------------------------------------ racing dispatchers

	@Test
	void twoDispatchersHeldBetweenClaimAndCountRunExactlyOne() {
		CyclicBarrier barrier = new CyclicBarrier(2);
		Instance first = instance((registry) -> registry.register(heldTask("single", 1, null)));
		Instance second = instance((registry) -> registry.register(heldTask("single", 1, null)));
		List<JobId> ids = enqueue(first, "single", 2);
		CyclicBarrier beforeClaim = new CyclicBarrier(2);
		for (Instance instance : List.of(first, second)) {
			// Without the store's cap gate, so both claim the job each: the post-claim check alone decides.
			instance.seams.withoutAtomicCapGate();
			AtomicBoolean heldBeforeClaim = new AtomicBoolean();
			AtomicBoolean heldAfterClaim = new AtomicBoolean();
			// Neither claims before both are ready (so a count taken before the claim sees neither
			// claim), and neither counts before both claims committed: the race the design must win.
			instance.seams.beforeClaim(() -> {
				if (heldBeforeClaim.compareAndSet(false, true)) {
					awaitBarrier(beforeClaim);
				}
			});
			instance.seams.afterClaim((claimed) -> {
				if (heldAfterClaim.compareAndSet(false, true)) {
					awaitBarrier(barrier);
				}
			});
		}
		first.dispatcher.start();
		second.dispatcher.start();

		await().atMost(Duration.ofSeconds(15)).until(() -> this.recorder.running("task:single") >= 1);
		// Give a wrongly admitted second job time to start, then look.
		await().pollDelay(Duration.ofMillis(600)).until(() -> true);
		assertThat(this.recorder.highest("task:single")).as("most ever running at once").isEqualTo(1);
		assertThat(this.recorder.running("task:single")).isEqualTo(1);
		assertThat(barrier.isBroken() || beforeClaim.isBroken()).as("both dispatchers reached both barriers").isFalse();
		release();
		await().atMost(Duration.ofSeconds(20)).until(() -> allHaveStatus(first, ids, JobStatus.SUCCEEDED));
		assertThat(this.recorder.highest("task:single")).isEqualTo(1);
	}

	@Test
	void twoDispatchersClaimingAtOnceTakeNoMoreThanTheCapBetweenThem() {
		Instance first = instance((registry) -> registry.register(heldTask("pair", 2, null)));
		Instance second = instance((registry) -> registry.register(heldTask("pair", 2, null)));
		List<JobId> ids = enqueue(first, "pair", 6);
		CyclicBarrier beforeClaim = new CyclicBarrier(2);
		AtomicInteger claimedInFirstPasses = new AtomicInteger();
		for (Instance instance : List.of(first, second)) {
			AtomicBoolean heldBeforeClaim = new AtomicBoolean();
			AtomicBoolean countedFirstClaim = new AtomicBoolean();
			// Both claim at the same moment, each with room for both jobs the cap allows.
			instance.seams.beforeClaim(() -> {
				if (heldBeforeClaim.compareAndSet(false, true)) {
					awaitBarrier(beforeClaim);
				}
			});
			instance.seams.afterClaim((claimed) -> {
				if (countedFirstClaim.compareAndSet(false, true)) {
					claimedInFirstPasses.addAndGet(claimed.size());
				}
			});
		}
		first.dispatcher.start();
		second.dispatcher.start();

		await().atMost(Duration.ofSeconds(15)).until(() -> this.recorder.running("task:pair") == 2);
		await().pollDelay(Duration.ofMillis(600)).until(() -> true);
		assertThat(claimedInFirstPasses.get()).as("jobs the two racing first claims took together").isEqualTo(2);
		assertThat(this.recorder.highest("task:pair")).isEqualTo(2);
		assertThat(ids.stream().filter((id) -> status(first, id) == JobStatus.RUNNING)).hasSize(2);
		release();
		await().atMost(Duration.ofSeconds(20)).until(() -> allHaveStatus(first, ids, JobStatus.SUCCEEDED));
		assertThat(this.recorder.highest("task:pair")).isEqualTo(2);
	}

	@Test
	void smallestCapOfLiveInstancesIsUsed() {
		// A rolling deploy: the new version lowered the cap from 3 to 2. Both run 2 at most.
		Instance oldVersion = instance((registry) -> registry.register(heldTask("shared", 3, null)));
		Instance newVersion = instance((registry) -> registry.register(heldTask("shared", 2, null)));
		List<JobId> ids = enqueue(oldVersion, "shared", 6);
		newVersion.dispatcher.start();
		oldVersion.dispatcher.start();

		await().until(() -> this.recorder.running("task:shared") == 2);
		await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5))
			.until(() -> this.recorder.running("task:shared") == 2);
		await().atMost(Duration.ofSeconds(5)).until(() -> oldVersion.dispatcher.effectiveCap("shared") == 2);
		assertThat(newVersion.dispatcher.effectiveCap("shared")).isEqualTo(2);
		release();
		await().atMost(Duration.ofSeconds(20)).until(() -> allHaveStatus(oldVersion, ids, JobStatus.SUCCEEDED));
		assertThat(this.recorder.highest("task:shared")).isEqualTo(2);
	}

	// ------------------------------------------------------------------ failures

	@Test
	void failedJobIsRetriedWithBackoffThenSucceeds() {
		AtomicInteger calls = new AtomicInteger();
		Instance instance = instance((registry) -> registry
			.register(TaskDefinition.of("flaky", Handlers.noArgs((args, context) -> {
				if (calls.incrementAndGet() < 3) {
					throw new IllegalStateException("boom " + context.attempt());
				}
				return "ok after " + context.attempt();
			})).withMaxRetries(3)));
		JobId id = instance.queue.enqueue("flaky");
		instance.dispatcher.start();

		await().until(() -> status(instance, id) == JobStatus.SUCCEEDED);
		JobView job = instance.queue.find(id).orElseThrow();
		assertThat(job.attempts()).isEqualTo(3);
		assertThat(job.result()).isEqualTo("\"ok after 3\"");
		assertThat(job.lastError()).contains("boom 2");
	}

	@Test
	void jobOutOfRetriesIsDeadWithItsErrorAndCanBeRetried() {
		AtomicBoolean fixed = new AtomicBoolean();
		Instance instance = instance((registry) -> registry
			.register(TaskDefinition.of("broken", Handlers.noArgs((args, context) -> {
				if (!fixed.get()) {
					throw new IllegalArgumentException("no such customer");
				}
				return null;
			})).withMaxRetries(1)));
		JobId id = instance.queue.enqueue("broken");
		instance.dispatcher.start();

		await().until(() -> status(instance, id) == JobStatus.DEAD);
		JobView dead = instance.queue.find(id).orElseThrow();
		assertThat(dead.attempts()).isEqualTo(2);
		assertThat(dead.lastError()).contains("IllegalArgumentException: no such customer")
			.contains("\tat ");
		fixed.set(true);
		assertThat(instance.queue.retry(id)).isEqualTo(id);
		await().until(() -> status(instance, id) == JobStatus.SUCCEEDED);
		assertThat(instance.queue.find(id).orElseThrow().attempts()).isEqualTo(1);
	}

	@Test
	void retryOfJobThatIsNotDeadFailsNamingItsStatus() {
		Instance instance = instance((registry) -> registry.register(heldTask("held", 0, null)));
		JobId id = instance.queue.enqueue("held");
		assertThatThrownBy(() -> instance.queue.retry(id)).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining(id.toString())
			.hasMessageContaining("PENDING");
	}

	@Test
	void timeoutInterruptsTheHandlerAndCountsAsFailure() {
		Instance instance = instance((registry) -> registry
			.register(TaskDefinition.of("slow", Handlers.noArgs((args, context) -> {
				Thread.sleep(TimeUnit.SECONDS.toMillis(HOLD_SECONDS));
				return null;
			})).withTimeout(Duration.ofMillis(200)).withMaxRetries(0)));
		JobId id = instance.queue.enqueue("slow");
		instance.dispatcher.start();

		await().until(() -> status(instance, id) == JobStatus.DEAD);
		assertThat(instance.queue.find(id).orElseThrow().lastError()).startsWith("Timed out after PT0.2S");
	}

	@Test
	void outOfMemoryErrorFromCappedHandlerIsRecordedAndTheNextJobOfTheTaskRuns() {
		Instance instance = instance((registry) -> registry
			.register(TaskDefinition.of("greedy", Handlers.intArg((args, context) -> {
				if ((int) args[0] == 1) {
					long[] tooLarge = new long[Integer.MAX_VALUE - 16];
					return tooLarge.length;
				}
				if ((int) args[0] == 2) {
					throw new InternalError("simulated failure of the JVM");
				}
				return "ran";
			})).withMaxConcurrent(1).withMaxRetries(0)));
		JobId outOfMemory = instance.queue.enqueue(EnqueueRequest.of("greedy", 1).priority(9));
		JobId internalError = instance.queue.enqueue(EnqueueRequest.of("greedy", 2).priority(5));
		JobId next = instance.queue.enqueue("greedy", 3);
		instance.dispatcher.start();

		// The errors are rethrown on their worker threads once recorded: not a failure of this test.
		await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(20))
			.until(() -> status(instance, next) == JobStatus.SUCCEEDED);
		assertThat(status(instance, outOfMemory)).isEqualTo(JobStatus.DEAD);
		assertThat(instance.queue.find(outOfMemory).orElseThrow().lastError()).contains("OutOfMemoryError");
		assertThat(status(instance, internalError)).isEqualTo(JobStatus.DEAD);
		assertThat(instance.queue.find(internalError).orElseThrow().lastError())
			.contains("simulated failure of the JVM");
		assertThat(instance.store.countClaims(Set.of("greedy"), Set.of()).task("greedy"))
			.as("no claim left behind").isZero();
	}

	@Test
	void handlerIgnoringItsTimeoutKeepsItsSlotAndCapUntilItReturnsThenCountsAsFailure() {
		CountDownLatch mayReturn = latch();
		Instance instance = instance((registry) -> registry
			.register(TaskDefinition.of("stubborn", Handlers.intArg((args, context) -> {
				this.recorder.start(context, "task:stubborn");
				try {
					if ((int) args[0] == 1) {
						awaitUninterruptibly(mayReturn);
					}
				}
				finally {
					this.recorder.end("task:stubborn");
				}
				return "done";
			})).withMaxConcurrent(1).withTimeout(Duration.ofMillis(200)).withMaxRetries(0)));
		JobId stubborn = instance.queue.enqueue(EnqueueRequest.of("stubborn", 1).priority(9));
		JobId next = instance.queue.enqueue("stubborn", 2);
		instance.dispatcher.start();

		// Long past its timeout, and past a lease: it still holds the only slot of its cap.
		await().atMost(Duration.ofSeconds(10)).until(() -> instance.dispatcher.ignoredInterrupts() >= 1);
		assertThat(status(instance, next)).isEqualTo(JobStatus.PENDING);
		assertThat(this.recorder.running("task:stubborn")).isEqualTo(1);
		mayReturn.countDown();

		await().until(() -> status(instance, next) == JobStatus.SUCCEEDED);
		assertThat(this.recorder.highest("task:stubborn")).isEqualTo(1);
		JobView timedOut = instance.queue.find(stubborn).orElseThrow();
		assertThat(timedOut.status()).as("it returned, but only after its timeout").isEqualTo(JobStatus.DEAD);
		assertThat(timedOut.lastError()).startsWith("Timed out after PT0.2S");
	}

	@Test
	void heartbeatHangingOnAFrozenStoreInterruptsHandlersBeforeAnotherInstanceCanReap() {
		AtomicInteger executions = new AtomicInteger();
		List<String> events = new CopyOnWriteArrayList<>();
		Consumer<TaskRegistry> tasks = (registry) -> registry
			.register(TaskDefinition.of("guarded", Handlers.noArgs((args, context) -> {
				int execution = executions.incrementAndGet();
				this.recorder.start(context, "task:guarded");
				events.add("started " + execution);
				try {
					this.hold.await(HOLD_SECONDS, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					events.add("interrupted " + execution);
					throw ex;
				}
				finally {
					this.recorder.end("task:guarded");
				}
				return null;
			})).withMaxConcurrent(1));
		Instance frozen = instance(tasks);
		JobId id = frozen.queue.enqueue("guarded");
		frozen.dispatcher.start();
		await().until(() -> executions.get() == 1);

		// Its heartbeats now hang, as on an exhausted pool or a silent network: only the
		// watchdog can stop the handler before the job's lease expires.
		frozen.seams.freeze();
		Instance other = instance(tasks);
		other.dispatcher.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> executions.get() == 2);

		assertThat(events).as("the frozen instance's handler stopped before the job ran elsewhere")
			.startsWith("started 1", "interrupted 1", "started 2");
		assertThat(this.recorder.highest("task:guarded")).as("most ever running at once").isEqualTo(1);
		release();
		await().until(() -> status(other, id) == JobStatus.SUCCEEDED);
	}

	@Test
	void handlerTheWatchdogStoppedWhileItsLeaseWasStillIntactIsGivenBackWithItsAttempt() {
		Instance instance = instance((registry) -> registry.register(heldTask("patient", 1, null)));
		JobId id = instance.queue.enqueue("patient");
		instance.dispatcher.start();
		await().until(() -> this.recorder.running("task:patient") == 1);

		// Heartbeats hang, so the watchdog stops the handler; no other instance exists, so the
		// claim is still this instance's when the handler gives the job back.
		instance.seams.freeze();
		await().atMost(Duration.ofSeconds(10)).until(() -> status(instance, id) == JobStatus.PENDING);
		JobView view = instance.queue.find(id).orElseThrow();
		assertThat(view.attempts()).as("the interrupted attempt is not counted").isZero();
		assertThat(view.lastError()).as("not recorded as a failure").isNull();
		assertThat(instance.store.countClaims(Set.of("patient"), Set.of()).task("patient")).isZero();
	}

	@Test
	void anErrorInAnyInternalLoopLeavesTheInstanceWorking() {
		Instance instance = instance((registry) -> registry.register(recordingTask("steady", "default")));
		instance.dispatcher.start();
		for (String operation : List.of("claim", "finish", "heartbeat", "reap", "purge")) {
			instance.seams.failNext(operation, new AssertionError("simulated bug in " + operation));
		}
		List<JobId> ids = enqueue(instance, "steady", 20);

		await().atMost(Duration.ofSeconds(20)).until(() -> allHaveStatus(instance, ids, JobStatus.SUCCEEDED));
		int heartbeats = instance.seams.calls("heartbeat");
		int reaps = instance.seams.calls("reap");
		await().atMost(Duration.ofSeconds(5))
			.until(() -> instance.seams.calls("heartbeat") > heartbeats + 1 && instance.seams.calls("reap") > reaps + 1);
		assertThat(instance.seams.calls("claim")).as("claims went on after the failed one").isGreaterThan(1);
		assertThat(instance.seams.calls("finish")).as("outcomes were recorded after the failed commit")
			.isGreaterThan(1);
	}

	@Test
	void closeEndsWithinTheShutdownTimeoutWhenAHandlerIgnoresTheInterrupt() {
		CountDownLatch mayReturn = latch();
		Instance instance = instance((registry) -> registry
			.register(TaskDefinition.of("deaf", Handlers.noArgs((args, context) -> {
				awaitUninterruptibly(mayReturn);
				return null;
			}))));
		instance.queue.enqueue("deaf");
		instance.dispatcher.start();
		await().until(() -> instance.dispatcher.runningJobs() == 1);

		long startedNanos = System.nanoTime();
		instance.dispatcher.close();
		Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
		// The fixture's timeout is 500 ms, and close() keeps at least a second for giving back;
		// the handler itself would hold it for 30 s.
		assertThat(took).isLessThan(Duration.ofSeconds(2));
	}

	@Test
	void payloadThatNoLongerBindsGoesDeadAndDispatchCarriesOn() {
		Instance instance = instance((registry) -> registry
			.register(TaskDefinition.of("count", Handlers.intArg((args, context) -> args[0]))));
		JobId corrupt = JobId.newId();
		instance.store.enqueue(List.of(new NewJob(corrupt, "count", "default", "[\"not a number\"]", 0, null, null,
				null, 3, null)));
		JobId notJson = JobId.newId();
		instance.store.enqueue(
				List.of(new NewJob(notJson, "count", "default", "{oops", 0, null, null, null, 3, null)));
		JobId good = instance.queue.enqueue("count", 7);
		instance.dispatcher.start();

		await().until(() -> status(instance, good) == JobStatus.SUCCEEDED);
		await().until(() -> status(instance, corrupt) == JobStatus.DEAD && status(instance, notJson) == JobStatus.DEAD);
		assertThat(instance.queue.find(corrupt).orElseThrow().lastError()).contains("task 'count'")
			.contains("parameter 'n'");
		assertThat(instance.queue.find(notJson).orElseThrow().lastError()).contains("not valid JSON");
		assertThat(instance.queue.find(good).orElseThrow().result()).isEqualTo("7");
	}

	// ------------------------------------------------------------------ outcomes always land

	@Test
	void errorWithANulCharacterIsRecordedAndTheNextCappedJobRuns() {
		JobView poisoned = runPoisonThenNextCappedJob(() -> {
			throw new IllegalArgumentException("bad record: a\u0000b");
		});
		assertThat(poisoned.status()).isEqualTo(JobStatus.DEAD);
		assertThat(poisoned.lastError()).contains("IllegalArgumentException: bad record: a\uFFFDb").contains("\tat ");
	}

	@Test
	void resultWithANulCharacterIsRecordedAndTheNextCappedJobRuns() {
		JobView poisoned = runPoisonThenNextCappedJob(() -> "a\u0000b");
		assertThat(poisoned.status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(poisoned.result()).isEqualTo("\"a\\u0000b\"");
	}

	@Test
	void errorLongerThanTheLimitIsCutAndMarkedAndTheNextCappedJobRuns() {
		JobView poisoned = runPoisonThenNextCappedJob(() -> {
			throw new IllegalStateException("x".repeat(3 * StorableText.MAX_ERROR_LENGTH));
		});
		assertThat(poisoned.status()).isEqualTo(JobStatus.DEAD);
		assertThat(poisoned.lastError()).hasSizeLessThanOrEqualTo(StorableText.MAX_ERROR_LENGTH)
			.startsWith("java.lang.IllegalStateException: xxx")
			.contains("cut by Taskito");
	}

	@Test
	void resultLongerThanTheLimitFailsTheAttemptNamingTheTaskAndTheNextCappedJobRuns() {
		JobView poisoned = runPoisonThenNextCappedJob(() -> "r".repeat(StorableText.MAX_RESULT_LENGTH));
		assertThat(poisoned.status()).isEqualTo(JobStatus.DEAD);
		assertThat(poisoned.result()).isNull();
		assertThat(poisoned.lastError()).contains("Task 'capped'")
			.contains(Integer.toString(StorableText.MAX_RESULT_LENGTH + 2))
			.contains(Integer.toString(StorableText.MAX_RESULT_LENGTH));
	}

	/**
	 * Runs one job of a task capped at 1 without retries whose first handler call does what
	 * {@code poison} does, then another job of it, which must run.
	 * @return the poisoned job once it is finished
	 */
	private JobView runPoisonThenNextCappedJob(Callable<Object> poison) {
		AtomicBoolean poisoned = new AtomicBoolean();
		Instance instance = instance((registry) -> registry
			.register(TaskDefinition.of("capped", Handlers.noArgs((args, context) -> poisoned.compareAndSet(false, true)
					? poison.call() : "fine")).withMaxConcurrent(1).withMaxRetries(0)));
		JobId first = instance.queue.enqueue("capped");
		instance.dispatcher.start();
		await().until(() -> status(instance, first) != JobStatus.PENDING && status(instance, first) != JobStatus.RUNNING);

		JobId next = instance.queue.enqueue("capped");
		await().until(() -> status(instance, next) == JobStatus.SUCCEEDED);
		assertThat(instance.dispatcher.runningJobs()).isZero();
		return instance.queue.find(first).orElseThrow();
	}

	@Test
	void oneOutcomeTheStoreRefusesEndsDeadAndTheOthersInItsBatchLand() {
		Instance instance = instance((registry) -> registry.register(heldTask("task", 0, null)));
		enqueue(instance, "task", 5);
		List<ClaimedJob> claimed = instance.store.claim(new ClaimRequest("recorder-test", Duration.ofSeconds(30), 5,
				Set.of("default"), Map.of("task", 5), Map.of()), UUID.randomUUID());
		assertThat(claimed).hasSize(5);
		JobId refused = claimed.get(2).id();
		instance.seams.refuseOutcomes((outcome) -> outcome.claim().jobId().equals(refused)
				&& outcome instanceof Outcome.Succeeded);
		HeldClaims held = new HeldClaims();
		OutcomeRecorder recorder = new OutcomeRecorder(instance.seams, held, new CapBook(instance.registry, POLL),
				new WakeSignal(), new StoreOutage("recorder-test", () -> {
				}), new StepFailures("recorder-test"), new TaskEvents(List.of(), "recorder-test"));
		for (ClaimedJob job : claimed) {
			RunningJob running = new RunningJob(job, instance.registry.require("task"), System.nanoTime());
			held.put(job.claim(), running);
			// Queued before the completer starts, so that its first batch holds all five.
			recorder.submit(running, new Outcome.Succeeded(job.claim(), "\"" + job.id() + "\""));
		}
		recorder.start();
		try {
			await().until(() -> held.size() == 0);
		}
		finally {
			recorder.stop(TimeUnit.SECONDS.toNanos(10));
		}

		assertThat(instance.seams.finishes.get(0)).hasSize(5);
		JobView dead = instance.queue.find(refused).orElseThrow();
		assertThat(dead.status()).isEqualTo(JobStatus.DEAD);
		assertThat(dead.lastError()).startsWith("Taskito could not store this job's outcome: ")
			.contains("the test refuses this value");
		assertThat(dead.result()).isNull();
		for (ClaimedJob job : claimed) {
			if (!job.id().equals(refused)) {
				JobView view = instance.queue.find(job.id()).orElseThrow();
				assertThat(view.status()).isEqualTo(JobStatus.SUCCEEDED);
				assertThat(view.result()).isEqualTo("\"" + job.id() + "\"");
			}
		}
		assertThat(instance.store.countClaims(Set.of("task"), Set.of()).task("task")).isZero();
	}

	@Test
	void outcomeTheStoreRefusesEvenAsDeadLeavesItsClaimToTheReaperAndHoldsBackNoOther() {
		AtomicBoolean refusedMayReturn = new AtomicBoolean();
		Instance instance = instance((registry) -> {
			registry.register(TaskDefinition.of("capped", Handlers.noArgs((args, context) -> {
				await().untilTrue(refusedMayReturn);
				return null;
			})).withMaxConcurrent(1).withMaxRetries(0));
			registry.register(recordingTask("free", "default"));
		});
		JobId refused = instance.queue.enqueue("capped");
		instance.seams.refuseOutcomes((outcome) -> outcome.claim().jobId().equals(refused));
		instance.dispatcher.start();
		await().until(() -> status(instance, refused) == JobStatus.RUNNING);
		List<JobId> free = enqueue(instance, "free", 20);
		refusedMayReturn.set(true);

		await().until(() -> allHaveStatus(instance, free, JobStatus.SUCCEEDED));
		// No longer renewed, its lease expires and the reaper takes the job back.
		await().atMost(Duration.ofSeconds(20)).until(() -> status(instance, refused) == JobStatus.DEAD);
		assertThat(instance.queue.find(refused).orElseThrow().lastError()).contains("expired")
			.contains("no retries were left");
		JobId next = instance.queue.enqueue("capped");
		await().until(() -> status(instance, next) == JobStatus.SUCCEEDED);
		assertThat(instance.dispatcher.runningJobs()).isZero();
	}

	// ------------------------------------------------------------------ leases and fencing

	@Test
	void crashedInstanceJobIsTakenOverAndItsStaleOutcomeRejected() {
		CountDownLatch staleMayReturn = latch();
		CountDownLatch ownerMayReturn = latch();
		AtomicInteger executions = new AtomicInteger();
		Consumer<TaskRegistry> tasks = (registry) -> registry
			.register(TaskDefinition.of("work", Handlers.noArgs((args, context) -> {
				if (executions.incrementAndGet() == 1) {
					awaitUninterruptibly(staleMayReturn);
					return "stale";
				}
				ownerMayReturn.await(HOLD_SECONDS, TimeUnit.SECONDS);
				return "owner";
			})));
		Instance stale = instance(tasks);
		JobId id = stale.queue.enqueue("work");
		stale.dispatcher.start();
		await().until(() -> executions.get() == 1);

		stale.seams.freeze();
		long crashedAt = System.nanoTime();
		Instance owner = instance(tasks);
		owner.dispatcher.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> executions.get() == 2);
		Duration takeover = Duration.ofNanos(System.nanoTime() - crashedAt);
		// lease + reaper interval (= heartbeat) + poll interval, plus the reaper's grace and slack for a busy CI machine
		assertThat(takeover).isLessThan(LEASE.plus(HEARTBEAT).plus(POLL).plus(GRACE).plus(Duration.ofSeconds(2)));
		assertThat(owner.queue.find(id).orElseThrow().attempts()).as("the lost attempt was consumed").isEqualTo(2);

		staleMayReturn.countDown();
		await().until(() -> stale.dispatcher.runningJobs() == 0);
		JobView whileOwnerRuns = owner.queue.find(id).orElseThrow();
		assertThat(whileOwnerRuns.status()).as("the stale outcome was rejected").isEqualTo(JobStatus.RUNNING);
		assertThat(whileOwnerRuns.result()).isNull();
		assertThat(owner.store.countClaims(Set.of("work"), Set.of()).task("work"))
			.as("the new owner's claim survived").isEqualTo(1);

		ownerMayReturn.countDown();
		await().until(() -> status(owner, id) == JobStatus.SUCCEEDED);
		assertThat(owner.queue.find(id).orElseThrow().result()).isEqualTo("\"owner\"");
	}

	@Test
	void jobWhoseLeaseMayHaveExpiredBeforeItsHandlerStartsIsGivenBackNotRun() {
		Instance instance = instance((registry) -> registry.register(heldTask("late", 0, null)));
		JobId id = enqueue(instance, "late", 1).get(0);
		startWithoutDispatching(instance);
		ClaimRequest request = new ClaimRequest(instance.dispatcher.instanceId(), LEASE, 8, Set.of("default"),
				Map.of("late", 8), Map.of());
		List<ClaimedJob> claimed = instance.dispatcher.pass
			.claimForDispatch(new DispatchPass.PreClaimGates(request, new RateLimitTokens()));
		assertThat(claimed).hasSize(1);
		// The JVM stands still between the claim and the hand-off (as under SIGSTOP): no heartbeat
		// renews the lease, and another instance may take the job once it expires.
		instance.seams.freeze();
		await().pollDelay(LEASE).until(() -> true);

		instance.dispatcher.pass.handToWorkers(claimed);
		await().until(() -> instance.dispatcher.runningJobs() == 0);
		assertThat(this.recorder.highest("task:late")).as("handlers started on a lease already lost").isZero();
		JobView view = instance.queue.find(id).orElseThrow();
		assertThat(view.status()).as("given back, since no other instance had taken it yet")
			.isEqualTo(JobStatus.PENDING);
		assertThat(view.attempts()).as("the attempt that never ran is not counted").isZero();
	}

	@Test
	void closeWaitsForRunningJobsThenGivesBackWhatItCannotFinish() {
		CountDownLatch quickMayReturn = latch();
		Instance instance = instance((registry) -> {
			registry.register(TaskDefinition.of("quick", Handlers.noArgs((args, context) -> {
				quickMayReturn.await(HOLD_SECONDS, TimeUnit.SECONDS);
				return "done";
			})));
			registry.register(TaskDefinition.of("endless", Handlers.noArgs((args, context) -> {
				this.recorder.start(context, "task:endless");
				try {
					Thread.sleep(TimeUnit.SECONDS.toMillis(HOLD_SECONDS));
				}
				finally {
					this.recorder.end("task:endless");
				}
				return null;
			})));
		});
		JobId quick = instance.queue.enqueue("quick");
		JobId endless = instance.queue.enqueue("endless");
		instance.dispatcher.start();
		await().until(() -> this.recorder.running("task:endless") == 1
				&& status(instance, quick) == JobStatus.RUNNING);

		Thread releaser = new Thread(() -> {
			sleepQuietly(200);
			quickMayReturn.countDown();
		});
		releaser.start();
		instance.dispatcher.close();

		JobView finished = instance.queue.find(quick).orElseThrow();
		assertThat(finished.status()).as("a job that finished within the shutdown timeout is recorded")
			.isEqualTo(JobStatus.SUCCEEDED);
		JobView givenBack = instance.queue.find(endless).orElseThrow();
		assertThat(givenBack.status()).isEqualTo(JobStatus.PENDING);
		assertThat(givenBack.attempts()).as("a job stopped by shutdown keeps its attempt").isZero();
		assertThat(instance.store.countClaims(Set.of("endless"), Set.of()).task("endless")).isZero();
	}

	/**
	 * A give-back at shutdown slower than what the shutdown timeout has left (a store slowed
	 * by load) has committed when close() returns: the job reads PENDING with its attempt
	 * intact, not RUNNING until the reaper takes it back with the attempt spent. close() used
	 * to return once the reserve was over, with the give-back still under way; the test above
	 * then read the job as RUNNING on a loaded machine.
	 */
	@Test
	void closeReturnsOnlyOnceAGiveBackUnderWayHasCommitted() {
		Instance instance = instance((registry) -> registry.register(TaskDefinition.of("endless",
				Handlers.noArgs((args, context) -> {
					this.recorder.start(context, "task:endless");
					try {
						Thread.sleep(TimeUnit.SECONDS.toMillis(HOLD_SECONDS));
					}
					finally {
						this.recorder.end("task:endless");
					}
					return null;
				}))));
		JobId endless = instance.queue.enqueue("endless");
		instance.dispatcher.start();
		await().until(() -> this.recorder.running("task:endless") == 1);
		// Longer than the shutdown's whole reserve (a quarter of its 500 ms).
		instance.seams.beforeRollback(() -> sleepQuietly(300));

		instance.dispatcher.close();

		JobView givenBack = instance.queue.find(endless).orElseThrow();
		assertThat(givenBack.status()).as("given back before close() returned").isEqualTo(JobStatus.PENDING);
		assertThat(givenBack.attempts()).as("a job stopped by shutdown keeps its attempt").isZero();
	}

	// ------------------------------------------------------------------ queues and limits

	@Test
	void pausedQueueHoldsOnEveryInstance() {
		Instance pauser = instance((registry) -> registry.register(recordingTask("mail", "emails")));
		Instance other = instance((registry) -> registry.register(recordingTask("mail", "emails")));
		pauser.dispatcher.pauseQueue("emails");
		other.dispatcher.start();
		JobId id = other.queue.enqueue("mail");

		await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5))
			.until(() -> status(other, id) == JobStatus.PENDING);
		pauser.dispatcher.resumeQueue("emails");
		await().until(() -> status(other, id) == JobStatus.SUCCEEDED);
	}

	@Test
	void rateLimitAdmitsNoMoreThanItsTokens() {
		Instance instance = instance((registry) -> registry
			.register(recordingTask("limited", "default").withRateLimit(RateLimit.parse("3/h"))));
		List<JobId> ids = enqueue(instance, "limited", 6);
		instance.dispatcher.start();

		await().until(() -> this.recorder.finished() == 3);
		await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> this.recorder.started() == 3);
		assertThat(ids.stream().filter((id) -> status(instance, id) == JobStatus.PENDING)).hasSize(3);
	}

	@Test
	void delayedJobRunsWhenDueAndHigherPriorityRunsFirst() {
		List<String> order = new CopyOnWriteArrayList<>();
		Instance instance = instance((registry) -> registry.register(TaskDefinition.of("step",
				Handlers.of(List.of(new TaskHandler.Parameter("name", String.class)), (args, context) -> {
					order.add((String) args[0]);
					return null;
				}))), 1);
		instance.queue.enqueue(EnqueueRequest.of("step", "later").delay(Duration.ofMillis(700)));
		instance.queue.enqueue(EnqueueRequest.of("step", "low").priority(1));
		instance.queue.enqueue(EnqueueRequest.of("step", "high").priority(9));
		instance.dispatcher.start();

		await().until(() -> order.size() == 3);
		assertThat(order).containsExactly("high", "low", "later");
	}

	@Test
	void uniqueKeyReturnsThePendingJob() {
		Instance instance = instance((registry) -> registry.register(heldTask("report", 0, null)));
		JobId first = instance.queue.enqueue(EnqueueRequest.of("report").uniqueKey("daily"));
		JobId second = instance.queue.enqueue(EnqueueRequest.of("report").uniqueKey("daily"));
		assertThat(second).isEqualTo(first);
	}

	// ------------------------------------------------------------------ bad input

	@Test
	void enqueueOfUnknownTaskNamesItAndTheKnownOnes() {
		Instance instance = instance((registry) -> registry.register(heldTask("known", 0, null)));
		assertThatThrownBy(() -> instance.queue.enqueue("unknown")).isInstanceOf(UnknownTaskException.class)
			.hasMessageContaining("'unknown'")
			.hasMessageContaining("[known]");
	}

	@Test
	void argumentsThatDoNotFitNameTheParameter() {
		Instance instance = instance((registry) -> registry
			.register(TaskDefinition.of("count", Handlers.intArg((args, context) -> null))));
		assertThatThrownBy(() -> instance.queue.enqueue("count", "seven")).isInstanceOf(InvalidArgumentsException.class)
			.hasMessageContaining("task 'count'")
			.hasMessageContaining("parameter 'n'");
		assertThatThrownBy(() -> instance.queue.enqueue("count", 1, 2)).isInstanceOf(InvalidArgumentsException.class)
			.hasMessageContaining("takes 1 argument(s) (int n) but 2 were given");
		assertThatThrownBy(() -> instance.queue.enqueueAll(
				List.of(EnqueueRequest.of("count", 1), EnqueueRequest.of("count", "x"))))
			.isInstanceOf(InvalidArgumentsException.class);
		assertThat(instance.store.countClaims(Set.of("count"), Set.of()).task("count")).isZero();
	}

	@Test
	void enqueueIntoAQueueNoOneKnowsIsRefused() {
		Instance instance = instance((registry) -> registry.register(heldTask("known", 0, null)));
		assertThatThrownBy(() -> instance.queue.enqueue(EnqueueRequest.of("known").queue("nowhere")))
			.isInstanceOf(TaskitoException.class)
			.hasMessageContaining("queue 'nowhere'")
			.hasMessageContaining("known queues [default]");
	}

	// ------------------------------------------------------------------ jobs run on the caller's thread

	@Test
	void runDueJobsOnCallingThreadRunsEachJobOnTheCallerAndRecordsItsResult() {
		List<Thread> threads = new CopyOnWriteArrayList<>();
		Instance instance = instance((registry) -> registry.register(TaskDefinition
			.of("double", Handlers.intArg((args, context) -> {
				threads.add(Thread.currentThread());
				this.recorder.start(context, "task:double");
				this.recorder.end("task:double");
				return (int) args[0] * 2;
			}))
			.withMaxConcurrent(1)));
		List<JobId> ids = instance.queue.enqueueAll(
				List.of(EnqueueRequest.of("double", 1), EnqueueRequest.of("double", 2), EnqueueRequest.of("double", 3)));

		int ran = instance.dispatcher.runDueJobsOnCallingThread();

		assertThat(ran).isEqualTo(3);
		assertThat(threads).hasSize(3).containsOnly(Thread.currentThread());
		assertThat(ids).allSatisfy((id) -> assertThat(status(instance, id)).isEqualTo(JobStatus.SUCCEEDED));
		assertThat(ids.stream().map((id) -> instance.queue.find(id).orElseThrow().result())).containsExactly("2", "4",
				"6");
		assertThat(this.recorder.highest("task:double")).isEqualTo(1);
		assertThat(instance.dispatcher.runningJobs()).as("every outcome is recorded when the call returns").isZero();
		assertThat(instance.dispatcher.runDueJobsOnCallingThread()).as("nothing is due any more").isZero();
	}

	@Test
	void runDueJobsOnCallingThreadRetriesAfterTheBackoffThenMarksTheJobDead() {
		AtomicInteger attempts = new AtomicInteger();
		Instance instance = instance((registry) -> registry.register(TaskDefinition
			.of("flaky", Handlers.noArgs((args, context) -> {
				attempts.incrementAndGet();
				throw new IllegalStateException("attempt " + context.attempt() + " failed");
			}))
			.withMaxRetries(2)), 8, (builder) -> builder
				// at least 500 ms after jitter: a loaded machine cannot make the retry due before
				// the first call returns, as it did with the harness's 20 ms
				.retryBackoff(Duration.ofSeconds(1))
				.retryMaxBackoff(Duration.ofSeconds(1)));
		JobId id = instance.queue.enqueue("flaky");

		assertThat(instance.dispatcher.runDueJobsOnCallingThread())
			.as("the retry is due only after its backoff, so the call returns before it")
			.isEqualTo(1);
		JobView retried = instance.queue.find(id).orElseThrow();
		assertThat(retried.status()).isEqualTo(JobStatus.PENDING);
		assertThat(retried.attempts()).isEqualTo(1);
		assertThat(retried.lastError()).contains("attempt 1 failed");

		await().atMost(Duration.ofSeconds(10)).until(() -> {
			instance.dispatcher.runDueJobsOnCallingThread();
			return status(instance, id) == JobStatus.DEAD;
		});
		JobView dead = instance.queue.find(id).orElseThrow();
		assertThat(dead.attempts()).isEqualTo(3);
		assertThat(dead.lastError()).contains("attempt 3 failed");
		assertThat(attempts).hasValue(3);
	}

	@Test
	void runDueJobsOnCallingThreadRunsJobsThatHandlersEnqueueButNotJobsDueLater() {
		AtomicReference<DefaultTaskQueue> queue = new AtomicReference<>();
		List<String> ran = new CopyOnWriteArrayList<>();
		Instance instance = instance((registry) -> {
			registry.register(TaskDefinition.of("parent", Handlers.noArgs((args, context) -> {
				ran.add("parent");
				queue.get().enqueue("child");
				return null;
			})));
			registry.register(TaskDefinition.of("child", Handlers.noArgs((args, context) -> {
				ran.add("child");
				return null;
			})));
		});
		queue.set(instance.queue);
		JobId later = instance.queue.enqueue(EnqueueRequest.of("child").delay(Duration.ofHours(1)));
		instance.queue.enqueue("parent");

		assertThat(instance.dispatcher.runDueJobsOnCallingThread()).isEqualTo(2);
		assertThat(ran).containsExactly("parent", "child");
		assertThat(status(instance, later)).isEqualTo(JobStatus.PENDING);
	}

	@Test
	void runDueJobsOnCallingThreadTimesOutAHandlerAndClearsTheCallersInterrupt() {
		Instance instance = instance((registry) -> registry.register(TaskDefinition
			.of("slow", Handlers.noArgs((args, context) -> {
				Thread.sleep(TimeUnit.SECONDS.toMillis(HOLD_SECONDS));
				return null;
			}))
			.withTimeout(Duration.ofMillis(100))
			.withMaxRetries(0)));
		JobId id = instance.queue.enqueue("slow");

		assertThat(instance.dispatcher.runDueJobsOnCallingThread()).isEqualTo(1);

		assertThat(Thread.currentThread().isInterrupted()).as("the timeout's interrupt stays with the job").isFalse();
		JobView dead = instance.queue.find(id).orElseThrow();
		assertThat(dead.status()).isEqualTo(JobStatus.DEAD);
		assertThat(dead.lastError()).startsWith("Timed out after PT0.1S");
	}

	@Test
	void runDueJobsOnCallingThreadRefusesAStartedDispatcherAndACallFromAHandler() {
		AtomicReference<TaskDispatcher> dispatcher = new AtomicReference<>();
		Instance instance = instance((registry) -> registry.register(TaskDefinition
			.of("nested", Handlers.noArgs((args, context) -> dispatcher.get().runDueJobsOnCallingThread()))
			.withMaxRetries(0)));
		dispatcher.set(instance.dispatcher);
		JobId id = instance.queue.enqueue("nested");

		assertThat(instance.dispatcher.runDueJobsOnCallingThread()).isEqualTo(1);
		assertThat(instance.queue.find(id).orElseThrow().lastError())
			.contains("runDueJobsOnCallingThread was called from a handler it is running");
		assertThatThrownBy(instance.dispatcher::start).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("ran jobs on a caller's thread");

		Instance started = instance((registry) -> registry.register(recordingTask("steady", "default")));
		started.dispatcher.start();
		assertThatThrownBy(started.dispatcher::runDueJobsOnCallingThread).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("started: its own threads claim due jobs");
		instance.dispatcher.close();
		assertThatThrownBy(instance.dispatcher::runDueJobsOnCallingThread).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("is closed");
	}

	// ------------------------------------------------------------------ fixtures

	static final Duration LEASE = Duration.ofSeconds(1);

	static final Duration HEARTBEAT = Duration.ofMillis(250);

	static final Duration GRACE = Duration.ofMillis(200);

	static final Duration POLL = Duration.ofMillis(100);

	/** A store, a registry, a queue and a dispatcher not yet started: one application instance. */
	protected record Instance(ClaimStore store, InterceptingClaimStore seams, TaskRegistry registry,
			DefaultTaskQueue queue, TaskDispatcher dispatcher) {
	}

	protected Instance instance(Consumer<TaskRegistry> tasks) {
		return instance(tasks, 8);
	}

	protected Instance instance(Consumer<TaskRegistry> tasks, int concurrency) {
		return instance(tasks, concurrency, UnaryOperator.identity());
	}

	/**
	 * An instance whose dispatcher builder the test may adjust after the harness's settings,
	 * for a test whose timing the harness's short intervals would make depend on the
	 * machine's load.
	 */
	protected Instance instance(Consumer<TaskRegistry> tasks, int concurrency,
			UnaryOperator<TaskDispatcher.Builder> adjust) {
		ClaimStore store = newStore();
		store.start();
		this.stores.add(store);
		TaskRegistry registry = new TaskRegistry();
		tasks.accept(registry);
		DefaultTaskQueue queue = new DefaultTaskQueue(store, registry);
		InterceptingClaimStore seams = InterceptingClaimStore.of(store);
		this.frozenOrNot.add(seams);
		TaskDispatcher.Builder builder = TaskDispatcher.builder(seams, registry)
			.concurrency(concurrency)
			.pollInterval(POLL)
			.leaseDuration(LEASE)
			.heartbeatInterval(HEARTBEAT)
			.reaperGrace(GRACE)
			.retryBackoff(Duration.ofMillis(20))
			.retryMaxBackoff(Duration.ofMillis(100))
			.shutdownTimeout(Duration.ofMillis(500));
		TaskDispatcher dispatcher = adjust.apply(builder).build();
		queue.addEnqueueListener(dispatcher::wakeUp);
		this.dispatchers.add(dispatcher);
		return new Instance(store, seams, registry, queue, dispatcher);
	}

	/**
	 * Starts the instance with its dispatcher told that every queue is paused, so that its
	 * dispatch loop claims nothing and the test drives the dispatch steps itself.
	 */
	private static void startWithoutDispatching(Instance instance) {
		instance.seams.pretendPaused(instance.registry.queueNames());
		instance.dispatcher.start();
	}

	private final CountDownLatch hold = latch();

	/** A task whose handlers record themselves and wait until {@link #release()}. */
	protected TaskDefinition heldTask(String name, int maxConcurrent, String queue) {
		String queueName = (queue != null) ? queue : "default";
		TaskDefinition task = TaskDefinition.of(name, Handlers.noArgs((args, context) -> {
			this.recorder.start(context, "task:" + name, "queue:" + queueName);
			try {
				this.hold.await(HOLD_SECONDS, TimeUnit.SECONDS);
			}
			finally {
				this.recorder.end("task:" + name, "queue:" + queueName);
			}
			return null;
		})).withMaxConcurrent(maxConcurrent);
		return (queue != null) ? task.withQueue(queue) : task;
	}

	/** A task whose handlers record themselves and return at once. */
	protected TaskDefinition recordingTask(String name, String queue) {
		return TaskDefinition.of(name, Handlers.noArgs((args, context) -> {
			this.recorder.start(context, "task:" + name);
			this.recorder.end("task:" + name);
			return null;
		})).withQueue(queue);
	}

	protected void release() {
		this.hold.countDown();
	}

	private CountDownLatch latch() {
		CountDownLatch latch = new CountDownLatch(1);
		this.latches.add(latch);
		return latch;
	}

	/**
	 * Claims up to 8 jobs of {@code task} past the pre-claim gates (as racing instances
	 * would), runs the post-claim check and the rollback, and returns what was admitted.
	 */
	private List<ClaimedJob> claimAllThenCheck(Instance instance, String task, int expectClaimed, int expectAdmitted) {
		startWithoutDispatching(instance);
		ClaimRequest request = new ClaimRequest(instance.dispatcher.instanceId(), Duration.ofSeconds(30), 8,
				Set.of("default"), Map.of(task, 8), Map.of());
		List<ClaimedJob> claimed = instance.dispatcher.pass
			.claimForDispatch(new DispatchPass.PreClaimGates(request, new RateLimitTokens()));
		assertThat(claimed).hasSize(expectClaimed);
		DispatchPass.Admission admission = instance.dispatcher.pass.checkPostClaimConcurrency(claimed);
		instance.dispatcher.pass.rollbackClaimAndReschedule(admission.rejected());
		assertThat(admission.admitted()).hasSize(expectAdmitted);
		assertThat(admission.rejected()).hasSize(expectClaimed - expectAdmitted);
		return admission.admitted();
	}

	protected static List<JobId> enqueue(Instance instance, String task, int count) {
		List<EnqueueRequest> requests = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			requests.add(EnqueueRequest.of(task));
		}
		return instance.queue.enqueueAll(requests);
	}

	private static Map<JobId, Instant> runAts(Instance instance, List<JobId> ids) {
		Map<JobId, Instant> runAts = new java.util.HashMap<>();
		ids.forEach((id) -> runAts.put(id, instance.queue.find(id).orElseThrow().runAt()));
		return runAts;
	}

	protected static JobStatus status(Instance instance, JobId id) {
		return instance.queue.find(id).orElseThrow().status();
	}

	protected static boolean allHaveStatus(Instance instance, List<JobId> ids, JobStatus status) {
		return ids.stream().allMatch((id) -> status(instance, id) == status);
	}

	private static void awaitBarrier(CyclicBarrier barrier) {
		try {
			barrier.await(10, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException("the other dispatcher never reached the barrier", ex);
		}
	}

	private static void awaitUninterruptibly(CountDownLatch latch) {
		boolean interrupted = false;
		while (true) {
			try {
				latch.await(HOLD_SECONDS, TimeUnit.SECONDS);
				break;
			}
			catch (InterruptedException ex) {
				// A paused process would not see an interrupt either: run on, as a stale worker does.
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	private static void sleepQuietly(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
