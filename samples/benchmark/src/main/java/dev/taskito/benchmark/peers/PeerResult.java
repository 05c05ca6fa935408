package dev.taskito.benchmark.peers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a peer's drain reports: the median of its measured runs and each run, in jobs per
 * second. It travels from the peer's JVM to the orchestrator as one stdout line,
 * {@code RESULT <median> <run>,<run>,...}, whole jobs per second.
 *
 * @param median the median of {@code runs}
 * @param runs each measured drain's jobs per second, in the order they ran
 */
public record PeerResult(double median, List<Double> runs) {

	static final String PREFIX = "RESULT ";

	public PeerResult {
		runs = List.copyOf(runs);
	}

	/**
	 * @param runs each measured drain's jobs per second
	 * @return their median with them
	 */
	public static PeerResult of(List<Double> runs) {
		if (runs.isEmpty()) {
			throw new IllegalArgumentException("A result needs at least one run");
		}
		return new PeerResult(median(runs), runs);
	}

	/**
	 * @return the machine-readable line the peer's JVM prints
	 */
	public String line() {
		return PREFIX + whole(this.median) + " "
				+ this.runs.stream().map(PeerResult::whole).collect(Collectors.joining(","));
	}

	/**
	 * @param line a line of the peer JVM's stdout
	 * @return whether it is the result line
	 */
	static boolean isResult(String line) {
		return line.startsWith(PREFIX);
	}

	/**
	 * @param line a {@code RESULT} line
	 * @return the result it carries
	 * @throws IllegalArgumentException if the line is not a well-formed result
	 */
	static PeerResult parse(String line) {
		String[] fields = line.trim().split(" ");
		if (fields.length != 3 || !fields[0].equals(PREFIX.trim())) {
			throw new IllegalArgumentException("Not a result line: '" + line + "'");
		}
		try {
			List<Double> runs = Arrays.stream(fields[2].split(",")).map(Double::valueOf).toList();
			return new PeerResult(Double.parseDouble(fields[1]), runs);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("Not a result line: '" + line + "'", ex);
		}
	}

	static double median(List<Double> values) {
		List<Double> sorted = new ArrayList<>(values);
		sorted.sort(null);
		int n = sorted.size();
		return (n % 2 == 1) ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
	}

	private static String whole(double value) {
		return String.format(Locale.ROOT, "%d", Math.round(value));
	}

}
