package dev.taskito.spring.boot.autoconfigure.actuate;

import java.util.Objects;
import java.util.function.Supplier;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import dev.taskito.dispatch.DispatcherStatus;
import dev.taskito.dispatch.TaskDispatcher;

/**
 * The {@code taskito} health component: how this instance's dispatcher is doing, read from
 * its last heartbeat ({@link TaskDispatcher#status()}), so a health request never calls the
 * store and a slow store never makes the health endpoint slow.
 * <ul>
 * <li>{@code UP} while this instance's heartbeats are current, so its leases are renewed;</li>
 * <li>{@code DOWN} with a {@code reason} when the dispatcher is stopped, when the store is
 * failing, or when heartbeats have not been acknowledged for longer than the leases allow
 * (another instance may then take this instance's jobs back);</li>
 * <li>{@code UNKNOWN} between the dispatcher's start and its first heartbeat.</li>
 * </ul>
 * The details always name the {@code instanceId} and, once there was one, the
 * {@code lastHeartbeat} (this JVM's clock).
 */
public class TaskitoHealthIndicator implements HealthIndicator {

	private final String instanceId;

	private final Supplier<DispatcherStatus> status;

	/**
	 * Reports on a dispatcher.
	 * @param dispatcher this instance's dispatcher
	 */
	public TaskitoHealthIndicator(TaskDispatcher dispatcher) {
		this(dispatcher.instanceId(), dispatcher::status);
	}

	TaskitoHealthIndicator(String instanceId, Supplier<DispatcherStatus> status) {
		this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
		this.status = Objects.requireNonNull(status, "status");
	}

	@Override
	public Health health() {
		DispatcherStatus status = this.status.get();
		Health.Builder health = assess(status).withDetail("instanceId", this.instanceId);
		if (status.lastHeartbeatAt() != null) {
			health.withDetail("lastHeartbeat", status.lastHeartbeatAt());
		}
		if (status.storeProblem() != null) {
			health.withDetail("storeProblem", status.storeProblem());
		}
		return health.build();
	}

	private static Health.Builder assess(DispatcherStatus status) {
		if (!status.running()) {
			return Health.down()
				.withDetail("reason", "dispatcher stopped: this instance claims no jobs and renews no leases "
						+ "(it was closed, or never started because taskito.dispatcher.auto-startup=false)");
		}
		if (status.heartbeatsCurrent()) {
			// A failed call between two acknowledged heartbeats is a blip the leases absorb:
			// the instance is still UP, and storeProblem (if any) says what failed.
			return Health.up();
		}
		if (status.storeProblem() != null) {
			return Health.down()
				.withDetail("reason", "store unreachable: heartbeats fail, so this instance's leases are not "
						+ "renewed and its running jobs will be interrupted and taken back by another instance");
		}
		if (status.lastHeartbeatAt() == null) {
			return Health.unknown().withDetail("reason", "dispatcher started, waiting for its first heartbeat");
		}
		return Health.down()
			.withDetail("reason", "leases not renewed: no heartbeat acknowledged by the store within the lease "
					+ "duration minus the heartbeat interval (taskito.lease.*); check the store's latency and "
					+ "this instance's CPU and pauses");
	}

}
