package dev.taskito.dispatch;

import java.time.Instant;

/**
 * How a dispatcher is doing, read from what it already knows (no store call): for a
 * health check.
 *
 * @param running whether it was started and is not closed
 * @param lastHeartbeatAt when this instance last had a heartbeat acknowledged by the store,
 *        on this JVM's clock, or {@code null} before the first
 * @param heartbeatsCurrent whether that was recent enough that this instance's leases are
 *        still renewed (within the lease duration minus the heartbeat interval)
 * @param storeProblem why the store is failing right now (the last error of an outage), or
 *        {@code null} when the last call succeeded
 */
public record DispatcherStatus(boolean running, Instant lastHeartbeatAt, boolean heartbeatsCurrent,
		String storeProblem) {

}
