package dev.taskito.spring.boot.autoconfigure.e2e;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.spring.boot.autoconfigure.TaskitoDispatcherDataSource;
import dev.taskito.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An application on PostgreSQL through Spring Boot's own HikariCP pool: the dispatcher's
 * connections come from Taskito's pool, not the application's, so a job still runs, and
 * its outcome lands, while the application holds every connection of its own pool.
 */
@SpringBootTest(classes = EndToEndApplication.WithDataSource.class)
@DirtiesContext
class PostgresDispatcherPoolEndToEndTests {

	static final String PREFIX = TestPostgres.newTablePrefix();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		HikariDataSource shared = (HikariDataSource) TestPostgres.dataSource();
		registry.add("spring.datasource.url", shared::getJdbcUrl);
		registry.add("spring.datasource.username", shared::getUsername);
		registry.add("spring.datasource.password", () -> (shared.getPassword() != null) ? shared.getPassword() : "");
		registry.add("spring.datasource.hikari.pool-name", () -> "application");
		registry.add("spring.datasource.hikari.maximum-pool-size", () -> "2");
		registry.add("taskito.jdbc.table-prefix", () -> PREFIX);
		// Paused at start, so the job waits until the application's pool is exhausted.
		registry.add("taskito.queues.default.paused", () -> "true");
		EndToEndChecks.addProperties(registry);
	}

	@AfterAll
	static void dropTables() {
		TestPostgres.dropTables(PREFIX);
	}

	@Autowired
	ApplicationContext context;

	@Test
	void theDispatcherRunsJobsWhileTheApplicationHoldsEveryConnectionOfItsPool() throws Exception {
		HikariDataSource application = this.context.getBean(HikariDataSource.class);
		assertThat(application.getPoolName()).isEqualTo("application");
		assertThat(this.context.getBean(TaskitoDispatcherDataSource.class).getDataSource())
			.isInstanceOfSatisfying(HikariDataSource.class, (own) -> assertThat(own.getPoolName()).isEqualTo("taskito"));
		TaskQueue queue = this.context.getBean(TaskQueue.class);
		JobId id = queue.enqueue("record", "exhausted", List.of(1));
		DataSource dataSource = this.context.getBean(DataSource.class);
		try (Connection first = dataSource.getConnection(); Connection second = dataSource.getConnection()) {
			assertThat(application.getHikariPoolMXBean().getIdleConnections()).isZero();
			this.context.getBean(TaskDispatcher.class).resumeQueue("default");
			await().atMost(Duration.ofSeconds(30))
				.until(() -> queue.find(id).map(JobView::status).orElse(null) == JobStatus.SUCCEEDED);
			assertThat(queue.find(id).orElseThrow().result()).contains("exhausted");
			// PostgreSQL sees the dispatcher's connections under their own application name.
			try (Statement statement = first.createStatement();
					ResultSet rows = statement.executeQuery("SELECT count(*) FROM pg_stat_activity "
							+ "WHERE application_name = 'taskito' AND datname = current_database()")) {
				rows.next();
				assertThat(rows.getInt(1)).isPositive();
			}
			try (Statement statement = second.createStatement();
					ResultSet rows = statement.executeQuery(
							"SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
				rows.next();
				assertThat(rows.getString(1)).isNotEqualTo("taskito");
			}
		}
	}

}
