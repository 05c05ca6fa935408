package dev.taskito.samples.dashboard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.ScheduleView;
import dev.taskito.TaskQueue;
import dev.taskito.spring.boot.test.TaskitoTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in headless Chromium against the running sample, as {@code admin} with the
 * dashboard's role and actions allowed.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sample.workload=false")
class DashboardBrowserTests {

	/** Sets a flag only if the markup ever runs; the page must show it as text instead. */
	static final String HOSTILE = "<img src=x onerror=\"window.__taskitoXss=1\">";

	private static Browser browser;

	@LocalServerPort
	int port;

	@Autowired
	TaskQueue tasks;

	@Autowired
	TaskitoTestSupport taskito;

	@Autowired
	SampleTasks sampleTasks;

	@BeforeAll
	static void openBrowser() {
		browser = new Browser("admin", "admin");
	}

	@AfterAll
	static void closeBrowser() {
		if (browser != null) {
			browser.close();
		}
	}

	@Test
	void hostileArgumentsAndErrorsRenderAsTextAndRunNothing() throws Exception {
		this.sampleTasks.providerDown(true);
		JobId id = this.tasks.enqueue(EnqueueRequest.of("charge-card", HOSTILE));
		this.taskito.awaitIdle(Duration.ofSeconds(20));
		assertThat(this.tasks.find(id).orElseThrow().status()).isEqualTo(JobStatus.DEAD);

		open("#/jobs/" + id);
		WebElement arguments = browser.waiting()
			.until(ExpectedConditions.visibilityOfElementLocated(By.id("job-arguments")));
		// The arguments as stored: a JSON array of the one hostile string, quotes escaped.
		assertThat(arguments.getText()).isEqualTo("[\"" + HOSTILE.replace("\"", "\\\"") + "\"]");
		assertThat(browser.driver.findElement(By.id("job-error")).getText())
			.contains("payment provider refused the charge of " + HOSTILE)
			.contains("at dev.taskito.samples.dashboard.SampleTasks.chargeCard");
		open("#/jobs?status=DEAD&task=charge-card");
		browser.waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("job-results"), HOSTILE));
		assertThat(browser.driver.findElements(By.tagName("img"))).as("no markup of job data became an element")
			.isEmpty();
		assertThat(browser.driver.executeScript("return window.__taskitoXss === undefined")).isEqualTo(true);
		open("#/jobs/" + id);
		browser.waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("job-error"), HOSTILE));
		screenshot("dashboard-job.png");
	}

	@Test
	void overviewShowsACappedTaskAtItsCapWhileItsJobsRun() throws Exception {
		// A few dead charges as well, for the README's picture.
		this.sampleTasks.providerDown(true);
		for (int i = 0; i < 3; i++) {
			this.tasks.enqueue(EnqueueRequest.of("charge-card", "customer-" + i));
		}
		this.taskito.awaitIdle(Duration.ofSeconds(20));
		this.sampleTasks.holdReports(true);
		try {
			List<JobId> ids = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				ids.add(this.tasks.enqueue(EnqueueRequest.of("render-report", "quarterly-" + i)));
			}
			open("#/");
			By row = By.cssSelector("tr[data-task='render-report']");
			browser.waiting().until((driver) -> {
				List<WebElement> rows = driver.findElements(row);
				return !rows.isEmpty() && rows.get(0).findElement(By.cssSelector(".running")).getText().equals("2")
						&& rows.get(0).findElement(By.cssSelector(".cap-state")).getText().equals("at cap");
			});
			WebElement report = browser.driver.findElement(row);
			assertThat(report.findElement(By.cssSelector(".cap")).getText()).isEqualTo(String.valueOf(SampleTasks.REPORT_CAP));
			WebElement queue = browser.driver.findElement(By.cssSelector("tr[data-queue='default'] .depth"));
			assertThat(Long.parseLong(queue.getText())).isEqualTo(3);
			screenshot("dashboard-overview.png");
		}
		finally {
			this.sampleTasks.holdReports(false);
		}
		this.taskito.awaitIdle(Duration.ofSeconds(30));
	}

	@Test
	void pausingAScheduleFromTheTasksPagePausesItOnEveryInstance() throws Exception {
		open("#/tasks");
		By state = By.cssSelector("tr[data-schedule='refresh-rates'] .schedule-state");
		browser.waiting().until(ExpectedConditions.textToBe(state, "running"));
		assertThat(browser.driver.findElement(By.cssSelector("tr[data-schedule='refresh-rates'] .definition")).getText())
			.contains("*/10 * * * * *");
		assertThat(browser.driver.findElement(By.cssSelector("tr[data-task='sync-tenant'] .key-cap")).getText())
			.as("the cap per key").isEqualTo("1");
		assertThat(browser.driver.findElement(By.cssSelector("tr[data-task='render-report'] .key-cap")).getText())
			.isEqualTo("none");
		screenshot("dashboard-tasks.png");
		try {
			browser.waiting()
				.until(ExpectedConditions.elementToBeClickable(By.id("pause-schedule-refresh-rates")))
				.click();
			browser.waiting().until(ExpectedConditions.textToBe(state, "paused"));
			assertThat(schedule("refresh-rates").paused()).as("paused in the store").isTrue();
			assertThat(browser.driver.findElement(By.id("resume-schedule-refresh-rates")).getText()).isEqualTo("Resume");
		}
		finally {
			this.tasks.resumeSchedule("refresh-rates");
		}
	}

	@Test
	void aPeriodicJobShowsTheTickThatEnqueuedIt() {
		// The first tick comes within ten seconds of the start.
		JobId id = new WebDriverWait(browser.driver, Duration.ofSeconds(30), Duration.ofMillis(200))
			.until((driver) -> schedule("refresh-rates").lastJobId());
		open("#/jobs/" + id);
		browser.waiting().until(ExpectedConditions.textToBe(By.id("job-task"), "refresh-rates"));
		assertThat(browser.driver.findElement(By.id("job-scheduled-for")).getText()).isNotEqualTo("—");
		assertThat(browser.driver.findElement(By.id("job-timeline")).getText()).contains("scheduled for");
	}

	@Test
	void instancesShowTheJobsEachRuns() {
		this.sampleTasks.holdReports(true);
		try {
			for (int i = 0; i < 3; i++) {
				this.tasks.enqueue(EnqueueRequest.of("render-report", "weekly-" + i));
			}
			open("#/instances");
			// Two run at the cap; the next heartbeat publishes them (5 s), the page shows them on its refresh.
			// Each refresh redraws the table: a cell read while it is replaced is read again.
			new WebDriverWait(browser.driver, Duration.ofSeconds(30), Duration.ofMillis(200))
				.ignoring(StaleElementReferenceException.class)
				.until((driver) -> driver.findElements(By.cssSelector(".instance-running"))
				.stream()
				.anyMatch((cell) -> cell.getText().equals(String.valueOf(SampleTasks.REPORT_CAP))));
		}
		finally {
			this.sampleTasks.holdReports(false);
		}
		this.taskito.awaitIdle(Duration.ofSeconds(30));
	}

	@Test
	void retryingADeadJobFromThePageMakesItSucceed() {
		this.sampleTasks.providerDown(true);
		JobId id = this.tasks.enqueue(EnqueueRequest.of("charge-card", "customer-retried"));
		this.taskito.awaitIdle(Duration.ofSeconds(20));
		assertThat(this.tasks.find(id).orElseThrow().status()).isEqualTo(JobStatus.DEAD);
		this.sampleTasks.providerDown(false);

		open("#/jobs/" + id);
		browser.waiting().until(ExpectedConditions.elementToBeClickable(By.id("retry-job"))).click();
		browser.waiting().until(ExpectedConditions.textToBe(By.id("job-status"), "SUCCEEDED"));
		assertThat(this.tasks.find(id).orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(browser.driver.findElement(By.id("job-result")).getText()).isEqualTo("\"charged customer-retried\"");
	}

	@Test
	void everyRequestNeedsTheRoleAndEveryWriteTheCsrfToken() throws Exception {
		this.sampleTasks.providerDown(true);
		JobId id = this.tasks.enqueue(EnqueueRequest.of("charge-card", "customer-guarded"));
		this.taskito.awaitIdle(Duration.ofSeconds(20));

		Http anonymous = new Http(this.port, null, null);
		assertThat(anonymous.get("/taskito/api/overview").statusCode()).isEqualTo(401);
		assertThat(anonymous.get("/taskito/").statusCode()).isEqualTo(401);
		// The application's own paths keep Spring Boot's default security, not the dashboard's chain.
		assertThat(anonymous.get("/hello").statusCode()).isEqualTo(401);

		Http viewer = new Http(this.port, "viewer", "viewer");
		assertThat(viewer.get("/taskito/api/overview").statusCode()).isEqualTo(403);
		assertThat(viewer.get("/taskito/api/jobs/" + id).statusCode()).isEqualTo(403);
		// Spring Security checks the CSRF token before it reads the credentials: refused either way.
		assertThat(viewer.post("/taskito/api/jobs/" + id + "/retry", false).statusCode()).isIn(401, 403);
		assertThat(viewer.get("/hello").statusCode()).as("the viewer may use the rest of the application")
			.isEqualTo(200);

		Http admin = new Http(this.port, "admin", "admin");
		var page = admin.get("/taskito/");
		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying((csp) -> assertThat(csp)
			.contains("script-src 'self'").contains("object-src 'none'").contains("frame-ancestors 'none'")
			.doesNotContain("unsafe-inline"));
		assertThat(admin.post("/taskito/api/jobs/" + id + "/retry", false).statusCode()).as("no CSRF token")
			.isIn(401, 403);
		assertThat(viewer.post("/taskito/api/schedules/refresh-rates/pause", true).statusCode()).isIn(401, 403);
		assertThat(admin.post("/taskito/api/schedules/refresh-rates/pause", false).statusCode()).as("no CSRF token")
			.isIn(401, 403);
		assertThat(admin.get("/taskito/api/schedules/refresh-rates/pause").statusCode()).as("a GET never pauses")
			.isIn(404, 405);
		assertThat(schedule("refresh-rates").paused()).isFalse();
		assertThat(admin.get("/taskito/api/jobs/" + id + "/retry").statusCode()).as("a GET never retries")
			.isIn(404, 405);
		assertThat(this.tasks.find(id).orElseThrow().status()).isEqualTo(JobStatus.DEAD);
		this.sampleTasks.providerDown(false);
		assertThat(admin.post("/taskito/api/jobs/" + id + "/retry", true).statusCode()).isEqualTo(200);
		assertThat(this.tasks.awaitFinished(id, Duration.ofSeconds(20)).status()).isEqualTo(JobStatus.SUCCEEDED);
	}

	private ScheduleView schedule(String task) {
		return this.tasks.schedules().stream().filter((view) -> view.task().equals(task)).findFirst().orElseThrow();
	}

	private void open(String fragment) {
		browser.driver.get("http://localhost:" + this.port + "/taskito/" + fragment);
		browser.driver.navigate().refresh();
	}

	/**
	 * Keeps a picture of what the test just checked under {@code target/}; with
	 * {@code -Dtaskito.screenshots=docs} also as the README's picture, so that an ordinary
	 * build leaves the work tree as it was.
	 */
	private void screenshot(String name) throws Exception {
		Path shot = browser.driver.getScreenshotAs(OutputType.FILE).toPath();
		Path target = Path.of("target", "screenshots");
		Files.createDirectories(target);
		Files.copy(shot, target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
		Path images = Path.of("..", "..", "docs", "images");
		if ("docs".equals(System.getProperty("taskito.screenshots")) && Files.isDirectory(images)) {
			Files.copy(shot, images.resolve(name), StandardCopyOption.REPLACE_EXISTING);
		}
	}

}
