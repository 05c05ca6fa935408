package dev.taskito.dispatch;

import java.util.List;

import dev.taskito.JobContext;

/**
 * Task handlers for tests, without a bean class per test.
 */
public final class Handlers {

	private Handlers() {
	}

	/** A handler body that may throw. */
	@FunctionalInterface
	public interface Body {

		/**
		 * @param args the bound arguments
		 * @param context the job
		 * @return the result
		 * @throws Exception to fail the attempt
		 */
		Object run(Object[] args, JobContext context) throws Exception;

	}

	/**
	 * @param body what the handler does
	 * @return a handler that takes no arguments
	 */
	public static TaskHandler noArgs(Body body) {
		return of(List.of(), body);
	}

	/**
	 * @param body what the handler does
	 * @return a handler that takes one int argument named {@code n}
	 */
	public static TaskHandler intArg(Body body) {
		return of(List.of(new TaskHandler.Parameter("n", int.class)), body);
	}

	/**
	 * @param parameters the parameters
	 * @param body what the handler does
	 * @return the handler
	 */
	public static TaskHandler of(List<TaskHandler.Parameter> parameters, Body body) {
		return new TaskHandler() {

			@Override
			public List<Parameter> parameters() {
				return parameters;
			}

			@Override
			public Object handle(Object[] args, JobContext context) throws Exception {
				return body.run(args, context);
			}

			@Override
			public String toString() {
				return "test handler";
			}

		};
	}

}
