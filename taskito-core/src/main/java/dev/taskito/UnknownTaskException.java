package dev.taskito;

import java.util.Collection;
import java.util.TreeSet;

/**
 * Thrown when a job is enqueued for a task that no handler is registered for.
 */
public class UnknownTaskException extends TaskitoException {

	private static final long serialVersionUID = 1L;

	private final String taskName;

	/**
	 * @param taskName the unknown name
	 * @param knownTasks the names that are registered
	 */
	public UnknownTaskException(String taskName, Collection<String> knownTasks) {
		super("No task named '" + taskName + "' is registered; known tasks: " + new TreeSet<>(knownTasks)
				+ ". Annotate a bean method with @Task(name = \"" + taskName + "\") or fix the name.");
		this.taskName = taskName;
	}

	/** @return the unknown task name */
	public String getTaskName() {
		return this.taskName;
	}

}
