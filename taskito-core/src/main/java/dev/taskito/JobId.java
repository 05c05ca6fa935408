package dev.taskito;

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
