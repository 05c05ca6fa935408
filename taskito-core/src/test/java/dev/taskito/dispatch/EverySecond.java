package dev.taskito.dispatch;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import dev.taskito.Schedule;

/**
 * A schedule that fires at every whole second, for tests of periodic tasks in core, which
 * has no cron parser.
 */
final class EverySecond implements Schedule {

	@Override
	public Instant next(Instant after) {
		return after.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
	}

	@Override
	public String definition() {
		return "every second";
	}

}
