package dev.taskito.dispatch;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the duration strings of {@code @Task(timeout = ...)}: {@code "500ms"},
 * {@code "30s"}, {@code "5m"}, {@code "2h"}, {@code "1d"}, or ISO-8601 such as
 * {@code "PT30S"}.
 */
public final class Durations {

	private static final Pattern SIMPLE = Pattern.compile("\\s*(\\d+)\\s*(ms|s|m|h|d)\\s*");

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
			return switch (matcher.group(2)) {
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
					+ "': write it as a number with ms, s, m, h or d (such as \"30s\") or in ISO-8601 (such as \"PT30S\")",
					ex);
		}
	}

}
