package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.dispatch.Handlers;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.testsupport.TestH2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/**
 * The dashboard's WebFlux routes and handlers over a real task queue on H2, without security
 * (which {@link ReactiveDashboardHttpTests} covers through a real server): the same paths and
 * answers as on Spring MVC, every write a POST refused when read-only.
 */
class ReactiveDashboardHandlersTests {

	private final DataSource dataSource = TestH2.newDataSource();

	private JdbcClaimStore store;

	private DefaultTaskQueue queue;

	private DashboardTestJobs jobs;

	@BeforeEach
	void start() {
		this.store = JdbcClaimStore.builder(this.dataSource).build();
		this.store.start();
		this.jobs = new DashboardTestJobs(this.store);
		TaskRegistry registry = new TaskRegistry();
		registry.register(TaskDefinition.of("mail", Handlers.noArgs((args, job) -> null)).withMaxConcurrent(2));
		this.queue = new DefaultTaskQueue(this.store, registry);
	}

	@AfterEach
	void stop() {
		this.store.close();
		TestH2.shutdown(this.dataSource);
	}

	private WebTestClient client(boolean writable) {
		DashboardAccess access = writable ? new DashboardAccess(true, null)
				: DashboardAccess.of(true, true, "TASKITO_ADMIN");
		DashboardSnapshots snapshots = new DashboardSnapshots(this.queue, this.store, null, Duration.ofSeconds(2),
				Clock.systemUTC());
		ReactiveDashboardHandlers handlers = new ReactiveDashboardHandlers(
				new DashboardApi(this.queue, snapshots, access, Duration.ofSeconds(2)));
		return WebTestClient
			.bindToRouterFunction(new ReactiveDashboardConfiguration().taskitoDashboardRoutes(handlers,
					new TaskitoDashboardProperties()))
			.build();
	}

	@Test
	void pageIsServedWithASlashAndItsAssetsBesideIt() {
		WebTestClient client = client(false);
		client.get().uri("/taskito").exchange().expectStatus().isFound()
			.expectHeader().valueEquals(HttpHeaders.LOCATION, "/taskito/");
		client.get().uri("/taskito/").exchange().expectStatus().isOk()
			.expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
			.expectBody(String.class).value(containsString("<script type=\"module\" src=\"assets/app.js\"></script>"));
		client.get().uri("/taskito/assets/app.js").exchange().expectStatus().isOk();
		client.get().uri("/taskito/assets/../index.html").exchange().expectStatus().is4xxClientError();
	}

	@Test
	void readsAnswerAsOnSpringMvc() {
		JobId id = this.jobs.dead("mail", "[\"<b>bold</b>\"]", "boom");
		WebTestClient client = client(false);
		client.get().uri("/taskito/api/session").exchange().expectStatus().isOk()
			.expectBody().jsonPath("$.writable").isEqualTo(false)
			.jsonPath("$.readOnlyReason").value(containsString("read-only"))
			.jsonPath("$.user").doesNotExist();
		client.get().uri("/taskito/api/overview").exchange().expectStatus().isOk()
			.expectBody().jsonPath("$.tasks[0].name").isEqualTo("mail").jsonPath("$.tasks[0].dead").isEqualTo(1);
		client.get().uri("/taskito/api/jobs?status=dead").exchange().expectStatus().isOk()
			.expectBody().jsonPath("$.jobs[0].id").isEqualTo(id.toString());
		client.get().uri("/taskito/api/jobs/" + id).exchange().expectStatus().isOk()
			.expectBody().jsonPath("$.arguments").isEqualTo("[\"<b>bold</b>\"]");
		client.get().uri("/taskito/api/jobs/" + JobId.newId()).exchange().expectStatus().isNotFound();
		client.get().uri("/taskito/api/jobs/not-an-id").exchange().expectStatus().isBadRequest()
			.expectBody().jsonPath("$.error").exists();
		client.get().uri("/taskito/api/jobs?status=LOST").exchange().expectStatus().isBadRequest();
	}

	@Test
	void readOnlyRefusesEveryWrite() {
		JobId deadJob = this.jobs.dead("mail", "[]", "boom");
		JobId pending = this.jobs.enqueue("mail", "default", "[]");
		WebTestClient client = client(false);
		client.post().uri("/taskito/api/jobs/" + deadJob + "/retry").exchange().expectStatus().isForbidden()
			.expectBody().jsonPath("$.error").value(containsString("read-only"));
		client.post().uri("/taskito/api/jobs/" + pending + "/cancel").exchange().expectStatus().isForbidden();
		client.post().uri("/taskito/api/jobs/retry-all").exchange().expectStatus().isForbidden();
		client.post().uri("/taskito/api/queues/default/pause").exchange().expectStatus().isForbidden();
		assertThat(this.queue.find(deadJob).orElseThrow().status()).isEqualTo(JobStatus.DEAD);
		assertThat(this.queue.find(pending).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		assertThat(this.queue.pausedQueues()).isEmpty();
	}

	@Test
	void writesArePostsThatActWhenAllowed() {
		JobId first = this.jobs.dead("mail", "[]", "boom");
		JobId second = this.jobs.dead("mail", "[]", "boom");
		JobId pending = this.jobs.enqueue("mail", "default", "[]");
		WebTestClient client = client(true);
		client.get().uri("/taskito/api/jobs/" + first + "/retry").exchange().expectStatus().is4xxClientError();
		assertThat(this.queue.find(first).orElseThrow().status()).as("a GET changes nothing").isEqualTo(JobStatus.DEAD);
		client.post().uri("/taskito/api/jobs/" + first + "/retry").exchange().expectStatus().isOk();
		assertThat(this.queue.find(first).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		client.post().uri("/taskito/api/jobs/" + first + "/retry").exchange().expectStatus().isEqualTo(409);
		client.post().uri("/taskito/api/jobs/retry-all?task=mail").exchange().expectStatus().isOk()
			.expectBody().jsonPath("$.retried").isEqualTo(1);
		assertThat(this.queue.find(second).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		client.post().uri("/taskito/api/jobs/" + pending + "/cancel").exchange().expectStatus().isOk();
		client.post().uri("/taskito/api/jobs/" + pending + "/cancel").exchange().expectStatus().isEqualTo(409);
		client.post().uri("/taskito/api/queues/default/pause").exchange().expectStatus().isOk();
		assertThat(this.queue.pausedQueues()).containsExactly("default");
		client.post().uri("/taskito/api/queues/default/resume").exchange().expectStatus().isOk();
		assertThat(this.queue.pausedQueues()).isEmpty();
	}

}
