package dev.taskito.spring.boot.autoconfigure;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;

import org.springframework.scheduling.support.CronExpression;

import dev.taskito.Schedule;

/**
 * A periodic task's {@link Schedule} from a cron expression, read by Spring's
 * {@link CronExpression} (six fields, seconds first, or a macro such as {@code @hourly}) in
 * a time zone. A blank zone is UTC, never the JVM's zone: instances of one application may
 * run in different zones, and every one must compute the same ticks.
 *
 * <p>The ticks are exactly {@link CronExpression}'s, as {@code @Scheduled(cron)} has them, so
 * that a job moved from {@code @Scheduled} keeps its times, daylight-saving changes included:
 * a local time the spring-forward change skips does not fire that day (02:30 in
 * Europe/Paris on the last Sunday of March), and one the fall-back change repeats fires at
 * both occurrences (02:30 CEST, then 02:30 CET an hour later, on the last Sunday of
 * October). A schedule that must fire once a day whatever the zone's changes uses a time
 * outside them, or UTC.
 */
public final class CronSchedule implements Schedule {

	private final String expression;

	private final ZoneId zone;

	private final CronExpression cron;

	private CronSchedule(String expression, ZoneId zone, CronExpression cron) {
		this.expression = expression;
		this.zone = zone;
		this.cron = cron;
	}

	/**
	 * Reads a cron expression in a zone.
	 * @param expression six fields, seconds first, such as {@code 0 *&#47;5 * * * *}
	 * @param zone a region id such as {@code Europe/Paris}, or blank (or {@code null}) for UTC
	 * @return the schedule
	 * @throws IllegalArgumentException naming the expression or the zone and how to write it
	 */
	public static CronSchedule of(String expression, String zone) {
		String normalized = (expression != null) ? String.join(" ", expression.trim().split("\\s+")) : "";
		CronExpression cron;
		try {
			cron = CronExpression.parse(normalized);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("cron '" + expression + "' is not a cron expression (" + ex.getMessage()
					+ "): write six fields, seconds first, such as \"0 */5 * * * *\" (every five minutes), or a macro such"
					+ " as \"@hourly\"", ex);
		}
		return new CronSchedule(normalized, zone(zone), cron);
	}

	/**
	 * @param zone a region id, or blank (or {@code null}) for UTC
	 * @return the zone
	 * @throws IllegalArgumentException naming the zone and how to write one
	 */
	static ZoneId zone(String zone) {
		if (zone == null || zone.isBlank()) {
			return ZoneOffset.UTC;
		}
		try {
			return ZoneId.of(zone.trim());
		}
		catch (DateTimeException ex) {
			throw new IllegalArgumentException("zone '" + zone + "' is not a time zone (" + ex.getMessage()
					+ "): use a region id such as \"Europe/Paris\", or leave it blank for UTC", ex);
		}
	}

	/**
	 * @return the expression, its fields separated by single spaces
	 */
	public String expression() {
		return this.expression;
	}

	/**
	 * @return the zone the expression is read in
	 */
	public ZoneId zone() {
		return this.zone;
	}

	/**
	 * @param zone another zone
	 * @return the same expression in that zone
	 */
	CronSchedule withZone(ZoneId zone) {
		return new CronSchedule(this.expression, Objects.requireNonNull(zone, "zone"), this.cron);
	}

	@Override
	public Instant next(Instant after) {
		ZonedDateTime next = this.cron.next(after.atZone(this.zone));
		return (next != null) ? next.toInstant() : null;
	}

	@Override
	public String definition() {
		return "cron " + this.expression + " zone " + this.zone.getId();
	}

	@Override
	public String toString() {
		return definition();
	}

}
