package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseCookie;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.TaskQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/**
 * The dashboard read-only (the default) on a real reactive server: even a user with the role
 * and the CSRF token changes nothing, and the session says why.
 */
@SpringBootTest(classes = ReactiveDashboardTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.main.web-application-type=reactive", "taskito.dashboard.enabled=true" })
@DirtiesContext
class ReactiveDashboardReadOnlyHttpTests {

	@TempDir
	static Path embedded;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("taskito.jdbc.embedded-path", embedded::toString);
	}

	@LocalServerPort
	int port;

	@Autowired
	TaskQueue taskQueue;

	@Test
	void writesAreRefusedWithTheRoleAndTheToken() {
		WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
		JobId id = this.taskQueue.enqueue("flaky", 2);
		assertThat(this.taskQueue.awaitFinished(id, Duration.ofSeconds(30)).status()).isEqualTo(JobStatus.DEAD);
		client.get().uri("/taskito/api/session").headers((headers) -> headers.setBasicAuth("admin", "secret"))
			.exchange().expectStatus().isOk()
			.expectBody().jsonPath("$.writable").isEqualTo(false)
			.jsonPath("$.readOnlyReason").value(containsString("taskito.dashboard.read-only"));
		ResponseCookie token = client.get().uri("/taskito/").headers((headers) -> headers.setBasicAuth("admin", "secret"))
			.exchange().expectStatus().isOk()
			.returnResult(String.class).getResponseCookies().getFirst(TaskitoDashboardAutoConfiguration.CSRF_COOKIE);
		assertThat(token).isNotNull();
		client.post().uri("/taskito/api/jobs/" + id + "/retry")
			.headers((headers) -> headers.setBasicAuth("admin", "secret"))
			.cookie(token.getName(), token.getValue())
			.header(TaskitoDashboardAutoConfiguration.CSRF_HEADER, token.getValue()).exchange()
			.expectStatus().isForbidden()
			.expectBody().jsonPath("$.error").value(containsString("read-only"));
		assertThat(this.taskQueue.find(id).orElseThrow().status()).isEqualTo(JobStatus.DEAD);
	}

}
