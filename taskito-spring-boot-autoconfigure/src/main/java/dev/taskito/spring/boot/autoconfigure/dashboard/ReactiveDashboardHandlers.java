package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.net.URI;
import java.util.Optional;
import java.util.concurrent.Callable;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.taskito.spring.boot.autoconfigure.dashboard.DashboardApi.Answer;

/**
 * The dashboard's page and JSON API as WebFlux functional handlers, each a thin adapter of
 * {@link DashboardApi}, the same calls as {@link DashboardHandlers} answers on Spring MVC. Every
 * call of the API blocks on the store, so it runs on Reactor's bounded elastic scheduler, never
 * on the server's event loop. A GET never changes state: every write is a POST.
 */
public final class ReactiveDashboardHandlers {

	private final DashboardApi api;

	/**
	 * @param api what each call does
	 */
	public ReactiveDashboardHandlers(DashboardApi api) {
		this.api = api;
	}

	Mono<ServerResponse> redirectToPage(ServerRequest request) {
		// The page links its scripts and API relative to itself: it must be served with a slash.
		return ServerResponse.status(HttpStatus.FOUND)
			.location(URI.create(request.requestPath().value() + "/"))
			.build();
	}

	Mono<ServerResponse> page(ServerRequest request) {
		return ServerResponse.ok()
			.contentType(MediaType.TEXT_HTML)
			.cacheControl(CacheControl.noStore())
			.bodyValue(DashboardHandlers.INDEX);
	}

	Mono<ServerResponse> session(ServerRequest request) {
		return request.principal()
			.map((principal) -> Optional.of(principal.getName()))
			.defaultIfEmpty(Optional.empty())
			.flatMap((user) -> send(() -> this.api.session(user.orElse(null))));
	}

	Mono<ServerResponse> overview(ServerRequest request) {
		return send(this.api::overview);
	}

	Mono<ServerResponse> jobs(ServerRequest request) {
		return send(() -> this.api.jobs(request::queryParam));
	}

	Mono<ServerResponse> job(ServerRequest request) {
		return send(() -> this.api.job(request.pathVariable("id")));
	}

	Mono<ServerResponse> retry(ServerRequest request) {
		return send(() -> this.api.retry(request.pathVariable("id")));
	}

	Mono<ServerResponse> cancel(ServerRequest request) {
		return send(() -> this.api.cancel(request.pathVariable("id")));
	}

	Mono<ServerResponse> retryAll(ServerRequest request) {
		return send(() -> this.api.retryAll(request::queryParam));
	}

	Mono<ServerResponse> pauseQueue(ServerRequest request) {
		return send(() -> this.api.pause(request.pathVariable("queue"), true));
	}

	Mono<ServerResponse> resumeQueue(ServerRequest request) {
		return send(() -> this.api.pause(request.pathVariable("queue"), false));
	}

	private static Mono<ServerResponse> send(Callable<Answer> call) {
		return Mono.fromCallable(call)
			.subscribeOn(Schedulers.boundedElastic())
			// A malformed id or filter (400) or a job in the wrong status (409) is the caller's;
			// anything else stays an error of the server.
			.onErrorResume((ex) -> DashboardApi.failed(ex).isPresent(),
					(ex) -> Mono.just(DashboardApi.failed(ex).orElseThrow()))
			.flatMap((answer) -> ServerResponse.status(answer.status())
				.contentType(MediaType.APPLICATION_JSON)
				.cacheControl(CacheControl.noStore())
				.bodyValue(answer.body()));
	}

}
