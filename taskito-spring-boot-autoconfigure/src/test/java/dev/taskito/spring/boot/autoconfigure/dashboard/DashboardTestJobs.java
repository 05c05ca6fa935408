package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.taskito.JobId;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jobs the dashboard's handler tests (Spring MVC and WebFlux) put straight into the store:
 * pending ones, and dead ones claimed and failed as a dispatcher would.
 */
final class DashboardTestJobs {

	private final ClaimStore store;

	DashboardTestJobs(ClaimStore store) {
		this.store = store;
	}

	JobId enqueue(String task, String queue, String payload) {
		JobId id = JobId.newId();
		this.store.enqueue(List.of(new NewJob(id, task, queue, payload, 0, Duration.ZERO, null, null, 0, null)));
		return id;
	}

	JobId dead(String task, String payload, String error) {
		// A queue of their own, so that the claim takes this job and no pending one.
		JobId id = enqueue(task, "failing", payload);
		List<ClaimedJob> claimed = this.store.claim(new ClaimRequest("test", Duration.ofMinutes(1), 1,
				Set.of("failing"), Map.of(task, 1), Map.of()), UUID.randomUUID());
		assertThat(claimed).hasSize(1);
		this.store.finish(List.of(new Outcome.Failed(claimed.get(0).claim(), error, null)), false);
		return id;
	}

}
