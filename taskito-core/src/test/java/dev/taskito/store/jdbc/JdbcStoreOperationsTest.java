package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.ClusterGauges;
import dev.taskito.store.ClusterGauges.QueueGauge;
import dev.taskito.store.ClusterGauges.TaskGauge;
import dev.taskito.store.FinishAndClaim;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.ScheduleRecord;
import dev.taskito.store.ScheduleTick;
import dev.taskito.store.ServedWork;
import dev.taskito.testsupport.TestH2;
import dev.taskito.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * What only the JDBC store promises for the operations API: tables of version 0.1 upgraded
 * in place, the databases' id order agreeing with {@link JobId}'s, announcements only for
 * awaited jobs from every statement that finishes one, and (on PostgreSQL) listing served by
 * index whatever else the table holds.
 */
class JdbcStoreOperationsTest {

	/**
	 * The cases, run on each database.
	 */
	abstract static class Cases {

		private final List<JdbcClaimStore> stores = new ArrayList<>();

		private final List<String> prefixes = new ArrayList<>();

		abstract DataSource dataSource();

		abstract void dropTables(String prefix);

		abstract void dropDatabase();

		abstract JdbcDialect dialect();

		/**
		 * @return the lower-case names of a table's indexes
		 */
		abstract Set<String> indexes(String table) throws SQLException;

		/**
		 * @return the index the listing reads on this dialect (without the prefix)
		 */
		abstract String listingIndex();

		/**
		 * @return indexes of earlier versions that the listing's index replaced, which a start
		 *         drops (without the prefix)
		 */
		abstract List<String> replacedIndexes();

		String newPrefix() {
			String prefix = TestPostgres.newTablePrefix();
			this.prefixes.add(prefix);
			return prefix;
		}

		JdbcClaimStore store(String prefix) {
			JdbcClaimStore store = JdbcClaimStore.builder(dataSource()).tablePrefix(prefix).build();
			this.stores.add(store);
			return store;
		}

		@AfterEach
		void cleanUp() {
			try {
				this.stores.forEach(JdbcClaimStore::close);
				this.prefixes.forEach(this::dropTables);
			}
			finally {
				dropDatabase();
			}
		}

		@Test
		void tablesOfVersion01AreUpgradedInPlaceAndTheSchemaFileRunsAgainHarmlessly() throws SQLException {
			String prefix = newPrefix();
			String oldSchema = JdbcStatements.read("dev/taskito/store/jdbc/schema-0.1-" + dialect().name() + ".sql")
				.replace(JdbcStatements.PREFIX_PLACEHOLDER, prefix);
			JobId old = JobId.newId();
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (String ddl : statements(oldSchema)) {
					statement.execute(ddl);
				}
				// A job stored by version 0.1, and a queue it paused.
				statement.execute("INSERT INTO " + prefix + "jobs (id, task, queue, payload, status, max_retries, "
						+ "created_at, run_at) VALUES ('" + old + "', 'old', 'default', '[]', 'PENDING', 3, "
						+ "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
				statement.execute("INSERT INTO " + prefix + "queues (queue, paused) VALUES ('mail', TRUE)");
			}
			assertThat(indexes(prefix + "jobs")).doesNotContain(prefix + listingIndex());

			JdbcClaimStore store = store(prefix);
			store.start();
			assertThat(indexes(prefix + "jobs")).contains(prefix + listingIndex(), prefix + "jobs_pending")
				.doesNotContainAnyElementsOf(replacedIndexes().stream().map((name) -> prefix + name).toList());
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				statement.executeQuery("SELECT awaited FROM " + prefix + "jobs").close();
				statement.executeQuery("SELECT configured_paused FROM " + prefix + "queues").close();
			}
			assertThat(store.jobs(JobQuery.all())).extracting(JobView::id).containsExactly(old);
			assertThat(store.count(JobQuery.all().status(JobStatus.PENDING).task("old"))).isEqualTo(1);
			assertThat(store.pausedQueues()).containsExactly("mail");
			assertThat(store.applyConfiguredPause("mail", true)).as("never configured in 0.1").isTrue();

