package dev.taskito.samples.dashboard;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.TaskQueue;
import dev.taskito.spring.boot.test.TaskitoTestSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in read-only mode (the default): it shows dead jobs, offers no action and
 * refuses one sent anyway, even by a user with the role and a CSRF token.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sample.workload=false", "taskito.dashboard.read-only=true" })
class DashboardReadOnlyBrowserTests {

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
	void writeButtonsAreAbsentAndWritesRefused() throws Exception {
		this.sampleTasks.providerDown(true);
		JobId id = this.tasks.enqueue(EnqueueRequest.of("charge-card", "customer-read-only"));
		this.taskito.awaitIdle(Duration.ofSeconds(20));

		browser.driver.get("http://localhost:" + this.port + "/taskito/#/jobs?status=DEAD");
		browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-job='" + id + "']")));
		assertThat(browser.driver.findElement(By.id("banner")).getText()).startsWith("Read-only:")
			.contains("taskito.dashboard.read-only");
		assertThat(browser.driver.findElements(By.tagName("button"))).extracting((button) -> button.getText())
			.as("only the filter button").containsExactly("Filter");
		browser.driver.get("http://localhost:" + this.port + "/taskito/#/");
		browser.driver.navigate().refresh();
		browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-queue='default']")));
		assertThat(browser.driver.findElements(By.tagName("button"))).isEmpty();

		Http admin = new Http(this.port, "admin", "admin");
		assertThat(admin.get("/taskito/api/session").statusCode()).isEqualTo(200);
		var refused = admin.post("/taskito/api/jobs/" + id + "/retry", true);
		assertThat(refused.statusCode()).isEqualTo(403);
		assertThat(refused.body()).contains("read-only");
		assertThat(admin.post("/taskito/api/queues/default/pause", true).statusCode()).isEqualTo(403);
		assertThat(admin.post("/taskito/api/schedules/refresh-rates/pause", true).statusCode()).isEqualTo(403);
		assertThat(this.tasks.schedules()).allSatisfy((schedule) -> assertThat(schedule.paused()).isFalse());
		assertThat(this.tasks.find(id).orElseThrow().status()).isEqualTo(JobStatus.DEAD);
		assertThat(this.tasks.pausedQueues()).isEmpty();
	}

}
