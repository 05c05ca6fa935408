package dev.taskito.spring.boot.autoconfigure.actuate;

/**
 * A {@code taskito} endpoint operation that cannot be done as asked; its message names what
 * is at fault and what to do instead. Over HTTP, {@link TaskitoEndpointWebExtension}
 * answers it with {@link #kind()}'s status and the message, never a stack trace.
 */
public class TaskitoEndpointException extends RuntimeException {

	private final Kind kind;

	/**
	 * @param kind what went wrong
	 * @param message what is at fault and the fix
	 */
	public TaskitoEndpointException(Kind kind, String message) {
		super(message);
		this.kind = kind;
	}

	/**
	 * @return what went wrong
	 */
	public Kind kind() {
		return this.kind;
	}

	/**
	 * What went wrong, each with its HTTP status.
	 */
	public enum Kind {

		/** The request names no job, section or operation that exists: 404. */
		NOT_FOUND(404),

		/** The request cannot be read (a malformed id or limit): 400. */
		INVALID(400),

		/** The job is not in the state the operation needs: 409. */
		CONFLICT(409);

		private final int status;

		Kind(int status) {
			this.status = status;
		}

		/**
		 * @return the HTTP status
		 */
		public int status() {
			return this.status;
		}

	}

}
