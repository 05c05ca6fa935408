package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.Schedule;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.dispatch.Handlers;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.testsupport.TestH2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The dashboard's routes and handlers over a real task queue on H2, without security (which
 * the auto-configuration tests and the sample's browser tests cover): what each API call
 * answers, that listing pages by id, that every write is a POST refused when read-only, and
 * that every page shares one reading of the overview per refresh interval.
 */
class DashboardHandlersTests {

	private static final Schedule NIGHTLY = new Schedule() {

		@Override
		public Instant next(Instant after) {
			return after.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS);
		}

		@Override
		public String definition() {
			return "every day at midnight UTC";
		}

	};

	private final DataSource dataSource = TestH2.newDataSource();

	private JdbcClaimStore store;

	private DefaultTaskQueue queue;

	private DashboardTestJobs jobs;

	private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

	private DashboardSnapshots snapshots;

	@BeforeEach
	void start() {
		this.store = JdbcClaimStore.builder(this.dataSource).build();
		this.store.start();
		this.jobs = new DashboardTestJobs(this.store);
		TaskRegistry registry = new TaskRegistry();
		registry.register(TaskDefinition.of("mail", Handlers.noArgs((args, job) -> null)).withMaxConcurrent(2));
		registry.register(TaskDefinition.of("per-tenant", Handlers.noArgs((args, job) -> null))
			.withMaxConcurrentPerKey(1));
		registry.register(TaskDefinition.of("nightly", Handlers.noArgs((args, job) -> null))
			.withSchedule(NIGHTLY, null));
		this.queue = new DefaultTaskQueue(this.store, registry);
		Clock clock = new Clock() {

			@Override
			public ZoneOffset getZone() {
				return ZoneOffset.UTC;
			}

			@Override
			public Clock withZone(java.time.ZoneId zone) {
				return this;
			}

			@Override
			public Instant instant() {
				return DashboardHandlersTests.this.now.get();
			}

		};
		this.snapshots = new DashboardSnapshots(this.queue, this.store, null, Duration.ofSeconds(2), clock);
	}

	@AfterEach
	void stop() {
		this.store.close();
		TestH2.shutdown(this.dataSource);
	}

	private MockMvc mvc(boolean writable) {
		DashboardAccess access = writable ? new DashboardAccess(true, null)
				: DashboardAccess.of(true, true, "TASKITO_ADMIN");
		DashboardHandlers handlers = new DashboardHandlers(
				new DashboardApi(this.queue, this.snapshots, access, Duration.ofSeconds(2)));
		TaskitoDashboardProperties properties = new TaskitoDashboardProperties();
		return MockMvcBuilders
			.routerFunctions(new TaskitoDashboardAutoConfiguration.MvcDashboardConfiguration()
				.taskitoDashboardRoutes(handlers, properties))
			.build();
	}

	@Test
	void pageIsServedWithASlashAndItsAssetsBesideIt() throws Exception {
		MockMvc mvc = mvc(false);
		mvc.perform(get("/taskito")).andExpect(status().isFound()).andExpect(header().string("Location", "/taskito/"));
		String page = mvc.perform(get("/taskito/")).andExpect(status().isOk()).andReturn().getResponse()
			.getContentAsString();
		assertThat(page).contains("<script type=\"module\" src=\"assets/app.js\"></script>")
			.doesNotContain("<script>").doesNotContain("style=");
		mvc.perform(get("/taskito/assets/app.js")).andExpect(status().isOk());
		String script = mvc.perform(get("/taskito/assets/app.js")).andReturn().getResponse().getContentAsString();
		assertThat(script).as("job data is set as text only").doesNotContain("innerHTML").doesNotContain("outerHTML")
			.doesNotContain("insertAdjacentHTML").doesNotContain("document.write").doesNotContain("eval(");
	}

	@Test
	void jobsArePagedByIdAndFilteredByStatusTaskAndQueue() throws Exception {
		List<JobId> mail = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			mail.add(this.jobs.enqueue("mail", "default", "[\"user-" + i + "\"]"));
		}
		this.jobs.enqueue("mail", "bulk", "[]");
		this.jobs.enqueue("other", "default", "[]");
		MockMvc mvc = mvc(false);
		mvc.perform(get("/taskito/api/jobs").param("task", "mail").param("queue", "default").param("limit", "2"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.jobs", hasSize(2)))
			.andExpect(jsonPath("$.jobs[0].id").value(mail.get(0).toString()))
			.andExpect(jsonPath("$.jobs[1].id").value(mail.get(1).toString()))
			.andExpect(jsonPath("$.next").value(mail.get(1).toString()));
		mvc.perform(get("/taskito/api/jobs").param("task", "mail").param("queue", "default").param("limit", "2")
			.param("after", mail.get(3).toString()))
			.andExpect(jsonPath("$.jobs", hasSize(1)))
			.andExpect(jsonPath("$.jobs[0].id").value(mail.get(4).toString()))
			.andExpect(jsonPath("$.next").value(nullValue()));
		mvc.perform(get("/taskito/api/jobs").param("status", "pending").param("queue", "default"))
			.andExpect(jsonPath("$.jobs", hasSize(6)));
		mvc.perform(get("/taskito/api/jobs").param("status", "DEAD")).andExpect(jsonPath("$.jobs", hasSize(0)));
		mvc.perform(get("/taskito/api/jobs").param("status", "LOST")).andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.error").exists());
		mvc.perform(get("/taskito/api/jobs").param("limit", "100000")).andExpect(status().isBadRequest());
	}

	@Test
	void jobDetailCarriesArgumentsErrorAndTimeline() throws Exception {
		JobId id = this.jobs.dead("mail", "[\"<b>bold</b>\"]", "boom <script>\n\tat Somewhere");
		MockMvc mvc = mvc(false);
		mvc.perform(get("/taskito/api/jobs/" + id))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.job.status").value("DEAD"))
			.andExpect(jsonPath("$.job.error").value("boom <script>"))
			.andExpect(jsonPath("$.arguments").value("[\"<b>bold</b>\"]"))
			.andExpect(jsonPath("$.error").value("boom <script>\n\tat Somewhere"))
			.andExpect(jsonPath("$.timeline[0].what").value("enqueued"))
			.andExpect(jsonPath("$.timeline[-1:].what").value("dead"));
		mvc.perform(get("/taskito/api/jobs/" + JobId.newId())).andExpect(status().isNotFound());
		mvc.perform(get("/taskito/api/jobs/not-an-id")).andExpect(status().isBadRequest());
	}

	@Test
	void readOnlyRefusesEveryWrite() throws Exception {
		JobId deadJob = this.jobs.dead("mail", "[]", "boom");
		JobId pending = this.jobs.enqueue("mail", "default", "[]");
		MockMvc mvc = mvc(false);
		mvc.perform(post("/taskito/api/jobs/" + deadJob + "/retry")).andExpect(status().isForbidden())
			.andExpect(jsonPath("$.error").value(org.hamcrest.Matchers.containsString("read-only")));
		mvc.perform(post("/taskito/api/jobs/" + pending + "/cancel")).andExpect(status().isForbidden());
		mvc.perform(post("/taskito/api/jobs/retry-all")).andExpect(status().isForbidden());
		mvc.perform(post("/taskito/api/queues/default/pause")).andExpect(status().isForbidden());
		assertThat(this.queue.find(deadJob).orElseThrow().status()).isEqualTo(JobStatus.DEAD);
		assertThat(this.queue.find(pending).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		assertThat(this.queue.pausedQueues()).isEmpty();
	}

	@Test
	void writesArePostsThatActWhenAllowed() throws Exception {
		JobId first = this.jobs.dead("mail", "[]", "boom");
		JobId second = this.jobs.dead("mail", "[]", "boom");
		JobId pending = this.jobs.enqueue("mail", "default", "[]");
		MockMvc mvc = mvc(true);
		mvc.perform(get("/taskito/api/jobs/" + first + "/retry")).andExpect(status().is4xxClientError());
		assertThat(this.queue.find(first).orElseThrow().status()).as("a GET changes nothing").isEqualTo(JobStatus.DEAD);
		mvc.perform(post("/taskito/api/jobs/" + first + "/retry")).andExpect(status().isOk());
		assertThat(this.queue.find(first).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		mvc.perform(post("/taskito/api/jobs/" + first + "/retry")).andExpect(status().isConflict());
		mvc.perform(post("/taskito/api/jobs/retry-all").param("task", "mail")).andExpect(status().isOk())
			.andExpect(jsonPath("$.retried").value(1));
		assertThat(this.queue.find(second).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		mvc.perform(post("/taskito/api/jobs/" + pending + "/cancel")).andExpect(status().isOk());
		mvc.perform(post("/taskito/api/jobs/" + pending + "/cancel")).andExpect(status().isConflict());
		mvc.perform(post("/taskito/api/queues/default/pause")).andExpect(status().isOk());
		assertThat(this.queue.pausedQueues()).containsExactly("default");
		mvc.perform(get("/taskito/api/overview")).andExpect(jsonPath("$.queues[0].paused").value(true));
		mvc.perform(post("/taskito/api/queues/default/resume")).andExpect(status().isOk());
		assertThat(this.queue.pausedQueues()).isEmpty();
	}

	@Test
	void tasksCarryTheirCapPerKeyAndSchedule() throws Exception {
		// Keys at their cap need keyed jobs, which H2 does not take yet: DashboardSnapshotsRedisTests counts them.
		this.store.registerSchedule("nightly", NIGHTLY.definition());
		mvc(false).perform(get("/taskito/api/overview"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.tasks[?(@.name == 'per-tenant')].maxConcurrentPerKey").value(1))
			.andExpect(jsonPath("$.tasks[?(@.name == 'per-tenant')].keysAtCap").value(0))
			.andExpect(jsonPath("$.tasks[?(@.name == 'mail')].maxConcurrentPerKey").value(0))
			.andExpect(jsonPath("$.tasks[?(@.name == 'nightly')].schedule.definition").value(NIGHTLY.definition()))
			.andExpect(jsonPath("$.tasks[?(@.name == 'nightly')].schedule.paused").value(false))
			// The next midnight on the store's clock, which the test's clock does not move.
			.andExpect(jsonPath("$.tasks[?(@.name == 'nightly')].schedule.nextRunAt")
				.value(org.hamcrest.Matchers.contains(org.hamcrest.Matchers.endsWith("T00:00:00Z"))))
			.andExpect(jsonPath("$.tasks[?(@.name == 'nightly')].schedule.skippedTicks").value(0));
	}

	@Test
	void schedulesArePausedAndResumedByPostOnlyWhenWritable() throws Exception {
		this.store.registerSchedule("nightly", NIGHTLY.definition());
		mvc(false).perform(post("/taskito/api/schedules/nightly/pause")).andExpect(status().isForbidden());
		assertThat(this.queue.schedules()).singleElement().satisfies((view) -> assertThat(view.paused()).isFalse());
		MockMvc mvc = mvc(true);
		mvc.perform(get("/taskito/api/schedules/nightly/pause")).andExpect(status().is4xxClientError());
		assertThat(this.queue.schedules()).singleElement().satisfies((view) -> assertThat(view.paused()).isFalse());
		mvc.perform(post("/taskito/api/schedules/nightly/pause")).andExpect(status().isOk())
			.andExpect(jsonPath("$.paused").value(true));
		assertThat(this.queue.schedules()).singleElement().satisfies((view) -> assertThat(view.paused()).isTrue());
		mvc.perform(get("/taskito/api/overview"))
			.andExpect(jsonPath("$.tasks[?(@.name == 'nightly')].schedule.paused").value(true));
		mvc.perform(post("/taskito/api/schedules/nightly/resume")).andExpect(status().isOk());
		assertThat(this.queue.schedules()).singleElement().satisfies((view) -> assertThat(view.paused()).isFalse());
		mvc.perform(post("/taskito/api/schedules/mail/pause")).andExpect(status().isNotFound())
			.andExpect(jsonPath("$.error").value(org.hamcrest.Matchers.containsString("mail")));
	}

	@Test
	void everyPageSharesOneReadingOfTheOverviewPerInterval() throws Exception {
		this.jobs.enqueue("mail", "default", "[]");
		this.jobs.dead("mail", "[]", "boom");
		MockMvc mvc = mvc(false);
		for (int i = 0; i < 5; i++) {
			mvc.perform(get("/taskito/api/overview"))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.tasks[0].name").value("mail"))
				.andExpect(jsonPath("$.tasks[0].maxConcurrent").value(2))
				.andExpect(jsonPath("$.tasks[0].pending").value(1))
				.andExpect(jsonPath("$.tasks[0].dead").value(1))
				.andExpect(jsonPath("$.queues[0].name").value("default"));
		}
		assertThat(this.snapshots.reads()).isEqualTo(1);
		this.now.set(this.now.get().plusSeconds(2));
		mvc.perform(get("/taskito/api/overview")).andExpect(status().isOk());
		assertThat(this.snapshots.reads()).isEqualTo(2);
	}

	@Test
	void sessionSaysWhyTheDashboardIsReadOnly() throws Exception {
		mvc(false).perform(get("/taskito/api/session"))
			.andExpect(jsonPath("$.writable").value(false))
			.andExpect(jsonPath("$.readOnlyReason").value(org.hamcrest.Matchers.containsString("read-only")))
			.andExpect(jsonPath("$.refreshMillis").value(2000));
		mvc(true).perform(get("/taskito/api/session")).andExpect(jsonPath("$.writable").value(true));
	}

}
