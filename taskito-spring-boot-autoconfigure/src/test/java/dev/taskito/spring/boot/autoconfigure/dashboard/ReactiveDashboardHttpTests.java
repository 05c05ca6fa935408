package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
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
 * The dashboard on a real reactive server (Reactor Netty) with Spring Security and the
 * dashboard writable: the page, its assets and the API under the dashboard's own chain and
 * headers, a retry of a dead job only with the role and the CSRF token, and the application's
 * other paths as secured as Spring Security's default chain would have them.
 */
@SpringBootTest(classes = ReactiveDashboardTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.main.web-application-type=reactive", "taskito.dashboard.enabled=true",
				"taskito.dashboard.read-only=false", "taskito.dispatcher.poll-interval=100ms" })
@DirtiesContext
class ReactiveDashboardHttpTests {

	private static final Duration FINISH = Duration.ofSeconds(30);

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

	@Autowired
	ApplicationContext context;

	private WebTestClient client;

	@BeforeEach
	void client() {
		this.client = WebTestClient.bindToServer().baseUrl("http://localhost:" + this.port).build();
	}

	@Test
	void overviewPageAndAssetsAreServedWithTheDashboardsHeaders() {
		assertThat(this.context).isInstanceOf(ReactiveWebServerApplicationContext.class);
		assertThat(this.context.getBeansOfType(ReactiveDashboardHandlers.class)).hasSize(1);
		assertThat(this.context.getBeansOfType(DashboardHandlers.class)).isEmpty();
		this.client.get().uri("/taskito/api/overview").headers(this::admin).exchange()
			.expectStatus().isOk()
			.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectHeader().valueEquals("Content-Security-Policy", DashboardHeadersFilter.CONTENT_SECURITY_POLICY)
			.expectHeader().valueEquals("X-Frame-Options", "DENY")
			.expectBody().jsonPath("$.tasks[?(@.name == 'flaky')]").exists();
		this.client.get().uri("/taskito").headers(this::admin).exchange()
			.expectStatus().isFound().expectHeader().valueEquals(HttpHeaders.LOCATION, "/taskito/");
		this.client.get().uri("/taskito/").headers(this::admin).exchange()
			.expectStatus().isOk()
			.expectHeader().valueEquals("Content-Security-Policy", DashboardHeadersFilter.CONTENT_SECURITY_POLICY)
			.expectBody(String.class).value(containsString("<script type=\"module\" src=\"assets/app.js\"></script>"));
		this.client.get().uri("/taskito/assets/app.js").headers(this::admin).exchange()
			.expectStatus().isOk()
			.expectHeader().valueEquals("Content-Security-Policy", DashboardHeadersFilter.CONTENT_SECURITY_POLICY);
		this.client.get().uri("/taskito/api/session").headers(this::admin).exchange()
			.expectStatus().isOk()
			.expectBody().jsonPath("$.writable").isEqualTo(true).jsonPath("$.user").isEqualTo("admin");
	}

	@Test
	void theDashboardNeedsItsRole() {
		this.client.get().uri("/taskito/api/overview").exchange()
			.expectStatus().isUnauthorized()
			.expectHeader().valueEquals("Content-Security-Policy", DashboardHeadersFilter.CONTENT_SECURITY_POLICY);
		this.client.get().uri("/taskito/").exchange().expectStatus().isUnauthorized();
		this.client.get().uri("/taskito/api/overview").headers((headers) -> headers.setBasicAuth("admin", "wrong"))
			.exchange().expectStatus().isUnauthorized();
		this.client.get().uri("/taskito/api/overview").headers((headers) -> headers.setBasicAuth("bob", "secret"))
			.exchange().expectStatus().isForbidden();
	}

	@Test
	void theApplicationsOtherPathsStaySecured() {
		this.client.get().uri("/hello").exchange()
			.expectStatus().isUnauthorized()
			.expectHeader().doesNotExist("Content-Security-Policy");
		this.client.get().uri("/hello").headers((headers) -> headers.setBasicAuth("bob", "secret")).exchange()
			.expectStatus().isOk().expectBody(String.class).isEqualTo("hello");
	}

	@Test
	void aRetryNeedsTheRoleAndTheCsrfToken() {
		JobId id = this.taskQueue.enqueue("flaky", 1);
		assertThat(this.taskQueue.awaitFinished(id, FINISH).status()).isEqualTo(JobStatus.DEAD);
		ResponseCookie token = this.client.get().uri("/taskito/").headers(this::admin).exchange()
			.expectStatus().isOk()
			.returnResult(String.class).getResponseCookies().getFirst(TaskitoDashboardAutoConfiguration.CSRF_COOKIE);
		assertThat(token).as("the page's first GET writes the token's cookie").isNotNull();
		assertThat(token.isHttpOnly()).as("the page's script reads it").isFalse();
		assertThat(token.getPath()).isEqualTo("/taskito");
		String retry = "/taskito/api/jobs/" + id + "/retry";

		this.client.post().uri(retry).headers(this::admin).exchange().expectStatus().isForbidden();
		this.client.post().uri(retry).headers(this::admin).cookie(token.getName(), token.getValue()).exchange()
			.expectStatus().isForbidden();
		this.client.post().uri(retry).headers(this::admin).cookie(token.getName(), token.getValue())
			.header(TaskitoDashboardAutoConfiguration.CSRF_HEADER, "not-the-token").exchange()
			.expectStatus().isForbidden();
		this.client.post().uri(retry).headers((headers) -> headers.setBasicAuth("bob", "secret"))
			.cookie(token.getName(), token.getValue())
			.header(TaskitoDashboardAutoConfiguration.CSRF_HEADER, token.getValue()).exchange()
			.expectStatus().isForbidden();
		this.client.get().uri(retry).headers(this::admin).exchange().expectStatus().is4xxClientError();
		assertThat(this.taskQueue.find(id).orElseThrow().status()).as("nothing was retried").isEqualTo(JobStatus.DEAD);

		ReactiveDashboardTestApplication.Tasks.healed.add(1);
		this.client.post().uri(retry).headers(this::admin).cookie(token.getName(), token.getValue())
			.header(TaskitoDashboardAutoConfiguration.CSRF_HEADER, token.getValue()).exchange()
			.expectStatus().isOk()
			.expectBody().jsonPath("$.retried").isEqualTo(id.toString());
		assertThat(this.taskQueue.awaitFinished(id, FINISH).status()).isEqualTo(JobStatus.SUCCEEDED);
	}

	private void admin(HttpHeaders headers) {
		headers.setBasicAuth("admin", "secret");
	}

}
