package dev.taskito.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The whole machine's CPU time from the first line of {@code /proc/stat}: every process's,
 * the store servers' among them. A paired comparison divides its difference over a run by
 * the jobs drained, so that a build that does the same work with less CPU shows it even
 * when the machine's speed drifts between runs.
 *
 * @param busyTicks user, nice, system, irq and softirq time, in clock ticks
 * @param stealTicks time the hypervisor gave to other machines, in clock ticks
 */
record MachineCpu(long busyTicks, long stealTicks) {

	/** Linux's {@code USER_HZ}, the unit of {@code /proc/stat} on every architecture it exports. */
	static final long TICKS_PER_SECOND = 100;

	/**
	 * @return the counters now, or zeros where {@code /proc/stat} cannot be read
	 */
	static MachineCpu now() {
		try {
			String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
			return parse(first);
		}
		catch (IOException | RuntimeException ex) {
			return new MachineCpu(0, 0);
		}
	}

	/**
	 * @param line the {@code cpu} line of {@code /proc/stat}
	 * @return its busy and steal ticks
	 */
	static MachineCpu parse(String line) {
		String[] fields = line.trim().split("\\s+");
		if (!fields[0].equals("cpu") || fields.length < 9) {
			throw new IllegalArgumentException("Not the cpu line of /proc/stat: " + line);
		}
		long busy = Long.parseLong(fields[1]) + Long.parseLong(fields[2]) + Long.parseLong(fields[3])
				+ Long.parseLong(fields[6]) + Long.parseLong(fields[7]);
		return new MachineCpu(busy, Long.parseLong(fields[8]));
	}

	/**
	 * @param since an earlier reading
	 * @return busy microseconds between the two readings
	 */
	long busyMicrosSince(MachineCpu since) {
		return (this.busyTicks - since.busyTicks) * 1_000_000 / TICKS_PER_SECOND;
	}

	/**
	 * @param since an earlier reading
	 * @return stolen microseconds between the two readings
	 */
	long stealMicrosSince(MachineCpu since) {
		return (this.stealTicks - since.stealTicks) * 1_000_000 / TICKS_PER_SECOND;
	}

}
