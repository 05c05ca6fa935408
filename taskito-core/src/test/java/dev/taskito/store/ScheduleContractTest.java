package dev.taskito.store;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every store promises about periodic tasks' schedules: the instance started last
 * decides a schedule's definition, and a tick is enqueued by compare-and-set of the last
 * tick in the same step as the job, so that of racing instances exactly one enqueues it,
 * and never again once its job has finished.
 */
public abstract class ScheduleContractTest extends StoreContract {

	private static final String DEFINITION = "cron 0 * * * * * zone UTC";

	private static final Duration LEASE = Duration.ofSeconds(30);

	@Test
	void aNewScheduleStartsAtTheStoresNowAndTheSameDefinitionAgainChangesNothing() {
		Instant before = this.store.schedules().storeTime();
		ScheduleRecord created = this.store.registerSchedule("report", DEFINITION);
		assertThat(created.definition()).isEqualTo(DEFINITION);
		assertThat(created.lastTick()).isAfterOrEqualTo(before.truncatedTo(ChronoUnit.MILLIS))
			.isEqualTo(created.definedAt());
		assertThat(created.paused()).isFalse();
		assertThat(created.lastJobId()).isNull();

		ScheduleRecord again = newStartedStore().registerSchedule("report", DEFINITION);
		assertThat(again).isEqualTo(created);
		assertThat(this.store.schedules().schedules()).containsExactly(created);
	}

	@Test
	void aDifferentDefinitionReplacesTheStoredOneStartingAfreshAndKeepsThePause() throws Exception {
		ScheduleRecord first = this.store.registerSchedule("report", DEFINITION);
		assertThat(this.store.setSchedulePaused("report", true)).isTrue();
		Thread.sleep(5);
		ScheduleRecord changed = newStartedStore().registerSchedule("report", "cron 0 0 * * * * zone UTC");
		assertThat(changed.definition()).isEqualTo("cron 0 0 * * * * zone UTC");
		assertThat(changed.definedAt()).isAfter(first.definedAt());
		assertThat(changed.lastTick()).as("the old schedule's ticks are never caught up").isAfter(first.lastTick());
		assertThat(changed.paused()).isTrue();
		assertThat(enqueueTick("report", DEFINITION, changed.lastTick(), changed.lastTick().plusSeconds(1)))
			.isEqualTo(ScheduleTick.Result.DEFINITION_DIFFERS);
	}

	@Test
	void ofInstancesRacingForOneTickExactlyOneEnqueuesItWithTheTickAsItsScheduledTime() throws Exception {
		ScheduleRecord record = this.store.registerSchedule("report", DEFINITION);
		Instant tick = record.lastTick().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
		List<ClaimStore> racers = List.of(this.store, newStartedStore(), newStartedStore());
		CyclicBarrier barrier = new CyclicBarrier(racers.size());
		ExecutorService threads = Executors.newFixedThreadPool(racers.size());
		try {
			List<Future<ScheduleTick.Result>> results = new ArrayList<>();
			for (ClaimStore racer : racers) {
				results.add(threads.submit(() -> {
					barrier.await();
					return racer.enqueueTick(new ScheduleTick("report", DEFINITION, record.lastTick(), tick,
							job("report")));
				}));
			}
			List<ScheduleTick.Result> answers = new ArrayList<>();
			for (Future<ScheduleTick.Result> result : results) {
				answers.add(result.get());
			}
			assertThat(answers).containsExactlyInAnyOrder(ScheduleTick.Result.ENQUEUED, ScheduleTick.Result.TAKEN,
					ScheduleTick.Result.TAKEN);
		}
		finally {
			threads.shutdownNow();
		}
		ScheduleRecord after = this.store.schedules().find("report").orElseThrow();
		assertThat(after.lastTick()).isEqualTo(tick);
		List<JobView> jobs = this.store.jobs(dev.taskito.JobQuery.all().task("report"));
		assertThat(jobs).singleElement().satisfies((job) -> {
			assertThat(job.scheduledFor()).isEqualTo(tick);
			assertThat(job.status()).isEqualTo(JobStatus.PENDING);
			assertThat(job.id()).isEqualTo(after.lastJobId());
		});
		List<ClaimedJob> claimed = claim("report");
		assertThat(claimed).singleElement().satisfies((job) -> assertThat(job.scheduledFor()).isEqualTo(tick));

		// The job finishes; a lagging instance that read the old last tick still finds the tick taken.
		this.store.finish(List.of(new Outcome.Succeeded(claimed.get(0).claim(), null)), false);
		assertThat(newStartedStore().enqueueTick(new ScheduleTick("report", DEFINITION, record.lastTick(), tick,
				job("report")))).isEqualTo(ScheduleTick.Result.TAKEN);
		assertThat(this.store.count(dev.taskito.JobQuery.all().task("report"))).isEqualTo(1);
	}

