package dev.taskito.benchmark;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cap workload's arithmetic on the handlers' intervals gathered from every JVM.
 */
class IntervalsTest {

	@Test
	void highestOverlapCountsIntervalsOpenAtOneInstant() {
		List<long[]> intervals = List.of(new long[] { 0, 50 }, new long[] { 10, 60 }, new long[] { 55, 100 },
				new long[] { 58, 70 });
		// At 58: [10,60), [55,100) and [58,70) are open.
		assertThat(Intervals.highestOverlap(intervals)).isEqualTo(3);
	}

	@Test
	void highestOverlapIgnoresOrderAcrossJvms() {
		List<long[]> fromThreeJvms = List.of(new long[] { 100, 150 }, new long[] { 0, 50 }, new long[] { 50, 100 },
				new long[] { 0, 100 });
		assertThat(Intervals.highestOverlap(fromThreeJvms)).isEqualTo(2);
	}

	@Test
	void anIntervalEndingWhenAnotherStartsDoesNotOverlapIt() {
		List<long[]> backToBack = List.of(new long[] { 0, 50 }, new long[] { 50, 100 }, new long[] { 100, 150 });
		assertThat(Intervals.highestOverlap(backToBack)).isEqualTo(1);
		assertThat(Intervals.highestOverlap(List.of())).isZero();
	}

	@Test
	void refillGapsMeasureHowLongAFreedSlotStayedIdle() {
		// Two slots: the third job fills the slot freed at 50, 5 later; the fourth the one freed at 60, 20 later.
		List<long[]> intervals = List.of(new long[] { 0, 50 }, new long[] { 0, 60 }, new long[] { 55, 100 },
				new long[] { 80, 120 });
		assertThat(Intervals.refillGaps(intervals, 2)).containsExactly(5L, 20L);
		assertThat(Intervals.totalLength(intervals)).isEqualTo(50 + 60 + 45 + 40);
	}

}
