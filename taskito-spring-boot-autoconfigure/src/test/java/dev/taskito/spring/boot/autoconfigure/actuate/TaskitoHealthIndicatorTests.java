package dev.taskito.spring.boot.autoconfigure.actuate;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.taskito.dispatch.DispatcherStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each status a dispatcher can report, and the health it makes: UP only while heartbeats
 * are current, DOWN with the reason otherwise.
 */
class TaskitoHealthIndicatorTests {

	private static final Instant BEAT = Instant.parse("2026-01-02T03:04:05Z");

	@Test
	void upWhileHeartbeatsAreCurrent() {
		Health health = health(new DispatcherStatus(true, BEAT, true, null));
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("instanceId", "node-1")
			.containsEntry("lastHeartbeat", BEAT)
			.doesNotContainKeys("reason", "storeProblem");
	}

	@Test
	void upWithTheStoreProblemWhenOneCallFailedButLeasesAreStillRenewed() {
		Health health = health(new DispatcherStatus(true, BEAT, true, "connection reset"));
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("storeProblem", "connection reset");
	}

	@Test
	void downWhenTheDispatcherIsStopped() {
		Health health = health(new DispatcherStatus(false, BEAT, false, null));
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat((String) health.getDetails().get("reason")).startsWith("dispatcher stopped");
		assertThat(health.getDetails()).containsEntry("lastHeartbeat", BEAT);
	}

	@Test
	void downWhenTheStoreIsUnreachable() {
		Health health = health(new DispatcherStatus(true, BEAT, false, "Connection refused: 127.0.0.1:5432"));
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat((String) health.getDetails().get("reason")).startsWith("store unreachable");
		assertThat(health.getDetails()).containsEntry("storeProblem", "Connection refused: 127.0.0.1:5432");
	}

	@Test
	void downWhenLeasesAreNotRenewedWithoutAStoreError() {
		Health health = health(new DispatcherStatus(true, BEAT, false, null));
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat((String) health.getDetails().get("reason")).startsWith("leases not renewed")
			.contains("taskito.lease.");
	}

	@Test
	void downWhenTheStoreFailsBeforeTheFirstHeartbeat() {
		Health health = health(new DispatcherStatus(true, null, false, "Connection refused"));
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).doesNotContainKey("lastHeartbeat");
	}

	@Test
	void unknownBeforeTheFirstHeartbeat() {
		Health health = health(new DispatcherStatus(true, null, false, null));
		assertThat(health.getStatus()).isEqualTo(Status.UNKNOWN);
		assertThat(health.getDetails()).containsEntry("instanceId", "node-1").doesNotContainKey("lastHeartbeat");
	}

	private static Health health(DispatcherStatus status) {
		return new TaskitoHealthIndicator("node-1", () -> status).health();
	}

}
