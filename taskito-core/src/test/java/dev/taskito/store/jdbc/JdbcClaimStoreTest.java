package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.TaskitoException;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.ServedWork;
import dev.taskito.store.StoreUnavailableException;
import dev.taskito.store.StrandedWork;
import dev.taskito.testsupport.TestH2;
import dev.taskito.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * What only the JDBC store promises: schema handling, table prefixes, joining the caller's
 * transaction, wake-ups and error translation, on H2 and on PostgreSQL.
 */
class JdbcClaimStoreTest {

	@Test
	void tablePrefixMustBeASafeIdentifier() {
		JdbcClaimStore.Builder builder = JdbcClaimStore.builder(TestH2.newDataSource());
		for (String prefix : List.of("", "Taskito_", "task-ito_", "1abc_", "x;drop table y;", "a".repeat(41))) {
			assertThatIllegalArgumentException().isThrownBy(() -> builder.tablePrefix(prefix))
				.withMessageContaining("taskito.jdbc.table-prefix")
				.withMessageContaining("'" + prefix + "'");
		}
		builder.tablePrefix("my_app_2_");
	}

	/**
	 * The cases, run on each database.
	 */
	abstract static class Cases {

		private final List<JdbcClaimStore> stores = new ArrayList<>();

		private final List<String> prefixes = new ArrayList<>();

		abstract DataSource dataSource();

		abstract void dropTables(String prefix);

		abstract void dropDatabase();

		abstract Class<? extends JdbcDialect> expectedDialect();

		abstract String schemaFile();

		String newPrefix() {
			String prefix = TestPostgres.newTablePrefix();
			this.prefixes.add(prefix);
			return prefix;
		}

		JdbcClaimStore store(String prefix) {
			return store(JdbcClaimStore.builder(dataSource()).tablePrefix(prefix));
		}

		JdbcClaimStore store(JdbcClaimStore.Builder builder) {
			JdbcClaimStore store = builder.build();
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
		void detectsTheDialect() {
			assertThat(store(newPrefix()).dialect()).isInstanceOf(expectedDialect());
		}

		@Test
		void neverInitializingWithoutTablesFailsNamingThePropertyAndTheFile() {
			String prefix = newPrefix();
			JdbcClaimStore store = store(JdbcClaimStore.builder(dataSource()).tablePrefix(prefix).initializeSchema(false));
			assertThatExceptionOfType(TaskitoException.class).isThrownBy(store::start)
				.withMessageContaining("taskito.jdbc.initialize-schema")
				.withMessageContaining("classpath:dev/taskito/store/jdbc/" + schemaFile())
				.withMessageContaining("${prefix}")
				.withMessageContaining("'" + prefix + "'");
		}

		@Test
		void neverInitializingStartsOnTablesSomeoneElseCreated() {
			String prefix = newPrefix();
			store(prefix).start();
			JdbcClaimStore store = store(JdbcClaimStore.builder(dataSource()).tablePrefix(prefix).initializeSchema(false));
			store.start();
			JobId id = store.enqueue(List.of(job("task"))).get(0);
			assertThat(store.find(id)).isPresent();
		}

		@Test
		void startingIsIdempotentAndSafeWhenInstancesStartTogether() throws Exception {
			String prefix = newPrefix();
			int instances = 4;
			CountDownLatch ready = new CountDownLatch(1);
			ExecutorService executor = Executors.newFixedThreadPool(instances);
			try {
				List<Future<?>> starts = new ArrayList<>();
				for (int i = 0; i < instances; i++) {
					JdbcClaimStore store = store(prefix);
					starts.add(executor.submit(() -> {
						ready.await();
						store.start();
						store.start();
						return null;
					}));
				}
				ready.countDown();
				for (Future<?> start : starts) {
					start.get(30, TimeUnit.SECONDS);
				}
			}
			finally {
				executor.shutdownNow();
			}
		}

		@Test
		void tablesOfAnOlderVersionGainTheNewColumnsInPlace() throws SQLException {
			String prefix = newPrefix();
			store(prefix).start();
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (String column : List.of("served_tasks", "served_queues", "expires_at")) {
					statement.execute("ALTER TABLE " + prefix + "instances DROP COLUMN " + column);
				}
				// The row of a running instance of the older version, which says nothing of what it serves.
				statement.execute("INSERT INTO " + prefix + "instances (instance_id, heartbeat_at, task_caps, queue_caps) "
						+ "VALUES ('older-version', CURRENT_TIMESTAMP, '{}', '{}')");
			}
			JdbcClaimStore upgraded = store(prefix);
			upgraded.start();
			upgraded.enqueue(List.of(job("renamed")));
			upgraded.heartbeat(new Heartbeat("new-version", Duration.ofSeconds(30), Map.of(), Map.of(),
					new ServedWork(Set.of("current"), Set.of("default")), List.of()));
			assertThat(upgraded.strandedWork(100)).as("an older instance may serve anything").isEmpty();
			upgraded.removeInstance("older-version");
			assertThat(upgraded.strandedWork(100)).containsExactly(new StrandedWork("renamed", "default", 1));
		}

