package dev.taskito.store;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A token-bucket rate limit such as {@code "100/m"}: {@code permits} per {@code period},
 * with a burst of at most {@code permits}.
 *
 * @param permits how many jobs per period, at least 1
 * @param period the period, positive
 */
public record RateLimit(int permits, Duration period) {

	private static final Pattern FORMAT = Pattern.compile("\\s*(\\d+)\\s*/\\s*(\\d*)\\s*([smhd])\\s*");

	/**
	 * Checks the fields.
	 */
	public RateLimit {
		if (permits < 1) {
			throw new IllegalArgumentException("permits must be at least 1, was " + permits);
		}
		if (period == null || period.isNegative() || period.isZero()) {
			throw new IllegalArgumentException("period must be positive, was " + period);
		}
	}

	/**
	 * Parses {@code "<permits>/<unit>"} or {@code "<permits>/<n><unit>"}, where unit is
	 * {@code s}, {@code m}, {@code h} or {@code d}: {@code "100/m"}, {@code "5/10s"}.
	 * @param text the limit
	 * @return the limit
	 * @throws IllegalArgumentException naming the text and the expected form
	 */
	public static RateLimit parse(String text) {
		Matcher matcher = FORMAT.matcher((text != null) ? text.toLowerCase(Locale.ROOT) : "");
		if (!matcher.matches()) {
			throw new IllegalArgumentException("Cannot read rate limit '" + text
					+ "': write it as <permits>/<unit> or <permits>/<n><unit> with unit s, m, h or d, such as \"100/m\" or \"5/10s\"");
		}
		try {
			int permits = Integer.parseInt(matcher.group(1));
			long amount = matcher.group(2).isEmpty() ? 1 : Long.parseLong(matcher.group(2));
			Duration unit = switch (matcher.group(3)) {
				case "s" -> Duration.ofSeconds(1);
				case "m" -> Duration.ofMinutes(1);
				case "h" -> Duration.ofHours(1);
				default -> Duration.ofDays(1);
			};
			return new RateLimit(permits, unit.multipliedBy(amount));
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException("Cannot read rate limit '" + text + "': " + ex.getMessage()
					+ "; write it such as \"100/m\" with at least 1 permit and a positive period", ex);
		}
	}

	/**
	 * @return permits per second
	 */
	public double perSecond() {
		return this.permits / (this.period.toNanos() / 1e9);
	}

	@Override
	public String toString() {
		return this.permits + "/" + this.period;
	}

}
