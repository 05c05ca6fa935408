package dev.taskito.benchmark;

import java.util.List;

import dev.taskito.benchmark.app.BenchApplication;
import dev.taskito.benchmark.app.CoreApplication;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The benchmark's arithmetic and command line only: the benchmark itself never runs in the
 * build (figures come from {@code exec:exec}, never from timed tests).
 */
class OptionsTest {

	@Test
	void quickShrinksTheDrainToTheIssuesSize() {
		Options options = Options.parse(new String[] { "--quick", "--store=postgres,redis", "--runs=5" });
		assertThat(options.sizes().drainJobs()).isEqualTo(20_000);
		assertThat(options.stores()).containsExactly("postgres", "redis");
		assertThat(options.runs()).isEqualTo(5);
		assertThat(Options.parse(new String[0]).sizes().drainJobs()).isEqualTo(100_000);
	}

	@Test
	void unknownStoreIsRefusedNamingTheChoices() {
		assertThatThrownBy(() -> Options.parse(new String[] { "--store=mysql" }))
			.hasMessageContaining("mysql").hasMessageContaining("postgres");
	}

	@Test
	void theStarterPathIsTheDefaultAndTheCorePathIsADiagnostic() {
		assertThat(Options.parse(new String[0]).path()).isEqualTo("starter");
		assertThat(Options.parse(new String[0]).starterPath()).isTrue();
		Options core = Options.parse(new String[] { "--path=core", "--trace-store" });
		assertThat(core.path()).isEqualTo("core");
		assertThat(core.starterPath()).isFalse();
		assertThat(core.traceStore()).isTrue();
	}

	@Test
	void unknownPathIsRefusedNamingTheChoices() {
		assertThatThrownBy(() -> Options.parse(new String[] { "--path=spring" }))
			.hasMessageContaining("spring").hasMessageContaining("starter").hasMessageContaining("core");
		assertThatThrownBy(() -> Options.parse(new String[] { "--path=starter,core" }))
			.isInstanceOf(Options.UsageException.class);
	}

	@Test
	void traceStoreNeedsTheCorePath() {
		assertThatThrownBy(() -> Options.parse(new String[] { "--trace-store" })).hasMessageContaining("--path=core");
	}

	@Test
	void keysDrainKeyedJobsOnPostgresOrRedisOnEitherPath() {
		assertThat(Options.parse(new String[0]).keys()).isZero();
		Options keyed = Options.parse(new String[] { "--path=core", "--store=redis", "--keys=1000" });
		assertThat(keyed.keys()).isEqualTo(1000);
		assertThat(Options.parse(new String[] { "--path=core", "--store=postgres", "--keys=10" }).keys()).isEqualTo(10);
		assertThat(Options.parse(new String[] { "--path=core", "--store=postgres,redis", "--keys=10" }).keys())
			.isEqualTo(10);
		assertThatThrownBy(() -> Options.parse(new String[] { "--keys=1000" })).hasMessageContaining("--store=redis");
		assertThat(Options.parse(new String[] { "--store=redis", "--keys=1000" }).starterPath()).isTrue();
		assertThatThrownBy(() -> Options.parse(new String[] { "--path=core", "--store=h2", "--keys=10" }))
			.hasMessageContaining("--store=postgres");
		assertThatThrownBy(() -> Options.parse(new String[] { "--path=core", "--store=redis", "--keys=-1" }))
			.isInstanceOf(Options.UsageException.class);
	}

