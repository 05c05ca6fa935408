package dev.taskito.spring.boot.autoconfigure.actuate;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.http.HttpStatus;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code taskito} endpoint and health component through a real HTTP server, on the
 * embedded H2 store: the overview, dead-job paging, pause and resume (of a queue and of a
 * schedule), retry and cancel with
 * their refusals, and health UP then DOWN once the dispatcher stops, while the liveness and
 * readiness groups stay UP.
 */
@SpringBootTest(classes = ActuatorTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=taskito,health",
				"management.endpoint.taskito.access=unrestricted", "management.endpoint.health.show-details=always",
				"management.endpoint.health.probes.enabled=true", "taskito.dispatcher.poll-interval=100ms" })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DirtiesContext
class TaskitoActuatorHttpTests {

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
	TaskDispatcher dispatcher;

	@Test
	@Order(1)
	void overviewShowsTasksQueuesCapsRateLimitsAndTheLiveInstance() {
		deadJob("flaky", 101);
		Map<String, Object> overview = get("/actuator/taskito", HttpStatus.OK);
		assertThat(overview).containsEntry("instanceId", this.dispatcher.instanceId());
		Map<String, Object> flaky = named(overview, "tasks", "flaky");
		assertThat(flaky).containsEntry("maxConcurrent", 2).containsEntry("rateLimit", "100/PT1M");
		assertThat(((Number) flaky.get("dead")).longValue()).isGreaterThanOrEqualTo(1);
		assertThat(named(overview, "queues", "held")).containsEntry("paused", false);
		assertThat(named(overview, "queues", "ops")).containsKeys("pending", "running", "dead", "maxConcurrent");
		await().atMost(FINISH).untilAsserted(() -> {
			List<Map<String, Object>> instances = list(get("/actuator/taskito", HttpStatus.OK), "instances");
			assertThat(instances).anySatisfy((instance) -> assertThat(instance)
				.containsEntry("id", this.dispatcher.instanceId())
				.containsEntry("current", true)
				.containsKeys("heartbeatAt", "expiresAt")
				.hasEntrySatisfying("running", (running) -> assertThat(running).isInstanceOf(Number.class)));
		});
	}

	@Test
	@Order(2)
	void deadJobsArePagedWithAfterAndLimit() {
		JobId first = deadJob("doomed", 1);
		JobId second = deadJob("doomed", 2);
		JobId third = deadJob("doomed", 3);
		Map<String, Object> page = get("/actuator/taskito/dead?task=doomed&limit=2", HttpStatus.OK);
		assertThat(list(page, "jobs")).extracting((job) -> job.get("id"))
			.containsExactly(first.toString(), second.toString());
		assertThat(list(page, "jobs").get(0)).containsEntry("status", "DEAD")
			.containsEntry("task", "doomed")
			.hasEntrySatisfying("lastError", (error) -> assertThat((String) error).contains("doomed 1 always fails"));
		assertThat(page).containsEntry("next", second.toString());
		Map<String, Object> last = get("/actuator/taskito/dead?task=doomed&limit=2&after=" + page.get("next"),
				HttpStatus.OK);
		assertThat(list(last, "jobs")).extracting((job) -> job.get("id")).containsExactly(third.toString());
		assertThat(last.get("next")).isNull();
		assertThat(list(get("/actuator/taskito/dead", HttpStatus.OK), "jobs")).extracting((job) -> job.get("id"))
			.contains(first.toString(), second.toString(), third.toString());
	}

