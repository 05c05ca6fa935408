package dev.taskito.samples.soak;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.taskito.samples.soak.SoakWorker.Kind;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The soak's checks on hand-made ledgers: each passes on a clean history and fails on the
 * bug it is there to catch, so a soak that prints PASS means something.
 */
class SoakAnalysisTest {

	private static final long T = 1_000_000_000_000L;

	private final Map<String, Kind> expected = new LinkedHashMap<>();

	private final Map<String, SoakAnalysis.StoredJob> stored = new HashMap<>();

	private final List<Ledger.Entry> entries = new ArrayList<>();

	private final List<SoakAnalysis.Fault> faults = new ArrayList<>();

	private void job(String id, Kind kind, String status, int attempts) {
		this.expected.put(id, kind);
		this.stored.put(id, new SoakAnalysis.StoredJob(kind.task, status, attempts, null));
	}

	private void run(String id, Kind kind, String instance, int attempt, long startMs, Long endMs, String outcome) {
		this.entries.add(new Ledger.Entry(true, T + startMs * 1000, id, instance, attempt, kind.task, null, false));
		if (endMs != null) {
			this.entries.add(new Ledger.Entry(false, T + endMs * 1000, id, instance, attempt, kind.task, outcome, false));
		}
	}

	private SoakAnalysis.Report analyse() {
		Map<String, String> options = SoakDriver.defaults(Map.of("store", "test"));
		return new SoakAnalysis(options, this.expected, Map.of(), this.faults, this.entries, this.stored,
				Map.of("a", true, "b", true), 0, List.of(), Map.of()).analyse(T, T + 60_000_000);
	}

	private String line(SoakAnalysis.Report report, String check) {
		return report.text().lines().filter((l) -> l.contains("] " + check)).findFirst().orElseThrow();
	}

	@Test
	void cleanHistoryPasses() {
		job("j1", Kind.SOLO, "SUCCEEDED", 1);
		job("j2", Kind.SOLO, "SUCCEEDED", 1);
		run("j1", Kind.SOLO, "a", 1, 0, 40L, "ok");
		run("j2", Kind.SOLO, "b", 1, 40, 80L, "ok");
		SoakAnalysis.Report report = analyse();
		assertTrue(report.text().contains("[PASS] cap task:solo<=1"), report.text());
		assertTrue(line(report, "no-double-run").startsWith("[PASS]"), report.text());
	}

	@Test
	void capExceededByLiveExecutionsFails() {
		job("j1", Kind.SOLO, "SUCCEEDED", 1);
		job("j2", Kind.SOLO, "SUCCEEDED", 1);
		run("j1", Kind.SOLO, "a", 1, 0, 40L, "ok");
		run("j2", Kind.SOLO, "b", 1, 20, 60L, "ok");
		SoakAnalysis.Report report = analyse();
		assertFalse(report.passed());
		assertTrue(report.text().contains("[FAIL] cap task:solo<=1"), report.text());
	}

	@Test
	void executionStartedWhileTheKillWasSentEndsWithTheKill() {
		job("j1", Kind.SOLO, "SUCCEEDED", 2);
		job("j2", Kind.SOLO, "SUCCEEDED", 1);
		// j1 starts on "a" 5 ms after the driver's timestamp, before kill -9 lands (20 ms later).
		run("j1", Kind.SOLO, "a", 1, 105, null, null);
		this.faults.add(new SoakAnalysis.Fault("kill", "a", T + 100_000, T + 120_000));
		run("j2", Kind.SOLO, "b", 1, 200, 240L, "ok");
		run("j1", Kind.SOLO, "b", 2, 3_000, 3_040L, "ok");
		SoakAnalysis.Report report = analyse();
		assertTrue(report.text().contains("[PASS] cap task:solo<=1"), report.text());
		// And a solo execution that overlaps it before the kill lands is still caught.
		run("j2", Kind.SOLO, "b", 1, 110, 150L, "ok");
		assertTrue(analyse().text().contains("[FAIL] cap task:solo<=1"));
	}

	@Test
	void overlappingExecutionsOfOneJobFail() {
		job("j1", Kind.SHORT, "SUCCEEDED", 2);
		run("j1", Kind.SHORT, "a", 1, 0, 40L, "ok");
		run("j1", Kind.SHORT, "b", 2, 20, 60L, "ok");
		SoakAnalysis.Report report = analyse();
		assertTrue(line(report, "no-double-run").startsWith("[FAIL]"), report.text());
		assertTrue(line(report, "re-runs").startsWith("[FAIL]"), report.text());
	}

