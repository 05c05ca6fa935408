package dev.taskito.dispatch;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.taskito.Misfire;
import dev.taskito.Schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Which tick an instance asks the store for: a late tick runs as usual, the earliest first;
 * ticks more than the misfire threshold overdue are missed, and run once (the latest) or
 * not at all.
 */
class ScheduleTicksTest {

	private static final Duration THRESHOLD = Duration.ofSeconds(5);

	private static final Instant LAST = Instant.parse("2026-01-01T00:00:00Z");

	private final Schedule everySecond = new EverySecond();

	@Test
	void nothingIsDueBeforeTheNextTick() {
		ScheduleTicks.Plan plan = ScheduleTicks.plan(this.everySecond, LAST, LAST.plusMillis(999), Misfire.RUN_ONCE,
				THRESHOLD);
		assertThat(plan.tick()).isNull();
		assertThat(plan.next()).isEqualTo(LAST.plusSeconds(1));
	}

	@Test
	void lateTicksWithinTheThresholdRunOneByOneTheEarliestFirstWhateverThePolicy() {
		for (Misfire misfire : Misfire.values()) {
			ScheduleTicks.Plan plan = ScheduleTicks.plan(this.everySecond, LAST, LAST.plusMillis(3_200), misfire,
					THRESHOLD);
			assertThat(plan.tick()).isEqualTo(LAST.plusSeconds(1));
			assertThat(plan.withJob()).isTrue();
			assertThat(plan.next()).isEqualTo(LAST.plusSeconds(2));
		}
	}

	@Test
	void missedTicksRunOnceForTheLatestOrArePassedOver() {
		Instant now = LAST.plus(Duration.ofHours(30)).plusMillis(400);
		ScheduleTicks.Plan once = ScheduleTicks.plan(this.everySecond, LAST, now, Misfire.RUN_ONCE, THRESHOLD);
		assertThat(once.tick()).isEqualTo(LAST.plus(Duration.ofHours(30)));
		assertThat(once.withJob()).isTrue();
		ScheduleTicks.Plan skip = ScheduleTicks.plan(this.everySecond, LAST, now, Misfire.SKIP, THRESHOLD);
		assertThat(skip.tick()).isEqualTo(LAST.plus(Duration.ofHours(30)));
		assertThat(skip.withJob()).isFalse();
		assertThat(ScheduleTicks.nextRun(this.everySecond, LAST, now, Misfire.SKIP, THRESHOLD))
			.isEqualTo(LAST.plus(Duration.ofHours(30)).plusSeconds(1));
		assertThat(ScheduleTicks.nextRun(this.everySecond, LAST, now, Misfire.RUN_ONCE, THRESHOLD))
			.isEqualTo(LAST.plus(Duration.ofHours(30)));
	}

	@Test
	void theLatestDueTickOfARareScheduleIsFoundWithoutWalkingEveryTick() {
		Schedule daily = new Schedule() {
			@Override
			public Instant next(Instant after) {
				return after.truncatedTo(java.time.temporal.ChronoUnit.DAYS).plus(Duration.ofDays(1));
			}

			@Override
			public String definition() {
				return "daily";
			}
		};
		Instant now = LAST.plus(Duration.ofDays(400)).plusSeconds(7);
		assertThat(ScheduleTicks.latestDue(daily, LAST, now)).isEqualTo(LAST.plus(Duration.ofDays(400)));
		assertThat(ScheduleTicks.latestDue(this.everySecond, LAST, LAST.plus(Duration.ofDays(400)).plusMillis(1)))
			.isEqualTo(LAST.plus(Duration.ofDays(400)));
	}

	@Test
	void aPeriodicTaskWhoseHandlerTakesArgumentsIsRefusedNamingTheTask() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> TaskDefinition.of("greet", Handlers.intArg((args, context) -> null))
				.withSchedule(this.everySecond, Misfire.RUN_ONCE))
			.withMessageContaining("Task 'greet'")
			.withMessageContaining("is periodic (every second)")
			.withMessageContaining("declare no parameters other than a JobContext");
		assertThat(TaskDefinition.of("tick", Handlers.noArgs((args, context) -> null)).withSchedule(this.everySecond,
				null).misfire()).isEqualTo(Misfire.RUN_ONCE);
	}

	@Test
	void misfireReadsAsConfigured() {
		assertThat(Misfire.parse("run-once")).isEqualTo(Misfire.RUN_ONCE);
		assertThat(Misfire.parse(" SKIP ")).isEqualTo(Misfire.SKIP);
		assertThatIllegalArgumentException().isThrownBy(() -> Misfire.parse("never"))
			.withMessageContaining("use run-once or skip");
	}

}
