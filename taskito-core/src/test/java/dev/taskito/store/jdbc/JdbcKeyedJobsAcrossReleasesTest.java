package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.NewJob;
import dev.taskito.store.TaskKey;
import dev.taskito.testsupport.TestH2;
import dev.taskito.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Caps per key across releases on the JDBC stores: tables made by 0.3's schema file are
 * upgraded in place (and the file still runs again), and 0.3's claim, kept as a fixture
 * (queries-0.3-*.sql), never claims a keyed job, which waits as KEYED where it does not look;
 * the API shows that job as PENDING and this release claims it within its cap per key.
 */
class JdbcKeyedJobsAcrossReleasesTest {

	abstract static class OnStore {

		abstract DataSource dataSource();

		abstract JdbcDialect dialect();

		abstract String prefix();

		@Test
		void tablesOf03AreUpgradedAndTheClaimOf03NeverTakesAKeyedJob() throws Exception {
			String prefix = prefix();
			String oldSchema = JdbcStatements.read("dev/taskito/store/jdbc/schema-0.3-" + dialect().name() + ".sql")
				.replace(JdbcStatements.PREFIX_PLACEHOLDER, prefix);
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (String ddl : oldSchema.split(";\\s*\\n")) {
					if (!ddl.lines().allMatch((line) -> line.isBlank() || line.trim().startsWith("--"))) {
						statement.execute(ddl);
					}
				}
			}
			JdbcClaimStore store = JdbcClaimStore.builder(dataSource()).tablePrefix(prefix).build();
			store.start();
			List<NewJob> jobs = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				jobs.add(new NewJob(JobId.newId(), "t", "default", "[]", 0, Duration.ZERO, null, null, 3, null, Map.of(),
						"tenant-a"));
			}
			List<JobId> ids = store.enqueue(jobs);

			// An instance of 0.3 claims with 0.3's statements: it finds nothing to claim.
			JdbcStatements old = JdbcStatements.load(dialect(), prefix,
					"dev/taskito/store/jdbc/queries-0.3-" + dialect().name() + ".sql");
			Map<String, Integer> taskLimits = new LinkedHashMap<>(Map.of("t", 8));
			ClaimPlan plan = new ClaimPlan("old-release", UUID.randomUUID(), 30_000, 8, List.of("default"), taskLimits,
					new LinkedHashMap<>(), Map.of(), Map.of(), List.of());
			try (Connection connection = dataSource().getConnection()) {
				connection.setAutoCommit(dialect().claimsInOneRoundTrip());
				List<ClaimedJob> claimedByOld = dialect().claim(connection, old, plan);
				if (!connection.getAutoCommit()) {
					connection.commit();
				}
				assertThat(claimedByOld).as("0.3's claim takes keyed jobs").isEmpty();
			}
			assertThat(statuses(prefix)).containsOnly("KEYED");
			assertThat(store.find(ids.get(0))).get().satisfies((job) -> {
				assertThat(job.status()).isEqualTo(JobStatus.PENDING);
				assertThat(job.concurrencyKey()).isEqualTo("tenant-a");
			});

			// The schema file runs again, twice, harmlessly.
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (int run = 0; run < 2; run++) {
					for (String ddl : JdbcStatements.load(dialect(), prefix).schema()) {
						statement.execute(ddl);
					}
				}
			}

			// This release claims them, within the cap per key, and counts them per key.
			ClaimRequest request = new ClaimRequest("new-release", Duration.ofSeconds(30), 8, Set.of("default"),
					Map.of("t", 8), Map.of()).withKeyCaps(Map.of("t", 2));
			List<ClaimedJob> claimed = store.claim(request, UUID.randomUUID());
			assertThat(claimed).hasSize(2).allSatisfy((job) -> assertThat(job.concurrencyKey()).isEqualTo("tenant-a"));
			assertThat(claimed).extracting(ClaimedJob::id).containsExactly(ids.get(0), ids.get(1));
			assertThat(store.countClaims(Set.of("t"), Set.of(), Set.of(new TaskKey("t", "tenant-a")))
				.key(new TaskKey("t", "tenant-a"))).isEqualTo(2);
			assertThat(store.jobs(dev.taskito.JobQuery.all().status(JobStatus.PENDING)))
				.extracting(JobView::id).containsExactlyElementsOf(ids.subList(2, 5));
			store.close();
		}

		private List<String> statuses(String prefix) throws Exception {
			List<String> statuses = new ArrayList<>();
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement();
					ResultSet rs = statement.executeQuery("SELECT status FROM " + prefix + "jobs")) {
				while (rs.next()) {
					statuses.add(rs.getString(1));
				}
			}
			return statuses;
		}

	}

	@Nested
	class OnH2 extends OnStore {

		private final DataSource dataSource = TestH2.newDataSource();

		@AfterEach
		void drop() {
			TestH2.shutdown(this.dataSource);
		}

		@Override
		DataSource dataSource() {
			return this.dataSource;
		}

		@Override
		JdbcDialect dialect() {
			return new H2Dialect();
		}

		@Override
		String prefix() {
			return "taskito_";
		}

	}

	@Nested
	class OnPostgres extends OnStore {

		private final String prefix = TestPostgres.newTablePrefix();

		@AfterEach
		void drop() {
			TestPostgres.dropTables(this.prefix);
		}

		@Override
		DataSource dataSource() {
			return TestPostgres.dataSource();
		}

		@Override
		JdbcDialect dialect() {
			return new PostgresDialect();
		}

		@Override
		String prefix() {
			return this.prefix;
		}

	}

}
