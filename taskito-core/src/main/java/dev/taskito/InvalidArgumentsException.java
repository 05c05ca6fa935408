package dev.taskito;

/**
 * Thrown at enqueue when the arguments do not fit the task handler's parameters; the
 * message names the task and the parameter.
 */
public class InvalidArgumentsException extends TaskitoException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message names the task and parameter
	 * @param cause the binding failure, or {@code null}
	 */
	public InvalidArgumentsException(String message, Throwable cause) {
		super(message, cause);
	}

}
