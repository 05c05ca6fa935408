package dev.taskito.benchmark;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard workload runs end to end on a small in-memory H2 store and records its
 * figures; what they are is for the benchmark to say, never asserted here.
 */
class DashboardLoadTest {

	@Test
	void fillsTheStoreAndRecordsEachPageLoad() throws Exception {
		Options options = Options.parse(new String[] { "--path=core", "--store=h2", "--workloads=dashboard",
				"--h2-url=jdbc:h2:mem:dashboard-load;DB_CLOSE_DELAY=-1" });
		Map<String, Object> figures = new LinkedHashMap<>();
		try (Backend backend = Backend.create("h2", options)) {
			DashboardLoad.run(backend, figures, 2_000, 1);
		}
		assertThat(figures).containsEntry("dashboardJobs", 2_000)
			.containsKeys("dashboardOverviewMs", "dashboardJobsPageMs", "dashboardJobMs");
		assertThat(Options.parse(new String[0]).workloads()).contains("dashboard");
		assertThat(Options.parse(new String[0]).sizes().dashboardJobs()).isEqualTo(100_000);
	}

}
