package dev.taskito.benchmark;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardSnapshots;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;

/**
 * The dashboard's page loads with many jobs in the store (100,000; 20,000 with
 * {@code --quick}): the reads behind the overview (the shared reading, taken afresh each time
 * here), behind the first page of dead jobs filtered by task, and behind one job's detail,
 * each timed on its own. The jobs are spread over three tasks in two queues, 70 % succeeded,
 * 10 % dead and 20 % pending, all created within the last minutes, so that the throughput
 * counts every finished one.
 */
final class DashboardLoad {

	private static final String NAMESPACE = "tbench_dashboard";

	private static final List<String> TASKS = List.of("report", "email", "charge");

	private static final List<String> QUEUES = List.of("default", "bulk");

	private static final Map<String, Integer> TASK_LIMITS = Map.of("report", 500, "email", 500, "charge", 500);

	private static final int BATCH = 1000;

	private DashboardLoad() {
	}

	static void run(Backend backend, Map<String, Object> figures, int jobs, int runs) {
		backend.clean(NAMESPACE);
		try (ClaimStore store = backend.newStore(NAMESPACE)) {
			store.start();
			long filling = System.nanoTime();
			fill(store, jobs);
			System.err.printf("[%s] dashboard: %,d jobs stored in %.1f s%n", backend.name(), jobs,
					(System.nanoTime() - filling) / 1e9);
			TaskRegistry registry = new TaskRegistry();
			for (String task : TASKS) {
				registry.register(TaskDefinition.of(task, Instance.handler(List.of(), (args) -> {
				}))
					.withMaxConcurrent(4));
			}
			DefaultTaskQueue queue = new DefaultTaskQueue(store, registry);
			List<Double> overview = new ArrayList<>();
			List<Double> jobsPage = new ArrayList<>();
			List<Double> jobDetail = new ArrayList<>();
			// One warm-up round, then the measured ones.
			for (int run = -1; run < runs; run++) {
				// Interval zero: no reading shared, each load reads the store as the first page does.
				DashboardSnapshots snapshots = new DashboardSnapshots(queue, store, null, Duration.ZERO,
						Clock.systemUTC());
				long start = System.nanoTime();
				snapshots.current();
				double overviewMs = (System.nanoTime() - start) / 1e6;
				start = System.nanoTime();
				List<JobView> dead = queue.jobs(JobQuery.all().status(JobStatus.DEAD).task("charge").limit(50));
				queue.jobs(JobQuery.all().status(JobStatus.DEAD).task("charge").limit(50)
					.after(dead.get(dead.size() - 1).id()));
				double pageMs = (System.nanoTime() - start) / 1e6;
				start = System.nanoTime();
				JobId id = dead.get(dead.size() / 2).id();
				queue.find(id);
				queue.argumentsOf(id);
				double detailMs = (System.nanoTime() - start) / 1e6;
				if (run >= 0) {
					overview.add(overviewMs);
					jobsPage.add(pageMs);
					jobDetail.add(detailMs);
				}
			}
			figures.put("dashboardJobs", jobs);
			Benchmark.report(backend.name(), figures, "dashboardOverviewMs", "dashboard overview, uncached", overview,
					"ms");
			Benchmark.report(backend.name(), figures, "dashboardJobsPageMs",
					"dashboard dead jobs of a task, two pages of 50", jobsPage, "ms");
			Benchmark.report(backend.name(), figures, "dashboardJobMs", "dashboard job detail", jobDetail, "ms");
		}
		finally {
			backend.clean(NAMESPACE);
		}
	}

	private static void fill(ClaimStore store, int jobs) {
		int made = 0;
		while (made < jobs) {
			List<NewJob> batch = new ArrayList<>(BATCH);
			for (int i = 0; i < BATCH && made < jobs; i++, made++) {
				String task = TASKS.get(made % TASKS.size());
				String queue = QUEUES.get((made / TASKS.size()) % QUEUES.size());
				batch.add(new NewJob(JobId.newId(), task, queue, "[\"customer-" + made + "\"]", 0, Duration.ZERO,
						null, null, 0, null));
			}
			store.enqueue(batch);
			// Of each batch, 70 % succeed and 10 % die (the last ones claimed); 20 % stay pending.
			int finish = batch.size() * 8 / 10;
			List<ClaimedJob> claimed = new ArrayList<>();
			while (claimed.size() < finish) {
				List<ClaimedJob> more = store.claim(new ClaimRequest("bench", Duration.ofMinutes(5),
						Math.min(500, finish - claimed.size()), Set.copyOf(QUEUES), TASK_LIMITS, Map.of()),
						UUID.randomUUID());
				if (more.isEmpty()) {
					break;
				}
				claimed.addAll(more);
			}
			List<Outcome> outcomes = new ArrayList<>(claimed.size());
			for (int i = 0; i < claimed.size(); i++) {
				ClaimedJob job = claimed.get(i);
				outcomes.add((i % 8 == 7) ? new Outcome.Failed(job.claim(), "IllegalStateException: declined", null)
						: new Outcome.Succeeded(job.claim(), "\"ok\""));
			}
			for (int from = 0; from < outcomes.size(); from += 500) {
				store.finish(outcomes.subList(from, Math.min(outcomes.size(), from + 500)), false);
			}
		}
	}

}
