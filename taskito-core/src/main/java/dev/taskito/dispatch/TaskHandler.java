package dev.taskito.dispatch;

import java.lang.reflect.Type;
import java.util.List;

import dev.taskito.JobContext;

/**
 * Runs a task's jobs. {@link MethodTaskHandler} adapts a {@code @Task} method; a plain
 * program may implement this directly.
 */
public interface TaskHandler {

	/**
	 * The parameters the job's JSON arguments bind to, in order ({@link JobContext}
	 * excluded).
	 * @return the parameters
	 */
	List<Parameter> parameters();

	/**
	 * Runs one attempt.
	 * @param args the arguments, already bound to {@link #parameters()}
	 * @param context the job's context
	 * @return the result, stored as JSON, or {@code null}
	 * @throws Exception any failure, which counts against the job's retries
	 */
	Object handle(Object[] args, JobContext context) throws Exception;

	/**
	 * One bindable parameter.
	 *
	 * @param name its name (from {@code -parameters}, else {@code argN})
	 * @param type its generic type
	 */
	record Parameter(String name, Type type) {
	}

}
