package dev.taskito.spring.boot.autoconfigure;

import java.time.Duration;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.autoconfigure.context.LifecycleProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;

import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.store.ClaimStore;

/**
 * Starts Taskito once the application context is refreshed and stops it in Spring Boot's
 * graceful shutdown phase. At start, the {@code taskito.queues.<name>.paused} settings are
 * applied through the store (so they reach every instance), each only when it differs from
 * the value configured last (by any instance), so that a pause or resume made at runtime
 * survives instances restarting with the setting it overrode; then the dispatcher, if this
 * instance has one, starts claiming jobs, unless {@code taskito.dispatcher.auto-startup=false}
 * leaves it built but idle (for tests that run due jobs on their own thread, see
 * {@link TaskDispatcher#runDueJobsOnCallingThread()}). At stop the dispatcher stops claiming at once,
 * then within {@code taskito.shutdown.timeout} waits for running jobs, interrupts the rest
 * and gives back their claims; the timeout defaults to Boot's
 * {@code spring.lifecycle.timeout-per-shutdown-phase} minus a margin, so the whole stop
 * ends inside the phase.
 */
public class TaskitoLifecycle implements SmartLifecycle {

	/**
	 * The phase: Spring Boot 4's graceful shutdown phase,
	 * {@code WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE}
	 * ({@code SmartLifecycle.DEFAULT_PHASE - 1024}, the phase of
	 * {@code WebServerGracefulShutdownLifecycle}). Lifecycles stop from the highest phase
	 * down, so the dispatcher stops claiming when graceful shutdown begins and drains its
	 * jobs while the web server drains its requests, before the web server stops
	 * ({@code START_STOP_LIFECYCLE_PHASE}, {@code DEFAULT_PHASE - 2048}) and before the
	 * store's connections go away. It starts after the web server does.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024;

	/** The most of Boot's shutdown phase left over for what follows the dispatcher's stop. */
	static final Duration SHUTDOWN_MARGIN = Duration.ofSeconds(3);

	private static final String PHASE_PROPERTY = "spring.lifecycle.timeout-per-shutdown-phase";

	private static final Log logger = LogFactory.getLog(TaskitoLifecycle.class);

	private final ClaimStore store;

	private final TaskDispatcher dispatcher;

	private final Map<String, Boolean> pausedQueues;

	private final boolean startDispatcher;

	private volatile boolean running;

	/**
	 * @param store the store
	 * @param dispatcher the dispatcher, or {@code null} on a producer-only instance
	 * @param pausedQueues queues to pause ({@code true}) or resume ({@code false}) at start
	 */
	public TaskitoLifecycle(ClaimStore store, TaskDispatcher dispatcher, Map<String, Boolean> pausedQueues) {
		this(store, dispatcher, pausedQueues, true);
	}

	/**
	 * @param store the store
	 * @param dispatcher the dispatcher, or {@code null} on a producer-only instance
	 * @param pausedQueues queues to pause ({@code true}) or resume ({@code false}) at start
	 * @param startDispatcher whether to start the dispatcher ({@code taskito.dispatcher.auto-startup});
	 * it is closed at stop either way
	 */
	public TaskitoLifecycle(ClaimStore store, TaskDispatcher dispatcher, Map<String, Boolean> pausedQueues,
			boolean startDispatcher) {
		this.store = store;
		this.dispatcher = dispatcher;
		this.pausedQueues = Map.copyOf(pausedQueues);
		this.startDispatcher = startDispatcher;
	}

	/**
	 * The dispatcher's shutdown timeout: {@code taskito.shutdown.timeout}, else Boot's
	 * shutdown phase ({@code spring.lifecycle.timeout-per-shutdown-phase}) minus a tenth of
	 * it, at most {@link #SHUTDOWN_MARGIN}. Warns when a configured timeout does not fit in
	 * the phase: Boot would then move on while jobs are still being given back, and they
	 * would lose an attempt.
	 * @param configured {@code taskito.shutdown.timeout}, or {@code null}
	 * @param environment the environment
	 * @return the timeout
	 */
	static Duration shutdownTimeout(Duration configured, Environment environment) {
		Duration phase = Binder.get(environment)
			.bind(PHASE_PROPERTY, Duration.class)
			.orElseGet(() -> new LifecycleProperties().getTimeoutPerShutdownPhase());
		Duration margin = phase.dividedBy(10);
		Duration fits = phase.minus((margin.compareTo(SHUTDOWN_MARGIN) < 0) ? margin : SHUTDOWN_MARGIN);
		if (configured == null) {
			return fits;
		}
		if (configured.compareTo(fits) > 0) {
			logger.warn("taskito.shutdown.timeout (" + configured + ") does not fit in " + PHASE_PROPERTY + " ("
					+ phase + "): Spring Boot may move on while Taskito still gives back running jobs, and those"
					+ " lose an attempt. Set taskito.shutdown.timeout to at most " + fits
					+ " (or leave it unset to follow the phase), or lengthen " + PHASE_PROPERTY);
		}
		return configured;
	}

	@Override
	public void start() {
		this.pausedQueues.forEach((queue, paused) -> {
			if (this.store.applyConfiguredPause(queue, paused)) {
				logger.info("Taskito queue '" + queue + "' " + (paused ? "paused" : "resumed")
						+ " by taskito.queues." + queue + ".paused=" + paused);
			}
			else {
				logger.info("Taskito queue '" + queue + "': taskito.queues." + queue + ".paused=" + paused
						+ " is the value configured last, so the queue keeps the pause state set at runtime");
			}
		});
		if (this.dispatcher != null && this.startDispatcher) {
			this.dispatcher.start();
		}
		else if (this.dispatcher != null) {
			logger.info("Taskito dispatcher not started (taskito.dispatcher.auto-startup=false): jobs run only when "
					+ "something calls TaskDispatcher.runDueJobsOnCallingThread() or starts it");
		}
		else {
			logger.info("Taskito dispatcher disabled (taskito.dispatcher.enabled=false): this instance only enqueues");
		}
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		if (this.dispatcher != null) {
			this.dispatcher.close();
		}
	}

	@Override
	public void stop(Runnable callback) {
		if (this.dispatcher == null) {
			this.running = false;
			callback.run();
			return;
		}
		// Drain on a thread of our own so that the other lifecycles of this phase (the web
		// server's graceful shutdown, say) drain at the same time rather than after us.
		Thread stopper = new Thread(() -> {
			try {
				stop();
			}
			finally {
				callback.run();
			}
		}, "taskito-shutdown");
		stopper.start();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