	@Test
	@Order(3)
	void retryRunsADeadJobAgainAndRefusesOthersWithAMessage() {
		JobId id = deadJob("flaky", 7);
		ActuatorTestApplication.Tasks.healed.add(7);
		Map<String, Object> retried = post("/actuator/taskito/jobs/" + id + "/retry", HttpStatus.OK);
		// The retry wakes this instance's dispatcher, so the job may already run or be done.
		assertThat(retried).containsEntry("id", id.toString())
			.hasEntrySatisfying("status", (status) -> assertThat(status).isIn("PENDING", "RUNNING", "SUCCEEDED"));
		assertThat(this.taskQueue.awaitFinished(id, FINISH).status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(get("/actuator/taskito/jobs/" + id, HttpStatus.OK)).containsEntry("status", "SUCCEEDED");

		assertThat(post("/actuator/taskito/jobs/" + id + "/retry", HttpStatus.CONFLICT).get("message"))
			.asString()
			.contains(id.toString(), "SUCCEEDED", "only a DEAD job can be retried");
		JobId unknown = JobId.newId();
		assertThat(post("/actuator/taskito/jobs/" + unknown + "/retry", HttpStatus.NOT_FOUND).get("message"))
			.asString()
			.contains("No job " + unknown);
		assertThat(get("/actuator/taskito/jobs/" + unknown, HttpStatus.NOT_FOUND).get("message")).asString()
			.contains("No job " + unknown);
		assertThat(post("/actuator/taskito/jobs/not-a-uuid/retry", HttpStatus.BAD_REQUEST).get("message"))
			.asString()
			.contains("'not-a-uuid' is not a job id");
	}

	@Test
	@Order(4)
	void pauseHoldsAQueueCancelTakesAPendingJobAndResumeReleasesIt() {
		assertThat(post("/actuator/taskito/queues/held/pause", HttpStatus.OK)).containsEntry("queue", "held")
			.containsEntry("paused", true);
		assertThat(named(get("/actuator/taskito", HttpStatus.OK), "queues", "held")).containsEntry("paused", true);
		assertThat(this.taskQueue.pausedQueues()).contains("held");

		JobId cancelled = this.taskQueue.enqueue("later");
		JobId released = this.taskQueue.enqueue("later");
		assertThat(post("/actuator/taskito/jobs/" + cancelled + "/cancel", HttpStatus.OK)).containsEntry("status",
				"CANCELLED");
		assertThat(post("/actuator/taskito/jobs/" + cancelled + "/cancel", HttpStatus.CONFLICT).get("message"))
			.asString()
			.contains(cancelled.toString(), "is CANCELLED", "only a PENDING job can be cancelled");
		assertThat(this.taskQueue.find(released).orElseThrow().status()).isEqualTo(JobStatus.PENDING);

		assertThat(post("/actuator/taskito/queues/held/resume", HttpStatus.OK)).containsEntry("paused", false);
		assertThat(this.taskQueue.pausedQueues()).doesNotContain("held");
		assertThat(this.taskQueue.awaitFinished(released, FINISH).status()).isEqualTo(JobStatus.SUCCEEDED);
	}

	@Test
	@Order(5)
	void unknownSectionsOperationsAndBadLimitsAreRefusedWithAMessage() {
		assertThat(get("/actuator/taskito/nope", HttpStatus.NOT_FOUND).get("message")).asString()
			.contains("no section 'nope'", "/actuator/taskito/dead");
		assertThat(get("/actuator/taskito/dead?limit=0", HttpStatus.BAD_REQUEST).get("message")).asString()
			.contains("limit must be between 1 and");
		assertThat(post("/actuator/taskito/queues/held/explode", HttpStatus.NOT_FOUND).get("message")).asString()
			.contains("no operation 'queues/held/explode'", "queues/{queue}/pause");
		assertThat(this.taskQueue.pausedQueues()).doesNotContain("held");
	}

	@Test
	@Order(6)
	void schedulesAreListedWithTheirNextRunAndArePausedAndResumedOnEveryInstance() {
		Map<String, Object> nightly = named(get("/actuator/taskito", HttpStatus.OK), "schedules", "nightly");
		assertThat(nightly).containsEntry("definition", "cron 0 30 2 * * * zone Europe/Paris")
			.containsEntry("paused", false)
			.containsEntry("skippedTicks", 0)
			.containsKeys("nextRunAt", "lastTick");
		assertThat(nightly.get("nextRunAt")).isNotNull();
		assertThat(post("/actuator/taskito/schedules/nightly/pause", HttpStatus.OK)).containsEntry("name", "nightly")
			.containsEntry("paused", true);
		assertThat(this.taskQueue.schedules()).singleElement().satisfies((view) -> assertThat(view.paused()).isTrue());
		assertThat(post("/actuator/taskito/schedules/nightly/resume", HttpStatus.OK)).containsEntry("paused", false);
		assertThat(post("/actuator/taskito/schedules/later/pause", HttpStatus.NOT_FOUND).get("message")).asString()
			.contains("task 'later' has no schedule");
	}

	@Test
	@Order(7)
	void healthIsUpWhileHeartbeatsAreCurrentAndDownOnceTheDispatcherStops() {
		await().atMost(FINISH).untilAsserted(() -> {
			Map<String, Object> health = get("/actuator/health/taskito", HttpStatus.OK);
			assertThat(health).containsEntry("status", "UP");
			assertThat(details(health)).containsEntry("instanceId", this.dispatcher.instanceId())
				.containsKey("lastHeartbeat");
		});
		this.dispatcher.close();
		Map<String, Object> down = get("/actuator/health/taskito", HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(down).containsEntry("status", "DOWN");
		assertThat(details(down)).containsEntry("instanceId", this.dispatcher.instanceId())
			.hasEntrySatisfying("reason", (reason) -> assertThat((String) reason).startsWith("dispatcher stopped"));
		assertThat(get("/actuator/health", HttpStatus.SERVICE_UNAVAILABLE)).containsEntry("status", "DOWN");
		// Kept out of the probes: a Taskito problem must not restart the instance or take it
		// out of its load balancer.
		assertThat(get("/actuator/health/liveness", HttpStatus.OK)).containsEntry("status", "UP");
		assertThat(get("/actuator/health/readiness", HttpStatus.OK)).containsEntry("status", "UP");
	}

	private JobId deadJob(String task, int n) {
		JobId id = this.taskQueue.enqueue(task, n);
		assertThat(this.taskQueue.awaitFinished(id, FINISH).status()).isEqualTo(JobStatus.DEAD);
		return id;
	}

	private Map<String, Object> get(String path, HttpStatus expected) {
		return body(new ActuatorHttp(this.port).get(path), expected, "GET " + path);
	}

	private Map<String, Object> post(String path, HttpStatus expected) {
		return body(new ActuatorHttp(this.port).post(path), expected, "POST " + path);
	}

	private static Map<String, Object> body(ActuatorHttp.Answer answer, HttpStatus expected, String request) {
		assertThat(answer.status()).as(request + " answered " + answer.text()).isEqualTo(expected.value());
		return answer.body();
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> list(Map<String, Object> body, String key) {
		return (List<Map<String, Object>>) body.get(key);
	}

	private static Map<String, Object> named(Map<String, Object> overview, String key, String name) {
		return list(overview, key).stream()
			.filter((entry) -> name.equals(entry.get("name")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + name + " in " + key + " of " + overview));
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> details(Map<String, Object> health) {
		return (Map<String, Object>) health.get("details");
	}

}
