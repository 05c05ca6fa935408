package dev.taskito.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Heap used after a full collection, and the process's resident set, in MiB: measured by the
 * JVM whose memory is reported (the core path's own, or an application JVM of the starter
 * path answering {@code MEMORY}).
 *
 * @param heapMiB heap used after two collections
 * @param rssMiB resident set size from {@code /proc/self/status}, or {@code null} off Linux
 */
public record Memory(Number heapMiB, Number rssMiB) {

	/**
	 * Collects garbage twice, then reads the heap and the resident set.
	 * @return this JVM's memory
	 * @throws InterruptedException if interrupted between the collections
	 */
	public static Memory measure() throws InterruptedException {
		System.gc();
		Thread.sleep(100);
		System.gc();
		long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
		return new Memory(Benchmark.round(heap / 1048576.0, 1), readRssMiB());
	}

	private static Number readRssMiB() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
				if (line.startsWith("VmRSS:")) {
					long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
					return Benchmark.round(kib / 1024.0, 1);
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			// Not Linux: no figure rather than a wrong one.
		}
		return null;
	}

}
