package dev.taskito.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The CPU time of the store servers on this machine: every process named {@code redis-server}
 * or {@code postgres} (PostgreSQL's backends among them), read from {@code /proc}. A paired
 * comparison subtracts two readings to split the machine's CPU per job into the worker JVMs',
 * the store's and the rest (the kernel's network work, the harness). The name is the kernel's
 * ({@code /proc/<pid>/comm}): Debian's {@code redis-server} is a link to another binary, so the
 * executable's path does not say what runs.
 */
final class StoreCpu {

	private StoreCpu() {
	}

	/**
	 * @return the store servers' CPU time so far in microseconds, or 0 where {@code /proc}
	 * cannot be read
	 */
	static long micros() {
		try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
			long ticks = processes.filter((dir) -> dir.getFileName().toString().chars().allMatch(Character::isDigit))
				.mapToLong(StoreCpu::storeTicks)
				.sum();
			return ticks * 1_000_000 / MachineCpu.TICKS_PER_SECOND;
		}
		catch (IOException | RuntimeException ex) {
			return 0;
		}
	}

	private static long storeTicks(Path process) {
		try {
			if (!isStoreServer(Files.readString(process.resolve("comm")).trim())) {
				return 0;
			}
			return cpuTicks(Files.readString(process.resolve("stat")));
		}
		catch (IOException ex) {
			// The process ended between the listing and the read.
			return 0;
		}
	}

	static boolean isStoreServer(String name) {
		return name.equals("redis-server") || name.equals("postgres");
	}

	/**
	 * @param stat a {@code /proc/<pid>/stat} line
	 * @return its user and system time ({@code utime} and {@code stime}), in clock ticks
	 */
	static long cpuTicks(String stat) {
		// The name in parentheses may hold spaces: count the fields after its closing one.
		String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
	}

}
