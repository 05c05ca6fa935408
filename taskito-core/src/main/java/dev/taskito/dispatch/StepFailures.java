package dev.taskito.dispatch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the dispatcher's internal threads survive a failure of one of their steps: the
 * failure, whatever its type, is logged once with the instance and the step (again at
 * debug level while the same failure repeats) and the thread goes on. Store outages are
 * {@link StoreOutage}'s; this is for everything else (a bug, an {@code Error}, a store that
 * rejects a statement).
 */
final class StepFailures {

	private static final Logger logger = LoggerFactory.getLogger(StepFailures.class);

	private final String instanceId;

	/** The failure last logged per step, so that one that repeats is logged once. */
	private final Map<String, String> lastLogged = new ConcurrentHashMap<>();

	StepFailures(String instanceId) {
		this.instanceId = instanceId;
	}

	/**
	 * Runs a step of a scheduled task: a scheduled executor stops running a task for good
	 * once it throws, so nothing may escape.
	 */
	Runnable guarded(String step, Runnable body) {
		return () -> {
			try {
				body.run();
				succeeded(step);
			}
			catch (Throwable ex) {
				failed(step, ex);
			}
		};
	}

	void failed(String step, Throwable ex) {
		String signature = ex.getClass().getName() + ": " + ex.getMessage();
		if (signature.equals(this.lastLogged.put(step, signature))) {
			logger.debug("Taskito instance {}: {} failed again: {}", this.instanceId, step, signature);
		}
		else {
			logger.error("Taskito instance {}: {} failed; carrying on", this.instanceId, step, ex);
		}
	}

	void succeeded(String step) {
		this.lastLogged.remove(step);
	}

}
