package dev.taskito.dispatch;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the duration strings of {@code @Task(timeout = ...)} the way Spring Boot reads
 * {@code application.yml}: a number with a unit ({@code "500ms"}, {@code "30s"},
 * {@code "5m"}, {@code "2h"}, {@code "1d"}; also {@code ns} and {@code us}), a plain
 * number meaning milliseconds ({@code "30"} is 30 ms), or ISO-8601 such as
 * {@code "PT30S"}. For plain-Java users; the Spring Boot starter reads the annotation
 * with Boot's own {@code DurationStyle}, which accepts the same forms but no spaces
 * between the number and its unit.
 */
public final class Durations {

	private static final Pattern SIMPLE = Pattern.compile("\\s*(\\d+)\\s*(ns|us|ms|s|m|h|d)?\\s*");

	private Durations() {
	}

	/**
	 * @param text the duration; blank means none
	 * @return the duration, or {@code null} when blank
	 * @throws IllegalArgumentException naming the text and the accepted forms
	 */
	public static Duration parse(String text) {
		if (text == null || text.isBlank()) {
			return null;
		}
		Matcher matcher = SIMPLE.matcher(text.toLowerCase(Locale.ROOT));
		if (matcher.matches()) {
			long amount = Long.parseLong(matcher.group(1));
			String unit = (matcher.group(2) != null) ? matcher.group(2) : "ms";
			return switch (unit) {
				case "ns" -> Duration.ofNanos(amount);
				case "us" -> Duration.ofNanos(amount * 1000);
				case "ms" -> Duration.ofMillis(amount);
				case "s" -> Duration.ofSeconds(amount);
				case "m" -> Duration.ofMinutes(amount);
				case "h" -> Duration.ofHours(amount);
				default -> Duration.ofDays(amount);
			};
		}
		try {
			return Duration.parse(text.trim());
		}
		catch (DateTimeParseException ex) {
			throw new IllegalArgumentException("Cannot read duration '" + text
					+ "': write it as a number with ms, s, m, h or d (such as \"30s\"; a plain number is milliseconds) or in ISO-8601 (such as \"PT30S\")",
					ex);
		}
	}

}
