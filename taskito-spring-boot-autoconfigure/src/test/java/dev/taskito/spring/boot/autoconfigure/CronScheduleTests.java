package dev.taskito.spring.boot.autoconfigure;

import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Ticks of {@link CronSchedule}: a blank zone is UTC whatever the JVM's zone, and the two
 * daylight-saving days of Europe/Paris are pinned for a 02:30 schedule.
 */
class CronScheduleTests {

	@Test
	void aBlankZoneIsUtcNotTheJvmsZone() {
		CronSchedule schedule = CronSchedule.of("0 30 2 * * *", "");
		assertThat(schedule.zone()).isEqualTo(ZoneOffset.UTC);
		assertThat(schedule.definition()).isEqualTo("cron 0 30 2 * * * zone Z");
		assertThat(schedule.next(Instant.parse("2026-06-01T00:00:00Z"))).isEqualTo(Instant.parse("2026-06-01T02:30:00Z"));
	}

	@Test
	void theDefinitionNamesExpressionAndZoneWithSpacesNormalized() {
		assertThat(CronSchedule.of("  0  */5 * * * * ", "Europe/Paris").definition())
			.isEqualTo("cron 0 */5 * * * * zone Europe/Paris");
	}

	/**
	 * The ticks are Spring's {@code CronExpression}'s, as {@code @Scheduled(cron)} has them, so
	 * that moving a job from {@code @Scheduled} changes none of its times.
	 */
	@Test
	void onTheSpringForwardDayA0230ScheduleInParisDoesNotFireAsThatTimeDoesNotExist() {
		// 2026-03-29: at 02:00 CET clocks go to 03:00 CEST, so 02:30 does not exist that day.
		CronSchedule schedule = CronSchedule.of("0 30 2 * * *", "Europe/Paris");
		Instant dayBefore = schedule.next(Instant.parse("2026-03-27T12:00:00Z"));
		assertThat(dayBefore).as("02:30 CET").isEqualTo(Instant.parse("2026-03-28T01:30:00Z"));
		assertThat(schedule.next(dayBefore)).as("no tick on the 29th; 02:30 CEST on the 30th")
			.isEqualTo(Instant.parse("2026-03-30T00:30:00Z"));
	}

	@Test
	void onTheFallBackDayA0230ScheduleInParisFiresAtBoth0230s() {
		// 2026-10-25: at 03:00 CEST clocks go back to 02:00 CET, so 02:30 happens twice that day.
		CronSchedule schedule = CronSchedule.of("0 30 2 * * *", "Europe/Paris");
		Instant dayBefore = schedule.next(Instant.parse("2026-10-23T12:00:00Z"));
		assertThat(dayBefore).as("02:30 CEST").isEqualTo(Instant.parse("2026-10-24T00:30:00Z"));
		Instant first = schedule.next(dayBefore);
		assertThat(first).as("02:30 CEST").isEqualTo(Instant.parse("2026-10-25T00:30:00Z"));
		Instant second = schedule.next(first);
		assertThat(second).as("02:30 CET, an hour later").isEqualTo(Instant.parse("2026-10-25T01:30:00Z"));
		assertThat(schedule.next(second)).as("02:30 CET").isEqualTo(Instant.parse("2026-10-26T01:30:00Z"));
	}

	@Test
	void aBadExpressionOrZoneIsRefusedSayingHowToWriteIt() {
		assertThatIllegalArgumentException().isThrownBy(() -> CronSchedule.of("*/5 * * * *", ""))
			.withMessageContaining("cron '*/5 * * * *' is not a cron expression")
			.withMessageContaining("six fields, seconds first");
		assertThatIllegalArgumentException().isThrownBy(() -> CronSchedule.of("0 * * * * *", "Mars/Olympus"))
			.withMessageContaining("zone 'Mars/Olympus' is not a time zone")
			.withMessageContaining("Europe/Paris");
	}

}
