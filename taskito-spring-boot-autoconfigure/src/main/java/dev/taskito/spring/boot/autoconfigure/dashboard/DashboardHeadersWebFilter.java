package dev.taskito.spring.boot.autoconfigure.dashboard;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * The WebFlux twin of {@link DashboardHeadersFilter}: the same Content-Security-Policy (no
 * inline script or style), no framing, no sniffing and no referrer on every response under
 * the dashboard's path, and on no other. Ordered before Spring Security's filter, so that its
 * 401 and 403 carry the headers too.
 */
public final class DashboardHeadersWebFilter implements WebFilter, Ordered {

	private final String path;

	/**
	 * @param path the dashboard's normalized path, such as {@code /taskito}
	 */
	public DashboardHeadersWebFilter(String path) {
		this.path = path;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		String requested = exchange.getRequest().getPath().pathWithinApplication().value();
		if (requested.equals(this.path) || requested.startsWith(this.path + "/")) {
			HttpHeaders headers = exchange.getResponse().getHeaders();
			headers.set("Content-Security-Policy", DashboardHeadersFilter.CONTENT_SECURITY_POLICY);
			headers.set("X-Content-Type-Options", "nosniff");
			headers.set("X-Frame-Options", "DENY");
			headers.set("Referrer-Policy", "no-referrer");
		}
		return chain.filter(exchange);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE + 10;
	}

}
