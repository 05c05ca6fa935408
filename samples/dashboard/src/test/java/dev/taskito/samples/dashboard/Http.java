package dev.taskito.samples.dashboard;

import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A plain HTTP client for what the browser cannot show: a request without the role, a POST
 * without the CSRF token. It keeps cookies, so a GET fetches the token a POST then sends.
 */
final class Http {

	private final CookieManager cookies = new CookieManager();

	private final HttpClient client = HttpClient.newBuilder().cookieHandler(this.cookies).build();

	private final String base;

	private final String authorization;

	Http(int port, String user, String password) {
		this.base = "http://localhost:" + port;
		this.authorization = (user != null) ? "Basic " + Base64.getEncoder()
			.encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)) : null;
	}

	HttpResponse<String> get(String path) throws Exception {
		return this.client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	HttpResponse<String> post(String path, boolean withCsrf) throws Exception {
		HttpRequest.Builder request = request(path).POST(HttpRequest.BodyPublishers.noBody());
		if (withCsrf) {
			String token = this.cookies.getCookieStore().getCookies().stream()
				.filter((cookie) -> cookie.getName().equals("TASKITO-XSRF-TOKEN"))
				.map(HttpCookie::getValue)
				.findFirst()
				.orElseThrow(() -> new IllegalStateException("no CSRF cookie: GET a dashboard page first"));
			request.header("X-TASKITO-XSRF-TOKEN", token);
		}
		return this.client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpRequest.Builder request(String path) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.base + path));
		if (this.authorization != null) {
			request.header("Authorization", this.authorization);
		}
		return request;
	}

}
