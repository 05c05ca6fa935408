package dev.taskito.benchmark.peers;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The arithmetic and the wire format between a peer's JVM and the orchestrator: the median,
 * the {@code RESULT} line both ways, the handler-measured rate, and how a failed peer is told
 * apart from a result.
 */
class PeerResultTest {

	@Test
	void medianOfOddAndEvenCounts() {
		assertThat(PeerResult.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
		assertThat(PeerResult.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
		assertThat(PeerResult.median(List.of(7.0))).isEqualTo(7.0);
	}

	@Test
	void resultLineRoundTripsInWholeJobsPerSecond() {
		PeerResult result = PeerResult.of(List.of(2916.6, 3100.2, 2800.0));
		assertThat(result.median()).isEqualTo(2916.6);
		assertThat(result.line()).isEqualTo("RESULT 2917 2917,3100,2800");
		PeerResult parsed = PeerResult.parse(result.line());
		assertThat(parsed.median()).isEqualTo(2917.0);
		assertThat(parsed.runs()).containsExactly(2917.0, 3100.0, 2800.0);
	}

	@Test
	void malformedLinesAreRefused() {
		assertThatThrownBy(() -> PeerResult.parse("RESULT 12")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> PeerResult.parse("RESULT x 1,2")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> PeerResult.parse("DONE 1 1")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> PeerResult.of(List.of())).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void peerThatFailedOrPrintedNoResultIsAnError() {
		assertThat(Peers.result("jobrunr", 0, List.of("hello", "RESULT 10 9,10,11")).median()).isEqualTo(10.0);
		assertThatThrownBy(() -> Peers.result("jobrunr", 1, List.of("RESULT 10 10")))
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("jobrunr")
			.hasMessageContaining("exit 1");
		assertThatThrownBy(() -> Peers.result("db-scheduler", 0, List.of()))
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("0 result lines");
		assertThatThrownBy(() -> Peers.result("db-scheduler", 0, List.of("RESULT ten 10")))
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("malformed");
	}

	@Test
	void peerJvmRunsTheDrainClassWithTheOptions() {
		PeerOptions options = PeerOptions.defaults("db-scheduler").withDrain(20_000, 2_000, 16, 1);
		List<String> command = Peers.command(options);
		assertThat(command.get(0)).endsWith("java");
		assertThat(command).containsSubsequence(PeerDrain.class.getName(), "--peer=db-scheduler");
		assertThat(command).endsWith(options.args().toArray(new String[0]));
	}

	@Test
	void rateIsJobsOverFirstStartToLastFinish() {
		assertThat(DrainSpan.rate(1_000, 5_000_000, 5_500_000)).isCloseTo(2_000.0, within(1e-9));
		// A span under the clock's resolution is not infinitely fast.
		assertThat(DrainSpan.rate(1, 7, 7)).isEqualTo(1_000_000.0);
	}

}