	@Test
	void aTickWhosePreviousJobIsStillPendingIsSkippedAndCountedAndOneStillRunningIsNot() {
		Instant start = this.store.registerSchedule("report", DEFINITION).lastTick();
		Instant first = start.plusSeconds(1);
		Instant second = start.plusSeconds(2);
		Instant third = start.plusSeconds(3);
		assertThat(enqueueTick("report", DEFINITION, start, first)).isEqualTo(ScheduleTick.Result.ENQUEUED);
		assertThat(enqueueTick("report", DEFINITION, first, second)).isEqualTo(ScheduleTick.Result.SKIPPED_OVERLAP);
		ScheduleRecord skipped = this.store.schedules().find("report").orElseThrow();
		assertThat(skipped.lastTick()).isEqualTo(second);
		assertThat(skipped.skippedTicks()).isEqualTo(1);
		assertThat(this.store.count(dev.taskito.JobQuery.all().task("report"))).isEqualTo(1);

		assertThat(claim("report")).hasSize(1);
		assertThat(enqueueTick("report", DEFINITION, second, third)).as("a running job waits behind the cap instead")
			.isEqualTo(ScheduleTick.Result.ENQUEUED);
		assertThat(this.store.jobs(dev.taskito.JobQuery.all().task("report").status(JobStatus.PENDING)))
			.singleElement().extracting(JobView::scheduledFor).isEqualTo(third);
		assertThat(this.store.schedules().find("report").orElseThrow().skippedTicks()).isEqualTo(1);
	}

	@Test
	void passingOverMissedTicksMovesTheLastTickWithoutAJob() {
		Instant start = this.store.registerSchedule("report", DEFINITION).lastTick();
		Instant latest = start.plusSeconds(30);
		assertThat(this.store.enqueueTick(new ScheduleTick("report", DEFINITION, start, latest, null)))
			.isEqualTo(ScheduleTick.Result.PASSED_OVER);
		assertThat(this.store.schedules().find("report").orElseThrow().lastTick()).isEqualTo(latest);
		assertThat(this.store.count(dev.taskito.JobQuery.all())).isZero();
	}

	@Test
	void aPausedScheduleEnqueuesNothingUntilResumedOnEveryInstance() {
		Instant start = this.store.registerSchedule("report", DEFINITION).lastTick();
		ClaimStore other = newStartedStore();
		assertThat(other.setSchedulePaused("report", true)).isTrue();
		assertThat(this.store.schedules().find("report").orElseThrow().paused()).isTrue();
		assertThat(enqueueTick("report", DEFINITION, start, start.plusSeconds(1))).isEqualTo(ScheduleTick.Result.PAUSED);
		assertThat(this.store.count(dev.taskito.JobQuery.all())).isZero();
		assertThat(other.setSchedulePaused("report", false)).isTrue();
		assertThat(enqueueTick("report", DEFINITION, start, start.plusSeconds(1))).isEqualTo(ScheduleTick.Result.ENQUEUED);
	}

	@Test
	void aTaskWithoutScheduleCannotBePausedNorTicked() {
		assertThat(this.store.setSchedulePaused("nobody", true)).isFalse();
		Instant now = this.store.schedules().storeTime();
		assertThat(enqueueTick("nobody", DEFINITION, now, now.plusSeconds(1))).isEqualTo(ScheduleTick.Result.UNKNOWN);
		assertThat(this.store.schedules().schedules()).isEmpty();
	}

	private ScheduleTick.Result enqueueTick(String task, String definition, Instant expected, Instant tick) {
		return this.store.enqueueTick(new ScheduleTick(task, definition, expected, tick, job(task)));
	}

	private static NewJob job(String task) {
		return new NewJob(JobId.newId(), task, "default", "[]", 0, Duration.ZERO, null, null, 3, null);
	}

	private List<ClaimedJob> claim(String task) {
		return this.store.claim(new ClaimRequest("instance-" + UUID.randomUUID(), LEASE, 100, Set.of("default"),
				Map.of(task, 100), Map.of()), UUID.randomUUID());
	}

}
