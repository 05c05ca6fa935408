package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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
 * the API shows that job as PENDING and this release claims it within its cap per key. On
 * PostgreSQL, 0.3's reaper and retries, which set PENDING, leave a keyed job KEYED in its
 * key's round (the schema's trigger).
 */
class JdbcKeyedJobsAcrossReleasesTest {

	abstract static class OnStore {

		abstract DataSource dataSource();

		abstract JdbcDialect dialect();

		abstract String prefix();

		@Test
		void tablesOf03AreUpgradedAndTheClaimOf03NeverTakesAKeyedJob() throws Exception {
			String prefix = prefix();
			createTablesOf03(prefix);
			JdbcClaimStore store = JdbcClaimStore.builder(dataSource()).tablePrefix(prefix).build();
			store.start();
			List<NewJob> jobs = new ArrayList<>();
			for (int i = 0; i < 5; i++) {
				jobs.add(new NewJob(JobId.newId(), "t", "default", "[]", 0, Duration.ZERO, null, null, 3, null, Map.of(),
						"tenant-a"));
			}
			List<JobId> ids = store.enqueue(jobs);

			// An instance of 0.3 claims with 0.3's statements: it finds nothing to claim.
			assertThat(claimWith03(prefix)).as("0.3's claim takes keyed jobs").isEmpty();
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

		/**
		 * Creates the tables as 0.3's schema file did.
		 */
		void createTablesOf03(String prefix) throws Exception {
			String oldSchema = JdbcStatements.read("dev/taskito/store/jdbc/schema-0.3-" + dialect().name() + ".sql")
				.replace(JdbcStatements.PREFIX_PLACEHOLDER, prefix);
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (String ddl : oldSchema.split(";\\s*\\n")) {
					if (!ddl.lines().allMatch((line) -> line.isBlank() || line.trim().startsWith("--"))) {
						statement.execute(ddl);
					}
				}
			}
		}

		JdbcStatements statementsOf03(String prefix) {
			return JdbcStatements.load(dialect(), prefix, "dev/taskito/store/jdbc/queries-0.3-" + dialect().name() + ".sql");
		}

		/**
		 * Claims task t on the default queue as an instance of 0.3 does, with 0.3's statements.
		 */
		List<ClaimedJob> claimWith03(String prefix) throws Exception {
			Map<String, Integer> taskLimits = new LinkedHashMap<>(Map.of("t", 8));
			ClaimPlan plan = new ClaimPlan("old-release", UUID.randomUUID(), 30_000, 8, List.of("default"), taskLimits,
					new LinkedHashMap<>(), Map.of(), Map.of(), List.of());
			try (Connection connection = dataSource().getConnection()) {
				connection.setAutoCommit(dialect().claimsInOneRoundTrip());
				List<ClaimedJob> claimed = dialect().claim(connection, statementsOf03(prefix), plan);
				if (!connection.getAutoCommit()) {
					connection.commit();
				}
				return claimed;
			}
		}

		Map<String, String> statusesByKey(String prefix) throws Exception {
			Map<String, String> statuses = new java.util.TreeMap<>();
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement();
					ResultSet rs = statement.executeQuery("SELECT concurrency_key, status FROM " + prefix + "jobs")) {
				while (rs.next()) {
					statuses.put(rs.getString(1), rs.getString(2));
				}
			}
			return statuses;
		}

		List<String> keysInTheRound(String prefix) throws Exception {
			List<String> keys = new ArrayList<>();
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement();
					ResultSet rs = statement.executeQuery(
							"SELECT concurrency_key FROM " + prefix + "job_keys ORDER BY concurrency_key")) {
				while (rs.next()) {
					keys.add(rs.getString(1));
				}
			}
			return keys;
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

		/**
		 * An instance of this release claims keyed jobs and dies; an instance of 0.3 takes them
		 * back with its reaper, which sets PENDING (or DEAD), and retries the dead ones with its
		 * retry and bulk retry, which set PENDING: the jobs must still wait as KEYED in their
		 * keys' round, out of reach of 0.3's claim and of this release's unkeyed claim.
		 */
		@Test
		void theReaperAndTheRetriesOf03PutAKeyedJobBackAsKeyedInItsKeysRound() throws Exception {
			createTablesOf03(this.prefix);
			JdbcClaimStore store = JdbcClaimStore.builder(dataSource()).tablePrefix(this.prefix).build();
			store.start();
			// tenant-a's job has retries left; tenant-b's and tenant-c's have none, so the reap kills them.
			List<JobId> ids = store.enqueue(List.of(keyed("tenant-a", 3), keyed("tenant-b", 0), keyed("tenant-c", 0)));
			ClaimRequest request = new ClaimRequest("new-release", Duration.ofSeconds(30), 8, Set.of("default"),
					Map.of("t", 8), Map.of()).withKeyCaps(Map.of("t", 1));
			assertThat(store.claim(request, UUID.randomUUID())).hasSize(3);
			// The next claim finds the keys without waiting jobs and drops them from the round.
			assertThat(store.claim(request, UUID.randomUUID())).isEmpty();
			assertThat(keysInTheRound(this.prefix)).isEmpty();
			store.close();

			// The instance that claimed them died: their leases expired. An instance of 0.3 reaps.
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				statement.executeUpdate("UPDATE " + this.prefix
						+ "claims SET lease_expires_at = clock_timestamp() - interval '1 minute'");
			}
			JdbcStatements old = statementsOf03(this.prefix);
			// 0.3's statement reports the status it wrote; the trigger runs after it, in the same
			// transaction, and the stored job is KEYED (below).
			assertThat(reapWith03(old)).containsOnlyKeys(ids.get(0).value(), ids.get(1).value(), ids.get(2).value())
				.containsEntry(ids.get(0).value(), "PENDING");
			assertThat(statusesByKey(this.prefix)).containsEntry("tenant-a", "KEYED")
				.containsEntry("tenant-b", "DEAD")
				.containsEntry("tenant-c", "DEAD");
			assertThat(keysInTheRound(this.prefix)).containsExactly("tenant-a");

