package dev.taskito.spring.boot.autoconfigure;

import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.store.ClaimStore;

/**
 * Starts Taskito once the application context is refreshed and stops it in the graceful
 * shutdown phase. At start, the {@code taskito.queues.<name>.paused} settings are applied
 * through the store (so they reach every instance), then the dispatcher, if this instance
 * has one, starts claiming jobs. At stop the dispatcher stops claiming, waits for running
 * jobs up to {@code taskito.shutdown.timeout} and releases what did not finish.
 */
public class TaskitoLifecycle implements SmartLifecycle {

	/**
	 * The phase: the same as Spring Boot's graceful web server shutdown, so that running
	 * jobs drain while in-flight requests do, and after every ordinary bean has started.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

	private static final Log logger = LogFactory.getLog(TaskitoLifecycle.class);

	private final ClaimStore store;

	private final TaskDispatcher dispatcher;

	private final Map<String, Boolean> pausedQueues;

	private volatile boolean running;

	/**
	 * @param store the store
	 * @param dispatcher the dispatcher, or {@code null} on a producer-only instance
	 * @param pausedQueues queues to pause ({@code true}) or resume ({@code false}) at start
	 */
	public TaskitoLifecycle(ClaimStore store, TaskDispatcher dispatcher, Map<String, Boolean> pausedQueues) {
		this.store = store;
		this.dispatcher = dispatcher;
		this.pausedQueues = Map.copyOf(pausedQueues);
	}

	@Override
	public void start() {
		this.pausedQueues.forEach((queue, paused) -> {
			this.store.setQueuePaused(queue, paused);
			logger.info("Taskito queue '" + queue + "' " + (paused ? "paused" : "resumed")
					+ " by taskito.queues." + queue + ".paused");
		});
		if (this.dispatcher != null) {
			this.dispatcher.start();
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
