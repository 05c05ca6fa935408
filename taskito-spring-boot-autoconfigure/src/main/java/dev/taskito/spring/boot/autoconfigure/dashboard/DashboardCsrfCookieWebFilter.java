package dev.taskito.spring.boot.autoconfigure.dashboard;

import reactor.core.publisher.Mono;

import org.springframework.security.web.server.csrf.CsrfToken;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Subscribes to the CSRF token on every dashboard exchange, so that its cookie is written on
 * the first GET: Spring Security's WebFlux CSRF filter leaves the token as a deferred
 * {@code Mono} that saves it only once subscribed, and the page's script reads it from the
 * cookie (no inline script may carry it, under the page's CSP).
 */
final class DashboardCsrfCookieWebFilter implements WebFilter {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		Mono<CsrfToken> token = exchange.getAttribute(CsrfToken.class.getName());
		return (token != null) ? token.then(Mono.defer(() -> chain.filter(exchange))) : chain.filter(exchange);
	}

}
