package dev.taskito.benchmark.peers;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The peer drain's command line: defaults, the round trip through {@link PeerOptions#args()},
 * and what it refuses. No peer runs here.
 */
class PeerOptionsTest {

	@Test
	void defaultsAreTheIssuesDrain() {
		PeerOptions options = PeerOptions.parse(new String[] { "--peer=jobrunr" });
		assertThat(options.jobs()).isEqualTo(100_000);
		assertThat(options.warmupJobs()).isEqualTo(10_000);
		assertThat(options.workers()).isEqualTo(16);
		assertThat(options.runs()).isEqualTo(3);
		assertThat(options.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/test");
		assertThat(options.jdbcUser()).isEqualTo("postgres");
		assertThat(options.jdbcPassword()).isEmpty();
	}

	@Test
	void argsParseBackToTheSameOptions() {
		PeerOptions options = PeerOptions.defaults("db-scheduler")
			.withDatabase("jdbc:postgresql://localhost:5433/other?ssl=false", "bench", "p=w")
			.withDrain(20_000, 0, 8, 5);
		assertThat(PeerOptions.parse(options.args().toArray(new String[0]))).isEqualTo(options);
	}

	@Test
	void emptyPasswordSurvivesTheRoundTrip() {
		PeerOptions options = PeerOptions.parse(new String[] { "--peer=db-scheduler", "--jdbc-password=" });
		assertThat(options.jdbcPassword()).isEmpty();
		assertThat(options.args()).contains("--jdbc-password=");
	}

	@Test
	void unknownPeerIsRefusedNamingTheChoices() {
		assertThatThrownBy(() -> PeerOptions.parse(new String[] { "--peer=quartz" }))
			.isInstanceOf(PeerOptions.UsageException.class)
			.hasMessageContaining("quartz")
			.hasMessageContaining("db-scheduler")
			.hasMessageContaining("jobrunr");
	}

	@Test
	void peerIsRequired() {
		assertThatThrownBy(() -> PeerOptions.parse(new String[] { "--jobs=10" }))
			.isInstanceOf(PeerOptions.UsageException.class)
			.hasMessageContaining("--peer");
	}

	@Test
	void badNumbersAndUnknownOptionsAreRefused() {
		assertThatThrownBy(() -> PeerOptions.parse(new String[] { "--peer=jobrunr", "--jobs=lots" }))
			.hasMessageContaining("--jobs");
		assertThatThrownBy(() -> PeerOptions.parse(new String[] { "--peer=jobrunr", "--runs=0" }))
			.hasMessageContaining("--runs");
		assertThatThrownBy(() -> PeerOptions.parse(new String[] { "--peer=jobrunr", "--threads=4" }))
			.hasMessageContaining("--threads");
	}

	@Test
	void helpIsAUsageErrorWithoutMessage() {
		assertThatThrownBy(() -> PeerOptions.parse(new String[] { "--help" }))
			.isInstanceOf(PeerOptions.UsageException.class)
			.hasMessage(null);
	}

}
