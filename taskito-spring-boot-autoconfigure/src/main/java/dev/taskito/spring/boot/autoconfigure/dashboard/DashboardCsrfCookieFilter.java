package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Loads the CSRF token on every dashboard request, so that its cookie is written on the
 * first GET: Spring Security defers the token until something reads it, and the page's
 * script reads it from the cookie (no inline script may carry it, under the page's CSP).
 */
final class DashboardCsrfCookieFilter extends OncePerRequestFilter {

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Object token = request.getAttribute(CsrfToken.class.getName());
		if (token instanceof CsrfToken csrfToken) {
			csrfToken.getToken();
		}
		chain.doFilter(request, response);
	}

}