	@Test
	void overlapWithAPausedInstanceIsAllowed() {
		job("j1", Kind.LONG, "SUCCEEDED", 2);
		run("j1", Kind.LONG, "a", 1, 0, 3_010L, "ok");
		run("j1", Kind.LONG, "b", 2, 2_600, 4_100L, "ok");
		this.faults.add(new SoakAnalysis.Fault("pause", "a", T + 10_000, T + 3_005_000));
		SoakAnalysis.Report report = analyse();
		assertTrue(line(report, "no-double-run").startsWith("[PASS]"), report.text());
		assertTrue(line(report, "stale-after-SIGCONT").startsWith("[PASS]"), report.text());
	}

	@Test
	void secondPauseOfTheSameInstanceIsAPauseToo() {
		job("j1", Kind.LONG, "SUCCEEDED", 2);
		run("j1", Kind.LONG, "a", 1, 100_000, 103_010L, "ok");
		run("j1", Kind.LONG, "b", 2, 102_600, 104_100L, "ok");
		this.faults.add(new SoakAnalysis.Fault("pause", "a", T + 10_000, T + 3_005_000));
		this.faults.add(new SoakAnalysis.Fault("pause", "a", T + 100_010_000, T + 103_005_000));
		SoakAnalysis.Report report = analyse();
		assertTrue(line(report, "no-double-run").startsWith("[PASS]"), report.text());
		assertTrue(line(report, "re-runs").contains("paused=1"), report.text());
	}

	@Test
	void jobThatReturnedJustBeforeAPauseMayRunAgainButOnlyThen() {
		job("j1", Kind.SHORT, "SUCCEEDED", 2);
		// It returns 8 ms before SIGSTOP; its outcome waits for the completer, the pause outlasts
		// the lease, and the reaper gives it to "b".
		run("j1", Kind.SHORT, "a", 1, 0, 15L, "ok");
		run("j1", Kind.SHORT, "b", 2, 2_600, 2_615L, "ok");
		this.faults.add(new SoakAnalysis.Fault("pause", "a", T + 23_000, T + 3_023_000));
		SoakAnalysis.Report report = analyse();
		assertTrue(line(report, "re-runs").startsWith("[PASS]"), report.text());
		assertTrue(line(report, "re-runs").contains("paused-before-commit=1"), report.text());
		assertTrue(line(report, "store-agrees-with-ledger").startsWith("[PASS]"), report.text());

		// Seconds before the pause, the outcome had long been committed: a re-run is a bug.
		this.faults.set(0, new SoakAnalysis.Fault("pause", "a", T + 2_000_000, T + 5_000_000));
		assertTrue(line(analyse(), "re-runs").startsWith("[FAIL]"));
	}

	@Test
	void sigtermThatConsumesAnAttemptFails() {
		job("j1", Kind.LONG, "SUCCEEDED", 2);
		run("j1", Kind.LONG, "a", 1, 0, 1_000L, "interrupted");
		run("j1", Kind.LONG, "b", 2, 1_100, 2_600L, "ok");
		this.faults.add(new SoakAnalysis.Fault("sigterm", "a", T + 10_000, T + 1_050_000));
		SoakAnalysis.Report report = analyse();
		assertTrue(line(report, "sigterm").startsWith("[FAIL]"), report.text());
	}

	@Test
	void strandedJobPickedUpTooLateFails() {
		job("j1", Kind.LONG, "SUCCEEDED", 2);
		run("j1", Kind.LONG, "a", 1, 0, null, null);
		run("j1", Kind.LONG, "b", 2, 5_000, 6_500L, "ok");
		this.faults.add(new SoakAnalysis.Fault("kill", "a", T + 100_000, T + 110_000));
		SoakAnalysis.Report report = analyse();
		assertTrue(line(report, "stranded-pickup").startsWith("[FAIL]"), report.text());
		assertTrue(line(report, "no-double-run").startsWith("[PASS]"), report.text());
	}

	@Test
	void storeThatDisagreesWithTheLedgerFails() {
		job("j1", Kind.SHORT, "SUCCEEDED", 1);
		run("j1", Kind.SHORT, "a", 1, 0, 40L, "failed");
		SoakAnalysis.Report report = analyse();
		assertTrue(line(report, "store-agrees-with-ledger").startsWith("[FAIL]"), report.text());
	}

}
