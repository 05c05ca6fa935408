package dev.taskito;

import java.util.Locale;

/**
 * What a periodic task does with ticks it missed: ticks more than
 * {@link TaskitoDefaults#SCHEDULE_MISFIRE_THRESHOLD} overdue when an instance comes to
 * enqueue them, because every instance was down or the schedule was paused.
 */
public enum Misfire {

	/** One catch-up run, for the latest missed tick, however many were missed (the default). */
	RUN_ONCE,

	/** No catch-up: the missed ticks are passed over and the next future tick runs as usual. */
	SKIP;

	/**
	 * Reads a policy as configured: {@code run-once} or {@code skip}, any case, with
	 * {@code _} or {@code -}.
	 * @param text the configured text
	 * @return the policy
	 * @throws IllegalArgumentException naming the accepted values
	 */
	public static Misfire parse(String text) {
		String normalized = (text != null) ? text.trim().toUpperCase(Locale.ROOT).replace('-', '_') : "";
		for (Misfire misfire : values()) {
			if (misfire.name().equals(normalized)) {
				return misfire;
			}
		}
		throw new IllegalArgumentException("misfire '" + text + "' is not a policy: use run-once or skip");
	}

	/**
	 * @return the policy as configured, such as {@code run-once}
	 */
	public String configValue() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

}
