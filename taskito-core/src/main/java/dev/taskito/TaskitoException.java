package dev.taskito;

/**
 * The root of Taskito's own exceptions. Every message names the task, queue, property or
 * parameter at fault and what would fix it.
 */
public class TaskitoException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what went wrong and how to fix it
	 */
	public TaskitoException(String message) {
		super(message);
	}

	/**
	 * @param message what went wrong and how to fix it
	 * @param cause the underlying failure
	 */
	public TaskitoException(String message, Throwable cause) {
		super(message, cause);
	}

}