		@Test
		void tablesCarryThePrefix() throws SQLException {
			String prefix = newPrefix();
			JdbcClaimStore store = store(prefix);
			store.start();
			store.enqueue(List.of(job("task"), job("task")));
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				var rs = statement.executeQuery("SELECT count(*) FROM " + prefix + "jobs");
				rs.next();
				assertThat(rs.getInt(1)).isEqualTo(2);
			}
		}

		@Test
		void storesWithDifferentPrefixesDoNotSeeEachOther() {
			JdbcClaimStore first = store(newPrefix());
			JdbcClaimStore second = store(newPrefix());
			first.start();
			second.start();
			NewJob job = new NewJob(JobId.newId(), "task", "default", "[]", 0, Duration.ZERO, null, "same-key", 3, null);
			first.enqueue(List.of(job));
			assertThat(second.find(job.id())).isEmpty();
			assertThat(claim(second)).isEmpty();
			NewJob twin = new NewJob(JobId.newId(), "task", "default", "[]", 0, Duration.ZERO, null, "same-key", 3, null);
			assertThat(second.enqueue(List.of(twin))).containsExactly(twin.id());
			first.setQueuePaused("default", true);
			assertThat(second.pausedQueues()).isEmpty();
			assertThat(claim(first)).extracting(ClaimedJob::id).containsExactly(job.id());
			assertThat(second.countClaims(Set.of("task"), Set.of("default")).task("task")).isZero();
		}

		@Test
		void enqueueAndCancelJoinTheCallersTransaction() throws SQLException {
			String prefix = newPrefix();
			store(prefix).start();
			JobId kept = store(prefix).enqueue(List.of(job("task"))).get(0);
			try (Connection callers = dataSource().getConnection()) {
				callers.setAutoCommit(false);
				ConnectionBoundDataSource bound = new ConnectionBoundDataSource(callers);
				JdbcClaimStore store = store(JdbcClaimStore.builder(dataSource())
					.tablePrefix(prefix)
					.transactionalDataSource(bound));

				JobId rolledBack = store.enqueue(List.of(job("task"))).get(0);
				assertThat(store.cancel(kept)).isTrue();
				assertThat(store.find(rolledBack)).as("invisible before the caller commits").isEmpty();
				callers.rollback();

				assertThat(store.find(rolledBack)).isEmpty();
				assertThat(store.find(kept).orElseThrow().status()).isEqualTo(JobStatus.PENDING);

				JobId committed = store.enqueue(List.of(job("task"))).get(0);
				callers.commit();
				assertThat(store.find(committed)).isPresent();
				assertThat(bound.forbiddenCalls()).isEmpty();
				callers.setAutoCommit(true);
			}
		}

		@Test
		void enqueueInAnAutoCommitConnectionCommitsAtOnce() {
			String prefix = newPrefix();
			store(prefix).start();
			try (Connection callers = dataSource().getConnection()) {
				ConnectionBoundDataSource bound = new ConnectionBoundDataSource(callers);
				JdbcClaimStore store = store(JdbcClaimStore.builder(dataSource())
					.tablePrefix(prefix)
					.transactionalDataSource(bound));
				JobId id = store.enqueue(List.of(job("task"))).get(0);
				assertThat(store(prefix).find(id)).isPresent();
				assertThat(bound.forbiddenCalls()).isEmpty();
			}
			catch (SQLException ex) {
				throw new IllegalStateException(ex);
			}
		}

		@Test
		void enqueueWakesAnotherStoresListeners() {
			anotherStoreHears((producing) -> producing.enqueue(List.of(job("task"))));
		}

