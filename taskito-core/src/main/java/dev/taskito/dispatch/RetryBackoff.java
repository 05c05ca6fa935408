package dev.taskito.dispatch;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a failed job waits before its next attempt: exponential backoff with equal
 * jitter, so retries of jobs that failed together spread out.
 */
final class RetryBackoff {

	private final Duration first;

	private final Duration max;

	/**
	 * @param first the delay after the first failed attempt (before jitter)
	 * @param max the longest delay
	 */
	RetryBackoff(Duration first, Duration max) {
		this.first = first;
		this.max = max;
	}

	/**
	 * Half the delay is fixed, half random.
	 * @param attempt the attempt that failed, from 1
	 * @return the delay before the next attempt
	 */
	Duration delay(int attempt) {
		long base = this.first.toMillis();
		long max = this.max.toMillis();
		int doublings = Math.min(attempt - 1, 30);
		long exponential = Math.min(max, (base > (max >> doublings)) ? max : base << doublings);
		long half = exponential / 2;
		return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(exponential - half + 1));
	}

}