			// Users who manage the schema run the file on every upgrade: again and again.
			List<String> schema = JdbcStatements.load(dialect(), prefix).schema();
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (int run = 0; run < 2; run++) {
					for (String ddl : schema) {
						statement.execute(ddl);
					}
				}
			}
			JdbcClaimStore again = store(prefix);
			again.start();
			assertThat(again.watch(old)).get().extracting(JobView::status).isEqualTo(JobStatus.PENDING);
			assertThat(again.jobs(JobQuery.all())).extracting(JobView::id).containsExactly(old);
			assertThat(again.applyConfiguredPause("mail", true)).isFalse();
		}

		@Test
		void tablesOfVersion02WithAJobGainTheHeadersColumnInPlaceAndTheSchemaFileRunsAgainHarmlessly()
				throws SQLException {
			String prefix = newPrefix();
			String oldSchema = JdbcStatements.read("dev/taskito/store/jdbc/schema-0.2-" + dialect().name() + ".sql")
				.replace(JdbcStatements.PREFIX_PLACEHOLDER, prefix);
			JobId old = JobId.newId();
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (String ddl : statements(oldSchema)) {
					statement.execute(ddl);
				}
				// A job stored by version 0.2, due a minute ago.
				statement.execute("INSERT INTO " + prefix + "jobs (id, task, queue, payload, status, max_retries, "
						+ "created_at, run_at) VALUES ('" + old + "', 'old', 'default', '[]', 'PENDING', 3, "
						+ "CURRENT_TIMESTAMP, TIMESTAMP WITH TIME ZONE '2020-01-02 03:04:05.678+00')");
			}
			assertThat(columns(prefix + "jobs")).doesNotContain("headers");

			JdbcClaimStore store = store(prefix);
			store.start();
			assertThat(columns(prefix + "jobs")).contains("headers");
			assertThat(store.jobs(JobQuery.all())).extracting(JobView::id).containsExactly(old);
			assertThat(store.gauges(10).queues()).singleElement()
				.satisfies((queue) -> assertThat(queue.oldestDueAt()).isEqualTo(Instant.parse("2020-01-02T03:04:05.678Z")));
			ClaimedJob claimed = claim(store, "old").get(0);
			assertThat(claimed.id()).isEqualTo(old);
			assertThat(claimed.headers()).as("a job of 0.2 has no headers").isEmpty();
			assertThat(claimed.dueAt()).isEqualTo(Instant.parse("2020-01-02T03:04:05.678Z"));

			// Users who manage the schema run the file on every upgrade: again and again.
			List<String> schema = JdbcStatements.load(dialect(), prefix).schema();
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (int run = 0; run < 2; run++) {
					for (String ddl : schema) {
						statement.execute(ddl);
					}
				}
			}
			JdbcClaimStore again = store(prefix);
			again.start();
			assertThat(again.find(old)).get().extracting(JobView::status).isEqualTo(JobStatus.RUNNING);
			NewJob traced = new NewJob(JobId.newId(), "new", "default", "[]", 0, Duration.ZERO, null, null, 3, null,
					Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
			again.enqueue(List.of(traced));
			assertThat(claim(again, "new")).singleElement()
				.satisfies((job) -> assertThat(job.headers()).isEqualTo(traced.headers()));
		}

		@Test
		void tablesOfVersion03WithAJobGainTheSchedulesTableAndTheScheduledForColumnInPlaceAndTheFileRunsAgain()
				throws SQLException {
			String prefix = newPrefix();
			String oldSchema = JdbcStatements.read("dev/taskito/store/jdbc/schema-0.3-" + dialect().name() + ".sql")
				.replace(JdbcStatements.PREFIX_PLACEHOLDER, prefix);
			JobId old = JobId.newId();
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (String ddl : statements(oldSchema)) {
					statement.execute(ddl);
				}
				// A job stored by version 0.3.
				statement.execute("INSERT INTO " + prefix + "jobs (id, task, queue, payload, status, max_retries, "
						+ "created_at, run_at) VALUES ('" + old + "', 'old', 'default', '[]', 'PENDING', 3, "
						+ "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
			}
			assertThat(columns(prefix + "jobs")).doesNotContain("scheduled_for");
			assertThat(columns(prefix + "schedules")).isEmpty();

			JdbcClaimStore store = store(prefix);
			store.start();
			assertThat(columns(prefix + "jobs")).contains("scheduled_for");
			assertThat(columns(prefix + "schedules")).contains("task", "definition", "defined_at", "last_tick",
					"last_job_id", "paused", "skipped_ticks");
			assertThat(store.find(old)).get().extracting(JobView::scheduledFor).isNull();
			assertThat(claim(store, "old")).singleElement()
				.satisfies((job) -> assertThat(job.scheduledFor()).as("a job of 0.3 was enqueued by no schedule").isNull());

			// Users who manage the schema run the file on every upgrade: again and again.
			List<String> schema = JdbcStatements.load(dialect(), prefix).schema();
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (int run = 0; run < 2; run++) {
					for (String ddl : schema) {
						statement.execute(ddl);
					}
				}
			}
			JdbcClaimStore again = store(prefix);
			again.start();
			ScheduleRecord schedule = again.registerSchedule("report", "every second");
			Instant tick = schedule.lastTick().plusSeconds(1);
			assertThat(again.enqueueTick(new ScheduleTick("report", "every second", schedule.lastTick(), tick,
					new NewJob(JobId.newId(), "report", "default", "[]", 0, Duration.ZERO, null, null, 3, null))))
				.isEqualTo(ScheduleTick.Result.ENQUEUED);
			assertThat(again.jobs(JobQuery.all().task("report"))).singleElement()
				.extracting(JobView::scheduledFor).isEqualTo(tick);
		}

		@Test
		void tablesOfVersion02ThatMayNotBeChangedFailTheStartNamingTheMissingColumnAndTheFile() throws SQLException {
			String prefix = newPrefix();
			String oldSchema = JdbcStatements.read("dev/taskito/store/jdbc/schema-0.2-" + dialect().name() + ".sql")
				.replace(JdbcStatements.PREFIX_PLACEHOLDER, prefix);
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (String ddl : statements(oldSchema)) {
					statement.execute(ddl);
				}
			}
			JdbcClaimStore store = JdbcClaimStore.builder(dataSource()).tablePrefix(prefix).initializeSchema(false).build();
			this.stores.add(store);
			assertThatThrownBy(store::start).isInstanceOf(dev.taskito.TaskitoException.class)
				.hasMessageContaining(prefix + "jobs.headers")
				.hasMessageContaining(prefix + "schedules")
				.hasMessageContaining(JdbcClaimStore.INITIALIZE_SCHEMA_PROPERTY)
				.hasMessageContaining("schema-" + dialect().name() + ".sql");
			assertThat(columns(prefix + "jobs")).as("nothing was changed").doesNotContain("headers");

			// Once the file ran, as the message says, the store starts.
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (String ddl : JdbcStatements.load(dialect(), prefix).schema()) {
					statement.execute(ddl);
				}
			}
			JdbcClaimStore upgraded = JdbcClaimStore.builder(dataSource()).tablePrefix(prefix).initializeSchema(false)
				.build();
			this.stores.add(upgraded);
			upgraded.start();
			assertThat(upgraded.gauges(10).queues()).isEmpty();
		}

		/**
		 * @return the lower-case names of a table's columns
		 */
		private Set<String> columns(String table) throws SQLException {
			Set<String> names = new HashSet<>();
			try (Connection connection = dataSource().getConnection();
					ResultSet rs = connection.getMetaData().getColumns(null, null, null, null)) {
				while (rs.next()) {
					if (rs.getString("TABLE_NAME").equalsIgnoreCase(table)) {
						names.add(rs.getString("COLUMN_NAME").toLowerCase(java.util.Locale.ROOT));
					}
				}
			}
			return names;
		}

		@Test
		void theDatabaseOrdersIdsAsJobIdDoesUnsignedByteByByte() {
			JdbcClaimStore store = store(newPrefix());
			store.start();
			// Ids whose top bit (of the whole id, and of its second half) differs: a signed order
			// would put the ones with the bit set first.
			List<JobId> ids = new ArrayList<>();
			for (String id : List.of("7fffffff-ffff-ffff-ffff-ffffffffffff", "80000000-0000-0000-0000-000000000000",
					"00000000-0000-0000-7fff-ffffffffffff", "00000000-0000-0000-8000-000000000000",
					"ffffffff-ffff-ffff-ffff-ffffffffffff", "00000000-0000-0000-0000-000000000000",
					"00000000-0000-0000-ffff-ffffffffffff", "00000000-0000-0001-0000-000000000000")) {
				ids.add(JobId.parse(id));
			}
			List<NewJob> jobs = ids.stream()
				.map((id) -> new NewJob(id, "task", "default", "[]", 0, Duration.ZERO, null, null, 3, null))
				.toList();
			store.enqueue(jobs);
			List<JobId> sorted = new ArrayList<>(ids);
			Collections.sort(sorted);
			assertThat(store.jobs(JobQuery.all())).extracting(JobView::id).containsExactlyElementsOf(sorted);
			List<JobId> walked = new ArrayList<>();
			List<JobView> page = store.jobs(JobQuery.all().limit(1));
			while (!page.isEmpty()) {
				walked.add(page.get(0).id());
				page = store.jobs(JobQuery.all().limit(1).after(page.get(0).id()));
			}
			assertThat(walked).containsExactlyElementsOf(sorted);
			assertThat(store.newestId(JobQuery.all())).contains(sorted.get(sorted.size() - 1));
			assertThat(store.count(JobQuery.all().after(sorted.get(3)))).isEqualTo(sorted.size() - 4);
			assertThat(store.cancelStep(JobQuery.all().status(JobStatus.PENDING).after(sorted.get(1)).limit(2),
					sorted.get(5)).last()).isEqualTo(sorted.get(3));
		}

		@Test
		void onlyAwaitedJobsAreAnnouncedByEveryStatementThatFinishesOne() throws SQLException {
			String prefix = newPrefix();
			JdbcClaimStore store = store(prefix);
			JdbcClaimStore other = store(prefix);
			store.start();
			other.start();
			List<JobId> told = new CopyOnWriteArrayList<>();
			other.addFinishedListener(told::add);
			Map<String, List<NewJob>> jobs = new java.util.LinkedHashMap<>();
			for (String task : List.of("succeeds", "dies", "retried", "cancelled", "bulk", "reaped", "together")) {
				List<NewJob> pair = List.of(job(task, 0), job(task, 0));
				jobs.put(task, pair);
				store.enqueue(pair);
				// The first of each pair is awaited, the second not.
				assertThat(store.watch(pair.get(0).id())).isPresent();
			}

			store.finish(outcomes(claim(store, "succeeds"), (claim) -> new Outcome.Succeeded(claim, "1")), false);
			store.finish(outcomes(claim(store, "dies"), (claim) -> new Outcome.Failed(claim, "boom", null)), false);
			store.finish(outcomes(claim(store, "retried"), (claim) -> new Outcome.Failed(claim, "again",
					Duration.ofHours(1))), false);
			for (NewJob job : jobs.get("cancelled")) {
				assertThat(store.cancel(job.id())).isTrue();
			}
			JobQuery bulk = JobQuery.all().status(JobStatus.PENDING).task("bulk");
			assertThat(store.cancelStep(bulk, store.newestId(bulk).orElseThrow()).changed()).isEqualTo(2);
			claim(store, "reaped");
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				statement.execute("DELETE FROM " + prefix + "claims");
			}
			Instant connectedAt = store.heartbeat(new Heartbeat("reaper", Duration.ofSeconds(30), Map.of(), Map.of(),
					ServedWork.NONE, List.of())).storeTime();
			assertThat(store.reap(Duration.ofHours(1), connectedAt)).hasSize(2)
				.allSatisfy((reaped) -> assertThat(reaped.status()).isEqualTo(JobStatus.DEAD));
			List<ClaimedJob> together = claim(store, "together");
			FinishAndClaim finishAndClaim = store.finishAndClaim(
					outcomes(together, (claim) -> new Outcome.Succeeded(claim, "2")), true,
					new ClaimRequest("instance", Duration.ofSeconds(30), 1, Set.of("default"), Map.of("none", 1),
							Map.of()),
					UUID.randomUUID());
			assertThat(finishAndClaim.recorded()).hasSize(2);

			Set<JobId> awaited = new HashSet<>();
			jobs.forEach((task, pair) -> {
				// A failure with a retry left is not an end.
				if (!task.equals("retried")) {
					awaited.add(pair.get(0).id());
				}
			});
			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(told).containsAll(awaited));
			// The last finish was announced after every other (one channel, in commit order): any
			// other announcement would be here by now.
			assertThat(told).containsExactlyInAnyOrderElementsOf(awaited);
		}

		private static List<String> statements(String schema) {
			List<String> statements = new ArrayList<>();
			StringBuilder sql = new StringBuilder();
			for (String line : schema.split("\n")) {
				if (line.trim().startsWith("--") || line.isBlank()) {
					continue;
				}
				sql.append(line).append('\n');
				if (line.trim().endsWith(";")) {
					statements.add(sql.toString().trim().replaceAll(";$", ""));
					sql.setLength(0);
				}
			}
			return statements;
		}

		static NewJob job(String task, int maxRetries) {
			return new NewJob(JobId.newId(), task, "default", "[]", 0, Duration.ZERO, null, null, maxRetries, null);
		}

		static List<ClaimedJob> claim(JdbcClaimStore store, String task) {
			return store.claim(new ClaimRequest("instance", Duration.ofSeconds(30), 100, Set.of("default"),
					Map.of(task, 100), Map.of()), UUID.randomUUID());
		}

		static List<Outcome> outcomes(List<ClaimedJob> claimed,
				java.util.function.Function<dev.taskito.store.ClaimRef, Outcome> outcome) {
			return claimed.stream().map((job) -> outcome.apply(job.claim())).toList();
		}

	}

	@Nested
	class OnH2 extends Cases {

		private final DataSource dataSource = TestH2.newDataSource();

		@Override
		DataSource dataSource() {
			return this.dataSource;
		}

		@Override
		void dropTables(String prefix) {
		}

		@Override
		void dropDatabase() {
			TestH2.shutdown(this.dataSource);
		}

		@Override
		String listingIndex() {
			return "jobs_listing";
		}

		@Override
		List<String> replacedIndexes() {
			return List.of("jobs_running");
		}

		@Test
		void finishedCountsProbeJobsListing() throws SQLException {
			String prefix = newPrefix();
			store(prefix).start();
			JdbcStatements statements = JdbcStatements.load(new H2Dialect(), prefix);
			UUID from = JobId.lowestAt(Instant.now().minusSeconds(3600)).value();
			UUID to = JobId.lowestAt(Instant.now()).value();
			try (Connection connection = this.dataSource.getConnection()) {
				try (PreparedStatement ps = connection.prepareStatement("EXPLAIN " + statements.get("count-finished"))) {
					ps.setString(1, "DEAD");
					ps.setString(2, "task");
					ps.setString(3, "queue");
					ps.setObject(4, from);
					ps.setObject(5, to);
					assertThat(plan(ps)).containsIgnoringCase(prefix + "jobs_listing: ")
						.containsIgnoringCase("AND ID < ?5\n")
						.doesNotContainIgnoringCase("tableScan");
				}
				try (PreparedStatement ps = connection.prepareStatement("EXPLAIN " + statements.get("finished-pairs"))) {
					ps.setObject(1, from);
					assertThat(plan(ps)).containsIgnoringCase(prefix + "jobs_listing: ")
						.doesNotContainIgnoringCase("jobs.tableScan");
				}
			}
		}

		@Test
		void keyedGaugeAndStrandedProbesReadAnIndexOfTheirPair() throws SQLException {
			String prefix = newPrefix();
			store(prefix).start();
			JdbcStatements statements = JdbcStatements.load(new H2Dialect(), prefix);
			try (Connection connection = this.dataSource.getConnection()) {
				try (PreparedStatement ps = connection.prepareStatement("EXPLAIN " + statements.get("count-keyed"))) {
					ps.setString(1, "task");
					ps.setString(2, "queue");
					ps.setInt(3, 50);
					assertThat(plan(ps)).containsPattern("(?i)" + prefix + "jobs_(pending|listing): ")
						.doesNotContainIgnoringCase("tableScan");
				}
				try (PreparedStatement ps = connection.prepareStatement("EXPLAIN " + statements.get("keyed-pairs"))) {
					assertThat(plan(ps)).containsPattern("(?i)" + prefix + "jobs_(pending|listing): ")
						.doesNotContainIgnoringCase("jobs.tableScan");
				}
				try (PreparedStatement ps = connection.prepareStatement("EXPLAIN " + statements.get("gauge-earliest-due"))) {
					ps.setString(1, "task");
					ps.setString(2, "queue");
					ps.setString(3, "KEYED");
					ps.setInt(4, 0);
					ps.setObject(5, java.time.OffsetDateTime.now());
					assertThat(plan(ps)).containsPattern("(?i)" + prefix + "jobs_(pending|listing): ")
						.doesNotContainIgnoringCase("tableScan");
				}
			}
		}

		private static String plan(PreparedStatement ps) throws SQLException {
			try (ResultSet rs = ps.executeQuery()) {
				rs.next();
				return rs.getString(1);
			}
		}

		@Override
		JdbcDialect dialect() {
			return new H2Dialect();
		}

		@Override
		Set<String> indexes(String table) throws SQLException {
			Set<String> names = new HashSet<>();
			try (Connection connection = this.dataSource.getConnection();
					PreparedStatement ps = connection.prepareStatement("SELECT LOWER(INDEX_NAME) FROM "
							+ "INFORMATION_SCHEMA.INDEXES WHERE LOWER(TABLE_NAME) = ?")) {
				ps.setString(1, table);
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						names.add(rs.getString(1));
					}
				}
			}
			return names;
		}

	}

	@Nested
	class OnPostgres extends Cases {

		/** The most rows any step of a listing may touch in {@link #listingIsServedByIndexWhateverElseTheTableHolds}. */
		private static final int BOUND = 200;

		@Override
		DataSource dataSource() {
			return TestPostgres.dataSource();
		}

		@Override
		void dropTables(String prefix) {
			TestPostgres.dropTables(prefix);
		}

		@Override
		void dropDatabase() {
		}

		@Override
		String listingIndex() {
			return "jobs_listing_not_running";
		}

		@Override
		List<String> replacedIndexes() {
			return List.of("jobs_listing", "jobs_finished");
		}

		@Override
		JdbcDialect dialect() {
			return new PostgresDialect();
		}

		@Override
		Set<String> indexes(String table) throws SQLException {
			Set<String> names = new HashSet<>();
			try (Connection connection = dataSource().getConnection();
					PreparedStatement ps = connection.prepareStatement(
							"SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?")) {
				ps.setString(1, table);
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						names.add(rs.getString(1));
					}
				}
			}
			return names;
		}

		@Test
		void listingIsServedByIndexWhateverElseTheTableHolds() throws SQLException {
			String prefix = newPrefix();
			store(prefix).start();
			JdbcStatements statements = JdbcStatements.load(new PostgresDialect(), prefix);
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				// Many jobs of other statuses and pairs, a few of the ones asked for.
				String insert = "INSERT INTO " + prefix + "jobs (id, task, queue, payload, status, max_retries, created_at, "
						+ "run_at) SELECT gen_random_uuid(), %s, %s, '[]', %s, 3, now(), now() FROM generate_series(1, %d)";
				statement.execute(insert.formatted("'busy'", "'default'", "'SUCCEEDED'", 30_000));
				statement.execute(insert.formatted("'busy'", "'q2'", "'PENDING'", 20_000));
				statement.execute(insert.formatted("'aaa'", "'default'", "'PENDING'", 20_000));
				statement.execute(insert.formatted("'target'", "'default'", "'PENDING'", 30));
				statement.execute(insert.formatted("'target'", "'default'", "'DEAD'", 30));
				statement.execute(insert.formatted("'target'", "'q2'", "'RUNNING'", 5));
				statement.execute("ANALYZE " + prefix + "jobs");
				String types = "text[], text, text, uuid, uuid, timestamptz, timestamptz, int";
				String low = "'00000000-0000-0000-0000-000000000000'";
				String high = "'ffffffff-ffff-ffff-ffff-ffffffffffff'";
				String all = "'{PENDING,RUNNING,SUCCEEDED,DEAD,CANCELLED}'";
				List<String> queries = List.of(
						// One status, one task: the task's pairs only.
						"'{PENDING}', 'target', NULL, " + low + ", " + high + ", NULL, NULL, 10",
						// One status, one queue: every pair of the status, a page from each.
						"'{PENDING}', NULL, 'default', " + low + ", " + high + ", NULL, NULL, 10",
						// Every status, one task, a due range.
						all + ", 'target', NULL, " + low + ", " + high + ", now() - interval '1 hour', NULL, 10",
						// Everything, one page.
						all + ", NULL, NULL, " + low + ", " + high + ", NULL, NULL, 10");
				for (String mode : List.of("auto", "force_generic_plan")) {
					statement.execute("SET plan_cache_mode = " + mode);
					for (String name : List.of("list-jobs", "list-step", "newest-job", "count-jobs")) {
						int[] parameter = { 0 };
						String sql = Pattern.compile("\\?").matcher(statements.get(name))
							.replaceAll((match) -> "\\$" + (++parameter[0]));
						String prepared = name.replace('-', '_');
						statement.execute("PREPARE " + prepared + "(" + types + ") AS " + sql);
						for (String parameters : queries) {
							if (name.equals("count-jobs") && !parameters.contains("'target'")) {
								// A count reads what it counts: only the narrow ones are bounded.
								continue;
							}
							// Planned more than five times: a cached generic plan, where auto chooses one.
							for (int run = 0; run < 6; run++) {
								statement.executeQuery("EXECUTE " + prepared + "(" + parameters + ")").close();
							}
							List<String> plan = new ArrayList<>();
							try (ResultSet rs = statement.executeQuery("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, "
									+ "SUMMARY OFF) EXECUTE " + prepared + "(" + parameters + ")")) {
								while (rs.next()) {
									plan.add(rs.getString(1));
								}
							}
							assertBounded(prefix, name + " (" + mode + ") with " + parameters, plan);
						}
						statement.execute("DEALLOCATE " + prepared);
					}
				}
				statement.execute("RESET plan_cache_mode");
			}
		}

		@Test
		void gaugesAreServedByIndexWhateverElseTheTableHolds() throws SQLException {
			String prefix = newPrefix();
			store(prefix).start();
			JdbcStatements statements = JdbcStatements.load(new PostgresDialect(), prefix);
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				// Many pending jobs in a few pairs and priorities, many finished ones, a few running.
				String insert = "INSERT INTO " + prefix + "jobs (id, task, queue, payload, status, max_retries, created_at, "
						+ "run_at, priority) SELECT gen_random_uuid(), %s, %s, '[]', %s, 3, now(), %s, %s "
						+ "FROM generate_series(1, %d) AS i";
				statement.execute(insert.formatted("'busy'", "'default'", "'SUCCEEDED'", "now()", "0", 30_000));
				statement.execute(insert.formatted("'busy'", "'q2'", "'PENDING'", "now() - i * interval '1 second'",
						"i % 3", 20_000));
				statement.execute(insert.formatted("'aaa'", "'default'", "'PENDING'", "now() + interval '1 hour'", "0",
						20_000));
				statement.execute(insert.formatted("'target'", "'default'", "'PENDING'", "now() - i * interval '1 minute'",
						"i % 5 - 2", 30));
				statement.execute(insert.formatted("'target'", "'default'", "'DEAD'", "now()", "0", 30));
				statement.execute(insert.formatted("'target'", "'q2'", "'RUNNING'", "now()", "0", 5));
				// Keyed jobs over many keys: due ones in q2 and default, delayed ones in a queue of their own.
				String keyed = "INSERT INTO " + prefix + "jobs (id, task, queue, payload, status, max_retries, created_at, "
						+ "run_at, priority, concurrency_key) SELECT gen_random_uuid(), 'keyed', %s, '[]', 'KEYED', 3, now(), "
						+ "%s, i %% 3, 'k-' || (i %% 2000) FROM generate_series(1, %d) AS i";
				statement.execute(keyed.formatted("'q2'", "now() - i * interval '2 second'", 20_000));
				statement.execute(keyed.formatted("'default'", "now() - i * interval '1 hour'", 30));
				statement.execute(keyed.formatted("'q3'", "now() + interval '1 hour'", 20_000));
				statement.execute("INSERT INTO " + prefix + "claims (job_id, task, queue, instance_id, claim_token, "
						+ "batch_id, claimed_at, lease_expires_at) SELECT id, task, queue, 'i', gen_random_uuid(), "
						+ "gen_random_uuid(), now(), now() + interval '1 minute' FROM " + prefix + "jobs "
						+ "WHERE status = 'RUNNING'");
				statement.execute("ANALYZE " + prefix + "jobs");
				String sql = statements.get("gauges").replace("?", "$1");
				for (String mode : List.of("auto", "force_generic_plan")) {
					statement.execute("SET plan_cache_mode = " + mode);
					statement.execute("PREPARE gauges(int) AS " + sql);
					// Planned more than five times: a cached generic plan, where auto chooses one.
					for (int run = 0; run < 6; run++) {
						statement.executeQuery("EXECUTE gauges(50)").close();
					}
					List<String> plan = new ArrayList<>();
					try (ResultSet rs = statement
						.executeQuery("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE gauges(50)")) {
						while (rs.next()) {
							plan.add(rs.getString(1));
						}
					}
					assertBounded(prefix, "gauges (" + mode + ")", plan);
					statement.execute("DEALLOCATE gauges");
				}
				statement.execute("RESET plan_cache_mode");
			}
			// And what it reads is right: each queue's pending jobs up to the limit, the earliest due
			// across priorities, delayed jobs not due.
			ClusterGauges gauges = store(prefix).gauges(50);
			assertThat(gauges.queues()).extracting(QueueGauge::queue, QueueGauge::pending, QueueGauge::running)
				.containsExactly(tuple("default", 50L, 0L), tuple("q2", 50L, 5L), tuple("q3", 50L, 0L));
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement();
					ResultSet rs = statement.executeQuery("SELECT queue, min(run_at) FROM " + prefix + "jobs "
							+ "WHERE status IN ('PENDING', 'KEYED') AND run_at <= now() GROUP BY queue ORDER BY queue")) {
				List<Instant> oldest = new ArrayList<>();
				while (rs.next()) {
					oldest.add(JdbcRows.instant(rs, "min"));
				}
				// The keyed jobs of default are the earliest due there; q3's are not due.
				oldest.add(null);
				assertThat(gauges.queues()).extracting(QueueGauge::oldestDueAt).containsExactlyElementsOf(oldest);
			}
			assertThat(gauges.tasks()).extracting(TaskGauge::task, TaskGauge::running).containsExactly(tuple("target", 5L));
		}

		@Test
		void finishedCountsAreServedByIndexWhateverElseTheTableHolds() throws SQLException {
			String prefix = newPrefix();
			store(prefix).start();
			JdbcStatements statements = JdbcStatements.load(new PostgresDialect(), prefix);
			Instant now = Instant.now();
			List<JobId> bounds = new ArrayList<>();
			for (int i = 0; i <= 60; i++) {
				bounds.add(JobId.lowestAt(now.minusSeconds(3600).plusSeconds(i * 61L)));
			}
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				// Many finished jobs whose (random, version 4) ids fall outside the window, a few in it.
				statement.execute("INSERT INTO " + prefix + "jobs (id, task, queue, payload, status, max_retries, "
						+ "created_at, run_at) SELECT ('00' || substr(gen_random_uuid()::text, 3))::uuid, 'busy', "
						+ "'default', '[]', 'SUCCEEDED', 3, now(), now() FROM generate_series(1, 30000)");
				try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + prefix + "jobs (id, task, "
						+ "queue, payload, status, max_retries, created_at, run_at) VALUES (?, 'target', 'q2', '[]', "
						+ "'DEAD', 3, now(), now())")) {
					for (int i = 0; i < 30; i++) {
						insert.setObject(1, JobId.newId().value());
						insert.addBatch();
					}
					insert.executeBatch();
				}
				statement.execute("ANALYZE " + prefix + "jobs");
				String sql = Pattern.compile("\\?").matcher(statements.get("finished-counts")).replaceFirst("\\$1")
					.replaceFirst("\\?", "\\$2");
				String from = bounds.subList(0, 60).stream().map(JobId::toString).collect(Collectors.joining(",", "'{", "}'"));
				String to = bounds.subList(1, 61).stream().map(JobId::toString).collect(Collectors.joining(",", "'{", "}'"));
				for (String mode : List.of("auto", "force_generic_plan")) {
					statement.execute("SET plan_cache_mode = " + mode);
					statement.execute("PREPARE finished(uuid[], uuid[]) AS " + sql);
					for (int run = 0; run < 6; run++) {
						statement.executeQuery("EXECUTE finished(" + from + ", " + to + ")").close();
					}
					List<String> plan = new ArrayList<>();
					try (ResultSet rs = statement.executeQuery("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
							+ "EXECUTE finished(" + from + ", " + to + ")")) {
						while (rs.next()) {
							plan.add(rs.getString(1));
						}
					}
					assertBounded(prefix, "finished-counts (" + mode + ")", plan);
					statement.execute("DEALLOCATE finished");
				}
				statement.execute("RESET plan_cache_mode");
			}
			assertThat(store(prefix).finishedCounts(bounds).stream().mapToLong((c) -> c.dead()).sum()).isEqualTo(30);
			assertThat(store(prefix).finishedCounts(bounds).stream().mapToLong((c) -> c.succeeded()).sum()).isZero();
		}

		@Test
		void aRetryStepSkipsADeadJobWhoseKeyAConcurrentEnqueueTookInsteadOfFailing() throws Exception {
			String prefix = newPrefix();
			JdbcClaimStore store = store(prefix);
			store.start();
			NewJob keyed = new NewJob(JobId.newId(), "keyed", "default", "[]", 0, Duration.ZERO, null, "the-key", 0, null);
			NewJob plain = job("keyed", 0);
			store.enqueue(List.of(keyed, plain));
			store.finish(outcomes(claim(store, "keyed"), (claim) -> new Outcome.Failed(claim, "boom", null)), false);
			JobQuery dead = JobQuery.all().status(JobStatus.DEAD).task("keyed");
			JobId upTo = store.newestId(dead).orElseThrow();
			java.util.concurrent.ExecutorService stepper = java.util.concurrent.Executors.newSingleThreadExecutor();
			try (Connection producer = dataSource().getConnection()) {
				producer.setAutoCommit(false);
				try (Statement statement = producer.createStatement()) {
					// An enqueue of the key, not yet committed: the step's check cannot see it, and its
					// update waits on the unique index until the enqueue commits.
					statement.execute("INSERT INTO " + prefix + "jobs (id, task, queue, payload, status, max_retries, "
							+ "unique_key, created_at, run_at) VALUES (gen_random_uuid(), 'other', 'default', '[]', "
							+ "'PENDING', 0, 'the-key', now(), now())");
				}
				java.util.concurrent.Future<dev.taskito.store.BulkStep> step = stepper
					.submit(() -> store.retryStep(dead, upTo));
				await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnALock(prefix));
				producer.commit();
				dev.taskito.store.BulkStep done = step.get(10, java.util.concurrent.TimeUnit.SECONDS);
				assertThat(done.changed()).isEqualTo(1);
				assertThat(done.skipped()).isEqualTo(1);
			}
			finally {
				stepper.shutdownNow();
			}
			assertThat(store.find(plain.id()).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
			assertThat(store.find(keyed.id()).orElseThrow().status()).isEqualTo(JobStatus.DEAD);
		}

		private boolean waitingOnALock(String prefix) throws SQLException {
			try (Connection connection = dataSource().getConnection();
					PreparedStatement ps = connection.prepareStatement("SELECT count(*) FROM pg_stat_activity "
							+ "WHERE wait_event_type = 'Lock' AND query LIKE ?")) {
				ps.setString(1, "%UPDATE " + prefix + "jobs SET status = CASE WHEN concurrency_key IS NULL THEN 'PENDING'%");
				try (ResultSet rs = ps.executeQuery()) {
					return rs.next() && rs.getLong(1) > 0;
				}
			}
		}

		private static void assertBounded(String prefix, String what, List<String> plan) {
			String text = String.join("\n", plan);
			assertThat(text).as("%s scans the jobs whole:%n%s", what, text).doesNotContain("Seq Scan on " + prefix + "jobs");
			Pattern rows = Pattern.compile("actual rows=(\\d+) loops=(\\d+)");
			Pattern removed = Pattern.compile("Rows Removed by (?:Filter|Index Recheck): (\\d+)");
			for (String line : plan) {
				Matcher matcher = rows.matcher(line);
				if (matcher.find()) {
					long touched = Long.parseLong(matcher.group(1)) * Long.parseLong(matcher.group(2));
					assertThat(touched).as("%s reads or sorts %d rows in:%n%s%nof:%n%s", what, touched, line.trim(), text)
						.isLessThanOrEqualTo(BOUND);
				}
				matcher = removed.matcher(line);
				if (matcher.find()) {
					assertThat(Long.parseLong(matcher.group(1))).as("%s filters rows out in:%n%s%nof:%n%s", what,
							line.trim(), text).isLessThanOrEqualTo(BOUND);
				}
			}
		}

	}

}
