package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.io.IOException;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Sets the dashboard's security headers on every response under its path, before anything
 * else answers (Spring Security's 401 and 403 included): a Content-Security-Policy that
 * allows scripts, styles and requests from the application itself only, and no inline
 * script or style, so that a job's arguments or error, should they ever reach the page as
 * markup, cannot run; no framing; no content sniffing; no referrer.
 */
public final class DashboardHeadersFilter implements Filter {

	/** The policy every dashboard response carries. */
	public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; "
			+ "style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
			+ "frame-ancestors 'none'";

	@Override
	public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
			throws IOException, ServletException {
		if (response instanceof HttpServletResponse http) {
			http.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
			http.setHeader("X-Content-Type-Options", "nosniff");
			http.setHeader("X-Frame-Options", "DENY");
			http.setHeader("Referrer-Policy", "no-referrer");
		}
		chain.doFilter(request, response);
	}

}
