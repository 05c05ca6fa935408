package dev.taskito.spring.boot.autoconfigure.actuate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

/**
 * Plain HTTP calls to the test's server, each answer read as JSON.
 */
final class ActuatorHttp {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final int port;

	ActuatorHttp(int port) {
		this.port = port;
	}

	Answer get(String path) {
		return send(HttpRequest.newBuilder(uri(path)).GET());
	}

	Answer post(String path) {
		return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()));
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.port + path);
	}

	@SuppressWarnings("unchecked")
	private Answer send(HttpRequest.Builder request) {
		try {
			HttpResponse<String> response = this.client.send(request.timeout(Duration.ofSeconds(10)).build(),
					HttpResponse.BodyHandlers.ofString());
			String text = response.body();
			Map<String, Object> body = (text == null || text.isBlank() || !text.trim().startsWith("{")) ? Map.of()
					: JSON.readValue(text, Map.class);
			return new Answer(response.statusCode(), body, text);
		}
		catch (IOException ex) {
			throw new IllegalStateException("HTTP call to the test server failed: " + ex, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted during an HTTP call to the test server", ex);
		}
	}

	record Answer(int status, Map<String, Object> body, String text) {

	}

}