	@Test
	void medianAndNearestRankPercentile() {
		assertThat(Benchmark.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
		long[] sorted = new long[100];
		for (int i = 0; i < 100; i++) {
			sorted[i] = i + 1;
		}
		assertThat(Benchmark.percentile(sorted, 0.50)).isEqualTo(50);
		assertThat(Benchmark.percentile(sorted, 0.99)).isEqualTo(99);
	}

	@Test
	void metricsIsAStarterPathSwitch() {
		assertThat(Options.parse(new String[0]).metrics()).isEqualTo(Options.METRICS_NONE);
		assertThat(Options.parse(new String[] { "--metrics" }).metrics()).isEqualTo(Options.METRICS_ALL);
		assertThat(Options.parse(new String[] { "--metrics=boot" }).metrics()).isEqualTo(Options.METRICS_BOOT);
		assertThatThrownBy(() -> Options.parse(new String[] { "--metrics=some" }))
			.hasMessageContaining("Unknown --metrics value 'some'");
		assertThatThrownBy(() -> Options.parse(new String[] { "--path=core", "--metrics" }))
			.hasMessageContaining("drop --path=core");
	}

	@Test
	void twoMetricsModesOrABaselineClasspathMakeThePairedDrain() {
		Options pair = Options.parse(new String[] { "--metrics=none,all", "--workloads=drain", "--store=redis" });
		assertThat(pair.paired()).isTrue();
		assertThat(pair.compareMetrics()).containsExactly("none", "all");
		assertThat(pair.metrics()).isEqualTo(Options.METRICS_NONE);
		Options baseline = Options.parse(
				new String[] { "--baseline-classpath=/tmp/old/classes", "--workloads=drain", "--store=postgres" });
		assertThat(baseline.paired()).isTrue();
		assertThat(baseline.baselineClasspath()).isEqualTo("/tmp/old/classes");
		assertThat(Options.parse(new String[] { "--metrics=boot" }).paired()).isFalse();
		assertThatThrownBy(() -> Options.parse(new String[] { "--metrics=all,all", "--workloads=drain" }))
			.hasMessageContaining("two different ones");
		assertThatThrownBy(() -> Options.parse(new String[] { "--metrics=none,all" }))
			.hasMessageContaining("--workloads=drain --store=postgres");
		assertThatThrownBy(() -> Options.parse(new String[] { "--metrics=none,all", "--workloads=drain", "--store=h2" }))
			.hasMessageContaining("PostgreSQL or Redis");
		assertThatThrownBy(() -> Options.parse(new String[] { "--metrics=none,all", "--baseline-classpath=x",
				"--workloads=drain", "--store=redis" }))
			.hasMessageContaining("one at a time");
		Options bisect = Options.parse(new String[] { "--baseline-classpath=/tmp/a", "--candidate-classpath=/tmp/b",
				"--workloads=drain", "--store=redis" });
		assertThat(bisect.candidateClasspath()).isEqualTo("/tmp/b");
		assertThatThrownBy(() -> Options.parse(new String[] { "--candidate-classpath=/tmp/b", "--workloads=drain",
				"--store=redis" }))
			.hasMessageContaining("add --baseline-classpath");
	}

	@Test
	void appsChoosesTheStarterPathsApplicationsAndCompareAppsPairsThem() {
		assertThat(Options.parse(new String[0]).appMainClass()).isEqualTo(BenchApplication.class);
		Options core = Options.parse(new String[] { "--apps=core", "--store=postgres" });
		assertThat(core.appMainClass()).isEqualTo(CoreApplication.class);
		assertThat(core.paired()).isFalse();
		Options compare = Options.parse(new String[] { "--compare-apps", "--workloads=drain", "--store=redis" });
		assertThat(compare.paired()).isTrue();
		assertThat(compare.appMainClass()).isEqualTo(BenchApplication.class);
		assertThatThrownBy(() -> Options.parse(new String[] { "--apps=spring" })).hasMessageContaining("boot and core");
		assertThatThrownBy(() -> Options.parse(new String[] { "--apps=core", "--store=h2" }))
			.hasMessageContaining("PostgreSQL or Redis");
		assertThatThrownBy(() -> Options.parse(new String[] { "--apps=core", "--store=redis", "--path=core" }))
			.hasMessageContaining("without --path=core");
		assertThatThrownBy(() -> Options.parse(new String[] { "--compare-apps", "--workloads=drain", "--store=redis",
				"--baseline-classpath=/tmp/a" }))
			.hasMessageContaining("one at a time");
		assertThatThrownBy(() -> Options.parse(new String[] { "--compare-apps", "--store=redis" }))
			.hasMessageContaining("--workloads=drain");
	}

	@Test
	void machineCpuIsTheBusyTimeOfProcStat() {
		MachineCpu before = MachineCpu.parse("cpu  100 5 50 1000 7 3 2 11 0 0");
		MachineCpu after = MachineCpu.parse("cpu  300 5 100 1900 9 4 3 15 0 0");
		assertThat(after.busyMicrosSince(before)).isEqualTo((200 + 0 + 50 + 1 + 1) * 10_000L);
		assertThat(after.stealMicrosSince(before)).isEqualTo(4 * 10_000L);
		assertThatThrownBy(() -> MachineCpu.parse("cpu0 1 2 3 4 5 6 7 8")).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void drainInstancesAndTheInstrumentationCost() {
		assertThat(Options.parse(new String[0]).drainInstances()).containsExactly(1, 2);
		assertThat(Options.parse(new String[] { "--drain-instances=1" }).drainInstances()).containsExactly(1);
		assertThatThrownBy(() -> Options.parse(new String[] { "--drain-instances=0" }))
			.hasMessageContaining("--drain-instances");
		assertThat(Options.parse(new String[0]).instrumentation()).isFalse();
		assertThat(Options.parse(new String[] { "--instrumentation" }).instrumentation()).isTrue();
	}

}