		/**
		 * Does something with a store until another store of the same tables hears a wake-up:
		 * a listener may need a moment before it listens.
		 */
		private void anotherStoreHears(Consumer<JdbcClaimStore> wakeUp) {
			String prefix = newPrefix();
			JdbcClaimStore listening = store(prefix);
			JdbcClaimStore waking = store(prefix);
			listening.start();
			waking.start();
			AtomicInteger wakeUps = new AtomicInteger();
			listening.addWakeUpListener(wakeUps::incrementAndGet);
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
				wakeUp.accept(waking);
				return wakeUps.get() > 0;
			});
		}

		@Test
		void finishingWithWakeOthersWakesAnotherStoresListeners() {
			String prefix = newPrefix();
			JdbcClaimStore listening = store(prefix);
			JdbcClaimStore finishing = store(prefix);
			listening.start();
			finishing.start();
			List<NewJob> jobs = new ArrayList<>();
			for (int i = 0; i < 100; i++) {
				jobs.add(job("task"));
			}
			finishing.enqueue(jobs);
			List<ClaimedJob> claimed = new ArrayList<>(claim(finishing));
			// Registered after the enqueue committed, so only a finish can wake it.
			AtomicInteger wakeUps = new AtomicInteger();
			listening.addWakeUpListener(wakeUps::incrementAndGet);
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
				ClaimedJob next = claimed.remove(0);
				finishing.finish(List.of(new Outcome.Succeeded(next.claim(), null)), true);
				return wakeUps.get() > 0;
			});
		}

		@Test
		void wakeOthersAloneWakesAnotherStoresListeners() {
			anotherStoreHears((waking) -> {
				assertThat(waking.wakesOthersAlone()).isTrue();
				waking.wakeOthers();
			});
		}

		@Test
		void reapTakesBackARunningJobThatLostItsClaimRow() throws SQLException {
			String prefix = newPrefix();
			JdbcClaimStore store = store(prefix);
			store.start();
			JobId id = store.enqueue(List.of(job("task"))).get(0);
			ClaimedJob claimed = claim(store).get(0);
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				// Only corruption (or a hand-made change) leaves a RUNNING job without its claim.
				statement.execute("DELETE FROM " + prefix + "claims");
			}
			Instant connectedAt = store
				.heartbeat(new Heartbeat("reaper", Duration.ofSeconds(30), Map.of(), Map.of(),
						ServedWork.NONE, List.of()))
				.storeTime();
			assertThat(store.reap(Duration.ofHours(1), connectedAt)).singleElement().satisfies((reaped) -> {
				assertThat(reaped.jobId()).isEqualTo(id);
				assertThat(reaped.status()).isEqualTo(JobStatus.PENDING);
			});
			assertThat(store.find(id).orElseThrow().lastError()).contains("without a claim");
			assertThat(store.finish(List.of(new Outcome.Succeeded(claimed.claim(), null)), false)).isEmpty();
			assertThat(claim(store)).extracting(ClaimedJob::attempt).containsExactly(2);
		}

		@Test
		void anUnreachableDatabaseIsStoreUnavailableNamingTheOperation() {
			SwitchableDataSource switchable = new SwitchableDataSource(dataSource());
			JdbcClaimStore store = store(JdbcClaimStore.builder(switchable).tablePrefix(newPrefix()));
			store.start();
			switchable.setDown(true);
			assertThatExceptionOfType(StoreUnavailableException.class).isThrownBy(() -> store.find(JobId.newId()))
				.withMessageContaining("find a job");
			assertThatExceptionOfType(StoreUnavailableException.class).isThrownBy(() -> claim(store))
				.withMessageContaining("claim jobs");
			switchable.setDown(false);
			assertThat(store.find(JobId.newId())).isEmpty();
		}

		@Test
		void otherDatabaseErrorsNameTheOperationAndTable() {
			String prefix = newPrefix();
			JdbcClaimStore store = store(prefix);
			store.start();
			dropTables(prefix);
			assertThatExceptionOfType(TaskitoException.class).isThrownBy(() -> store.find(JobId.newId()))
				.isNotInstanceOf(StoreUnavailableException.class)
				.withMessageContaining("find a job")
				.withMessageContaining(prefix + "jobs");
		}

		private static List<ClaimedJob> claim(JdbcClaimStore store) {
			return store.claim(new ClaimRequest("instance", Duration.ofSeconds(30), 1000, Set.of("default"),
					Map.of("task", 1000), Map.of()), UUID.randomUUID());
		}

		static NewJob job(String task) {
			return new NewJob(JobId.newId(), task, "default", "[]", 0, Duration.ZERO, null, null, 3, null);
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
			try (Connection connection = this.dataSource.getConnection();
					Statement statement = connection.createStatement()) {
				for (String table : List.of("jobs", "claims", "instances", "queues", "rate_buckets")) {
					statement.execute("DROP TABLE IF EXISTS " + prefix + table);
				}
			}
			catch (SQLException ex) {
				throw new IllegalStateException(ex);
			}
		}

		@Override
		void dropDatabase() {
			TestH2.shutdown(this.dataSource);
		}

		@Override
		Class<? extends JdbcDialect> expectedDialect() {
			return H2Dialect.class;
		}

		@Override
		String schemaFile() {
			return "schema-h2.sql";
		}

	}

	@Nested
	class OnPostgres extends Cases {

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
		Class<? extends JdbcDialect> expectedDialect() {
			return PostgresDialect.class;
		}

		@Override
		String schemaFile() {
			return "schema-postgresql.sql";
		}

		@Test
		void statementsOnClaimsAndJobsStayBoundedByTheirIdsAfterAnAnalyzeFindsTheTablesEmpty() throws SQLException {
			String prefix = newPrefix();
			store(prefix).start();
			JdbcStatements statements = JdbcStatements.load(new PostgresDialect(), prefix);
			String one = "'{00000000-0000-0000-0000-000000000001}'";
			Map<String, String[]> cases = new java.util.LinkedHashMap<>();
			cases.put("finish-jobs", new String[] { "uuid[], uuid[], text[], text[], bigint[], boolean",
					one + ", " + one + ", '{S}', '{null}', '{0}', false" });
			cases.put("finish-jobs-requeueing", new String[] { "uuid[], uuid[], text[], text[], bigint[], boolean",
					one + ", " + one + ", '{R}', '{boom}', '{1000}', false" });
			cases.put("delete-claims", new String[] { "uuid[], uuid[]", one + ", " + one });
			cases.put("renew-claims", new String[] { "bigint, uuid[], uuid[]", "30000, " + one + ", " + one });
			cases.put("reap-delete-claims", new String[] { "uuid[], uuid[], bigint, timestamptz",
					one + ", " + one + ", 2000, now()" });
			cases.put("rollback-jobs", new String[] { "uuid[], bigint[]", one + ", '{0}'" });
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				// What autovacuum's ANALYZE records whenever the queue is idle: empty tables.
				statement.execute("ANALYZE " + prefix + "claims, " + prefix + "jobs");
				statement.execute("SET plan_cache_mode = force_generic_plan");
				statement.execute("SET enable_seqscan = off");
				statement.execute("SET enable_hashjoin = off");
				statement.execute("SET enable_mergejoin = off");
				for (Map.Entry<String, String[]> entry : cases.entrySet()) {
					int[] parameter = { 0 };
					String sql = java.util.regex.Pattern.compile("\\?").matcher(statements.get(entry.getKey()))
						.replaceAll((match) -> "\\$" + (++parameter[0]));
					String name = entry.getKey().replace('-', '_');
					statement.execute("PREPARE " + name + "(" + entry.getValue()[0] + ") AS " + sql);
					List<String> plan = new ArrayList<>();
					try (java.sql.ResultSet rs = statement
						.executeQuery("EXPLAIN (COSTS OFF) EXECUTE " + name + "(" + entry.getValue()[1] + ")")) {
						while (rs.next()) {
							plan.add(rs.getString(1));
						}
					}
					for (int i = 0; i < plan.size(); i++) {
						// Both tables fill with dead index entries between vacuums: the running jobs' index
						// looks small to the planner and is not.
						if (plan.get(i).matches(".*Index (Only )?Scan using \\S+ on " + prefix + "(claims|jobs) .*")) {
							assertThat(i + 1 < plan.size() && plan.get(i + 1).contains("Index Cond"))
								.as("%s reads %s whole:%n%s", entry.getKey(), plan.get(i).trim(), String.join("\n", plan))
								.isTrue();
						}
					}
				}
			}
		}

		@Test
		void aCapWithNothingPendingDoesNotMakeClaimersTakeTurns() throws Exception {
			String prefix = newPrefix();
			JdbcClaimStore store = store(prefix);
			store.start();
			store.enqueue(List.of(Cases.job("free")));
			ClaimRequest request = new ClaimRequest("i1", Duration.ofSeconds(30), 16, Set.of("default"),
					Map.of("free", 16, "capped", 16), Map.of())
				.withCaps(Map.of("capped", 1), Map.of());
			long capLock = ClaimPlan.capLocks(prefix, Map.of("capped", 1), Map.of(), List.of("capped", "free"),
					List.of("default")).get(0).key();
			ExecutorService claimer = Executors.newSingleThreadExecutor();
			try (Connection other = dataSource().getConnection();
					PreparedStatement lock = other.prepareStatement("SELECT pg_advisory_lock(?)");
					PreparedStatement unlock = other.prepareStatement("SELECT pg_advisory_unlock(?)")) {
				// What another instance's capped claim holds while it runs.
				lock.setLong(1, capLock);
				lock.execute();
				Future<List<ClaimedJob>> withoutCappedWork;
				Future<List<ClaimedJob>> withCappedWork;
				try {
					withoutCappedWork = claimer.submit(() -> store.claim(request, UUID.randomUUID()));
					// No capped job pending: the claim does not wait for the cap's lock.
					assertThat(withoutCappedWork.get(10, TimeUnit.SECONDS)).extracting(ClaimedJob::taskName)
						.containsExactly("free");
					store.enqueue(List.of(Cases.job("capped")));
					withCappedWork = claimer.submit(() -> store.claim(request, UUID.randomUUID()));
					// A capped job pending: the claim waits for the lock, so its count is atomic.
					await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
						.until(() -> !withCappedWork.isDone());
				}
				finally {
					unlock.setLong(1, capLock);
					unlock.execute();
				}
				assertThat(withCappedWork.get(10, TimeUnit.SECONDS)).extracting(ClaimedJob::taskName)
					.containsExactly("capped");
			}
			finally {
				claimer.shutdownNow();
			}
		}

		@Test
		void anInstanceThatFindsAnotherOnePurgingSkipsItsRound() throws SQLException {
			String prefix = newPrefix();
			JdbcClaimStore store = store(prefix);
			store.start();
			NewJob job = Cases.job("task");
			store.enqueue(List.of(job));
			ClaimedJob claimed = store.claim(new ClaimRequest("i1", Duration.ofSeconds(30), 1, Set.of("default"),
					Map.of("task", 1), Map.of()), UUID.randomUUID()).get(0);
			store.finish(List.of(new Outcome.Succeeded(claimed.claim(), null)), false);
			// Past its retention of zero on the store's clock.
			await().pollDelay(Duration.ofMillis(50)).until(() -> true);
			long purgeLock = ("taskito-purge:" + prefix).hashCode();
			try (Connection other = dataSource().getConnection();
					PreparedStatement lock = other.prepareStatement("SELECT pg_advisory_lock(?)");
					PreparedStatement unlock = other.prepareStatement("SELECT pg_advisory_unlock(?)")) {
				// What another instance's purge holds while it runs.
				lock.setLong(1, purgeLock);
				lock.execute();
				try {
					assertThat(store.purge(Duration.ZERO, Duration.ZERO)).isZero();
					assertThat(store.find(job.id())).isPresent();
				}
				finally {
					unlock.setLong(1, purgeLock);
					unlock.execute();
				}
			}
			assertThat(store.purge(Duration.ZERO, Duration.ZERO)).isEqualTo(1);
			assertThat(store.find(job.id())).isEmpty();
		}

		@Test
		void listenerReconnectsWhenItsConnectionDrops() throws SQLException {
			String prefix = newPrefix();
			JdbcClaimStore listening = store(prefix);
			JdbcClaimStore producing = store(prefix);
			listening.start();
			producing.start();
			AtomicInteger wakeUps = new AtomicInteger();
			listening.addWakeUpListener(wakeUps::incrementAndGet);
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
				producing.enqueue(List.of(Cases.job("task")));
				return wakeUps.get() > 0;
			});
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				wakeUps.set(0);
				statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN "
						+ prefix + "wakeup'");
			}
			// A reconnected listener wakes once for what it may have missed...
			await().atMost(Duration.ofSeconds(10)).until(() -> wakeUps.get() > 0);
			wakeUps.set(0);
			// ...and hears notifications again.
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
				producing.enqueue(List.of(Cases.job("task")));
				return wakeUps.get() > 0;
			});
		}

	}

}