			// The instance of 0.3 retries the dead ones, one alone and one in a bulk step.
			try (Connection connection = dataSource().getConnection()) {
				try (PreparedStatement ps = connection.prepareStatement(old.get("retry"))) {
					ps.setObject(1, ids.get(1).value());
					assertThat(ps.executeUpdate()).isEqualTo(1);
				}
				try (PreparedStatement ps = connection.prepareStatement(old.get("retry-jobs"))) {
					ps.setArray(1, connection.createArrayOf("uuid", new Object[] { ids.get(2).value() }));
					ps.executeQuery().close();
				}
			}
			assertThat(statusesByKey(this.prefix)).containsOnly(Map.entry("tenant-a", "KEYED"),
					Map.entry("tenant-b", "KEYED"), Map.entry("tenant-c", "KEYED"));
			assertThat(keysInTheRound(this.prefix)).containsExactly("tenant-a", "tenant-b", "tenant-c");
			assertThat(claimWith03(this.prefix)).as("0.3's claim takes keyed jobs").isEmpty();

			// This release claims them again, each within its key's cap.
			JdbcClaimStore next = JdbcClaimStore.builder(dataSource()).tablePrefix(this.prefix).build();
			next.start();
			assertThat(next.find(ids.get(1))).get().extracting(JobView::status).isEqualTo(JobStatus.PENDING);
			List<ClaimedJob> claimed = next.claim(request, UUID.randomUUID());
			assertThat(claimed).extracting(ClaimedJob::id).containsExactlyInAnyOrderElementsOf(ids);
			for (String key : List.of("tenant-a", "tenant-b", "tenant-c")) {
				assertThat(next.countClaims(Set.of("t"), Set.of(), Set.of(new TaskKey("t", key)))
					.key(new TaskKey("t", key))).isEqualTo(1);
			}
			next.close();
		}

		/**
		 * Tables of this release made before the trigger existed are not complete: the next
		 * start adds it.
		 */
		@Test
		void aStartOnTablesWithoutTheTriggerAddsIt() throws Exception {
			JdbcClaimStore store = JdbcClaimStore.builder(dataSource()).tablePrefix(this.prefix).build();
			store.start();
			store.close();
			assertThat(triggers()).containsExactly(this.prefix + "jobs_keep_keyed");
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				statement.execute("DROP TRIGGER " + this.prefix + "jobs_keep_keyed ON " + this.prefix + "jobs");
			}
			JdbcClaimStore again = JdbcClaimStore.builder(dataSource()).tablePrefix(this.prefix).build();
			again.start();
			again.close();
			assertThat(triggers()).containsExactly(this.prefix + "jobs_keep_keyed");
		}

		private List<String> triggers() throws Exception {
			List<String> names = new ArrayList<>();
			try (Connection connection = dataSource().getConnection();
					PreparedStatement ps = connection.prepareStatement("SELECT tgname FROM pg_trigger "
							+ "WHERE tgrelid = ?::regclass AND NOT tgisinternal")) {
				ps.setString(1, this.prefix + "jobs");
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						names.add(rs.getString(1));
					}
				}
			}
			return names;
		}

		private NewJob keyed(String key, int maxRetries) {
			return new NewJob(JobId.newId(), "t", "default", "[]", 0, Duration.ZERO, null, null, maxRetries, null,
					Map.of(), key);
		}

		/**
		 * Runs 0.3's reap (its three statements, in one transaction, as 0.3's reaper does) with
		 * no grace period.
		 * @return the status each reaped job got, by job id
		 */
		private Map<UUID, String> reapWith03(JdbcStatements old) throws Exception {
			OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
			Map<UUID, String> reaped = new LinkedHashMap<>();
			try (Connection connection = dataSource().getConnection()) {
				connection.setAutoCommit(false);
				List<UUID> ids = new ArrayList<>();
				List<UUID> tokens = new ArrayList<>();
				try (PreparedStatement ps = connection.prepareStatement(old.get("reap-candidates"))) {
					ps.setLong(1, 0);
					ps.setObject(2, now);
					try (ResultSet rs = ps.executeQuery()) {
						while (rs.next()) {
							ids.add(rs.getObject("id", UUID.class));
							tokens.add(rs.getObject("claim_token", UUID.class));
						}
					}
				}
				List<UUID> taken = new ArrayList<>();
				try (PreparedStatement ps = connection.prepareStatement(old.get("reap-delete-claims"))) {
					ps.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
					ps.setArray(2, connection.createArrayOf("uuid", tokens.toArray()));
					ps.setLong(3, 0);
					ps.setObject(4, now);
					try (ResultSet rs = ps.executeQuery()) {
						while (rs.next()) {
							taken.add(rs.getObject("job_id", UUID.class));
						}
					}
				}
				try (PreparedStatement ps = connection.prepareStatement(old.get("reap-jobs"))) {
					ps.setArray(1, connection.createArrayOf("uuid", taken.toArray()));
					ps.setArray(2, connection.createArrayOf("text",
							taken.stream().map((id) -> "its instance died").toArray()));
					try (ResultSet rs = ps.executeQuery()) {
						while (rs.next()) {
							reaped.put(rs.getObject("id", UUID.class), rs.getString("status"));
						}
					}
				}
				connection.commit();
			}
			return reaped;
		}

	}

}
