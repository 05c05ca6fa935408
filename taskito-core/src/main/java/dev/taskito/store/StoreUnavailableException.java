package dev.taskito.store;

import dev.taskito.TaskitoException;

/**
 * The store could not be reached or did not answer; whether the operation took effect is
 * unknown unless the method says otherwise. The dispatcher backs off and retries.
 */
public class StoreUnavailableException extends TaskitoException {

	private static final long serialVersionUID = 1L;

	/**
	 * @param message what was being done
	 * @param cause the driver's failure
	 */
	public StoreUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
