package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.net.URI;
import java.security.Principal;

import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardApi.Answer;

/**
 * The dashboard's page and JSON API as Spring MVC functional handlers (no controller for
 * component scanning to find), each a thin adapter of {@link DashboardApi}. A GET never
 * changes state: every write is a POST.
 */
public final class DashboardHandlers {

	static final String ASSETS = "META-INF/taskito-dashboard/";

	static final Resource INDEX = new ClassPathResource(ASSETS + "index.html");

	private final DashboardApi api;

	/**
	 * @param api what each call does
	 */
	public DashboardHandlers(DashboardApi api) {
		this.api = api;
	}

	ServerResponse redirectToPage(ServerRequest request) {
		// The page links its scripts and API relative to itself: it must be served with a slash.
		return ServerResponse.status(HttpStatus.FOUND).location(URI.create(request.path() + "/")).build();
	}

	ServerResponse page(ServerRequest request) {
		return ServerResponse.ok().contentType(MediaType.TEXT_HTML).cacheControl(CacheControl.noStore()).body(INDEX);
	}

	ServerResponse session(ServerRequest request) {
		return send(this.api.session(request.principal().map(Principal::getName).orElse(null)));
	}

	ServerResponse overview(ServerRequest request) {
		return send(this.api.overview());
	}

	ServerResponse jobs(ServerRequest request) {
		return send(this.api.jobs(request::param));
	}

	ServerResponse job(ServerRequest request) {
		return send(this.api.job(request.pathVariable("id")));
	}

	ServerResponse retry(ServerRequest request) {
		return send(this.api.retry(request.pathVariable("id")));
	}

	ServerResponse cancel(ServerRequest request) {
		return send(this.api.cancel(request.pathVariable("id")));
	}

	ServerResponse retryAll(ServerRequest request) {
		return send(this.api.retryAll(request::param));
	}

	ServerResponse pauseQueue(ServerRequest request) {
		return send(this.api.pause(request.pathVariable("queue"), true));
	}

	ServerResponse resumeQueue(ServerRequest request) {
		return send(this.api.pause(request.pathVariable("queue"), false));
	}

	ServerResponse pauseSchedule(ServerRequest request) {
		return send(this.api.pauseSchedule(request.pathVariable("task"), true));
	}

	ServerResponse resumeSchedule(ServerRequest request) {
		return send(this.api.pauseSchedule(request.pathVariable("task"), false));
	}

	ServerResponse failed(Throwable ex, ServerRequest request) {
		Answer answer = DashboardApi.failed(ex).orElseThrow(() -> (ex instanceof RuntimeException runtime) ? runtime
				: new IllegalStateException(ex));
		return send(answer);
	}

	private static ServerResponse send(Answer answer) {
		return ServerResponse.status(answer.status()).contentType(MediaType.APPLICATION_JSON)
			.cacheControl(CacheControl.noStore()).body(answer.body());
	}

}
