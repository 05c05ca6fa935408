package dev.taskito.spring.boot.autoconfigure.actuate;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * The {@code taskito} endpoint over HTTP: each operation that can be refused answers with
 * a status that says why (404 for an unknown job, section or operation, 400 for a
 * malformed id or limit, 409 for a job in the wrong status) and a body
 * {@code {"message": "..."}} naming what is at fault, where Boot would otherwise answer
 * 500 without the reason.
 */
@EndpointWebExtension(endpoint = TaskitoEndpoint.class)
public class TaskitoEndpointWebExtension {

	private final TaskitoEndpoint delegate;

	/**
	 * @param delegate the endpoint
	 */
	public TaskitoEndpointWebExtension(TaskitoEndpoint delegate) {
		this.delegate = delegate;
	}

	/**
	 * As {@link TaskitoEndpoint#section}.
	 * @param section {@code dead}
	 * @param after the id the page starts after, or {@code null}
	 * @param limit the page size, or {@code null}
	 * @param task a task to keep, or {@code null}
	 * @param queue a queue to keep, or {@code null}
	 * @return the page, or the refusal
	 */
	@ReadOperation
	public WebEndpointResponse<Object> section(@Selector String section, @Nullable String after,
			@Nullable Integer limit, @Nullable String task, @Nullable String queue) {
		return respond(() -> this.delegate.section(section, after, limit, task, queue));
	}

	/**
	 * As {@link TaskitoEndpoint#job}.
	 * @param kind {@code jobs}
	 * @param id the job's id
	 * @return the job, or the refusal
	 */
	@ReadOperation
	public WebEndpointResponse<Object> job(@Selector String kind, @Selector String id) {
		return respond(() -> this.delegate.job(kind, id));
	}

	/**
	 * As {@link TaskitoEndpoint#act}.
	 * @param kind {@code queues} or {@code jobs}
	 * @param name the queue or job id
	 * @param action {@code pause}, {@code resume}, {@code retry} or {@code cancel}
	 * @return the result, or the refusal
	 */
	@WriteOperation
	public WebEndpointResponse<Object> act(@Selector String kind, @Selector String name, @Selector String action) {
		return respond(() -> this.delegate.act(kind, name, action));
	}

	private static WebEndpointResponse<Object> respond(Supplier<Object> operation) {
		try {
			return new WebEndpointResponse<>(operation.get(), WebEndpointResponse.STATUS_OK);
		}
		catch (TaskitoEndpointException ex) {
			return new WebEndpointResponse<>(new Refusal(ex.getMessage()), ex.kind().status());
		}
	}

	/**
	 * Why an operation was refused.
	 *
	 * @param message what is at fault and the fix
	 */
	public record Refusal(String message) {

	}

}
