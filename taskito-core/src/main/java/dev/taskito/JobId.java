package dev.taskito;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;

/**
 * The identity of a job: a UUIDv7, so ids sort by creation time.
 *
 * @param value the UUID
 */
public record JobId(UUID value) implements Comparable<JobId> {

	private static final TimeBasedEpochGenerator GENERATOR = Generators.timeBasedEpochGenerator();

	/**
	 * Creates a job id.
	 * @param value the UUID, not {@code null}
	 */
	public JobId {
		Objects.requireNonNull(value, "value");
	}

	/**
	 * A new, time-ordered id.
	 * @return a fresh UUIDv7 id
	 */
	public static JobId newId() {
		return new JobId(GENERATOR.generate());
	}

	/**
	 * Parses the canonical string form.
	 * @param text a UUID such as {@code 0190e0c4-...}
	 * @return the id
	 * @throws IllegalArgumentException if {@code text} is not a UUID
	 */
	public static JobId parse(String text) {
		return new JobId(UUID.fromString(text));
	}

	/**
	 * The lowest id a job created at an instant can have: every id made at or after that
	 * millisecond sorts at or above it, every id made before sorts below. Turns a time range
	 * into an id range, which the job index can count without reading jobs.
	 * @param instant a time on the clock that makes ids (the enqueuing instance's)
	 * @return an id bound, not itself a job's id
	 */
	public static JobId lowestAt(Instant instant) {
		// A UUIDv7 starts with 48 bits of Unix milliseconds; all other bits at zero sort first.
		long millis = Math.max(0, instant.toEpochMilli()) & 0xFFFF_FFFF_FFFFL;
		return new JobId(new UUID(millis << 16, 0));
	}

	@Override
	public int compareTo(JobId other) {
		// UUID.compareTo compares signed longs; v7 ids must compare as unsigned to sort by time.
		int high = Long.compareUnsigned(this.value.getMostSignificantBits(), other.value.getMostSignificantBits());
		return (high != 0) ? high
				: Long.compareUnsigned(this.value.getLeastSignificantBits(), other.value.getLeastSignificantBits());
	}

	@Override
	public String toString() {
		return this.value.toString();
	}

}
