package dev.taskito.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Arithmetic on the capped task's handler intervals ({@code {start, end}} pairs in one unit,
 * gathered from every instance): how many ran at once, and how long a freed slot stayed idle.
 */
final class Intervals {

	private Intervals() {
	}

	/**
	 * The most intervals that were open at one instant. An interval is half-open, {@code [start, end)}:
	 * one that ends when another starts does not overlap it.
	 * @param intervals {@code {start, end}} pairs, in any order
	 * @return the highest overlap, 0 for none
	 */
	static int highestOverlap(List<long[]> intervals) {
		List<long[]> events = new ArrayList<>(intervals.size() * 2);
		for (long[] interval : intervals) {
			events.add(new long[] { interval[0], 1 });
			events.add(new long[] { interval[1], -1 });
		}
		// At one instant, ends before starts: the half-open reading.
		events.sort((a, b) -> (a[0] != b[0]) ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
		int open = 0;
		int highest = 0;
		for (long[] event : events) {
			open += (int) event[1];
			highest = Math.max(highest, open);
		}
		return highest;
	}

	/**
	 * With {@code cap} slots, each start after the first {@code cap} fills the slot freed by the
	 * earliest end not yet refilled; the gap is how long that slot stayed idle (negative when
	 * the next job started before the end was recorded, as happens across clocks).
	 * @param intervals {@code {start, end}} pairs, in any order
	 * @param cap the slots
	 * @return the gaps, ascending
	 */
	static List<Long> refillGaps(List<long[]> intervals, int cap) {
		List<long[]> sorted = new ArrayList<>(intervals);
		sorted.sort((a, b) -> Long.compare(a[0], b[0]));
		PriorityQueue<Long> ends = new PriorityQueue<>();
		List<Long> gaps = new ArrayList<>();
		for (long[] job : sorted) {
			if (ends.size() >= cap) {
				gaps.add(job[0] - ends.poll());
			}
			ends.add(job[1]);
		}
		gaps.sort(null);
		return gaps;
	}

	/**
	 * @param intervals {@code {start, end}} pairs
	 * @return the sum of their lengths
	 */
	static long totalLength(List<long[]> intervals) {
		return intervals.stream().mapToLong((interval) -> interval[1] - interval[0]).sum();
	}

	/**
	 * @param gaps refill gaps, ascending, in microseconds
	 * @return p50, p90, p99, max and the sum in words, for the log
	 */
	static String describeGaps(List<Long> gaps) {
		if (gaps.isEmpty()) {
			return "no refills";
		}
		long sum = gaps.stream().mapToLong(Long::longValue).sum();
		return String.format("p50=%d p90=%d p99=%d max=%d, %d ms in all over %d refills", gaps.get(gaps.size() / 2),
				gaps.get(gaps.size() * 9 / 10), gaps.get(gaps.size() * 99 / 100), gaps.get(gaps.size() - 1),
				sum / 1000, gaps.size());
	}

}
