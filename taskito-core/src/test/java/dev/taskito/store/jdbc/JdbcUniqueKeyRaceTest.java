package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.store.NewJob;
import dev.taskito.testsupport.TestH2;
import dev.taskito.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One unique key is held by at most one waiting or running job, keyed or not: a keyed and an
 * unkeyed enqueue of the same unique key, sent at the same moment from two stores, store one
 * job, and both enqueues return its id.
 */
class JdbcUniqueKeyRaceTest {

	private static final int ROUNDS = 150;

	abstract static class OnStore {

		abstract DataSource dataSource();

		abstract String prefix();

		abstract String dialect();

		@Test
		void aKeyedAndAnUnkeyedEnqueueOfOneUniqueKeyAtOnceStoreOneJob() throws Exception {
			JdbcClaimStore first = JdbcClaimStore.builder(dataSource()).tablePrefix(prefix()).build();
			JdbcClaimStore second = JdbcClaimStore.builder(dataSource()).tablePrefix(prefix()).build();
			first.start();
			second.start();
			ExecutorService threads = Executors.newFixedThreadPool(2);
			try {
				CyclicBarrier barrier = new CyclicBarrier(2);
				for (int round = 0; round < ROUNDS; round++) {
					String uniqueKey = "report-" + round;
					CompletableFuture<JobId> keyed = CompletableFuture.supplyAsync(() -> {
						await(barrier);
						return first.enqueue(List.of(job(uniqueKey, "tenant-a"))).get(0);
					}, threads);
					CompletableFuture<JobId> unkeyed = CompletableFuture.supplyAsync(() -> {
						await(barrier);
						return second.enqueue(List.of(job(uniqueKey, null))).get(0);
					}, threads);
					JobId keyedId = keyed.get(10, TimeUnit.SECONDS);
					JobId unkeyedId = unkeyed.get(10, TimeUnit.SECONDS);
					assertThat(activeJobs(uniqueKey)).as("waiting or running jobs with unique key %s", uniqueKey)
						.isEqualTo(1);
					assertThat(keyedId).as("the job that holds %s", uniqueKey).isEqualTo(unkeyedId);
				}
			}
			finally {
				threads.shutdownNow();
				first.close();
				second.close();
			}
		}

		/**
		 * Tables of 0.3 gain the one index in place: a key their pending job holds stays held
		 * against a keyed enqueue, and against an unkeyed one.
		 */
		@Test
		void aKeyHeldInTablesOf03StaysHeldAfterTheUpgrade() throws Exception {
			String oldSchema = JdbcStatements.read("dev/taskito/store/jdbc/schema-0.3-" + dialect() + ".sql")
				.replace(JdbcStatements.PREFIX_PLACEHOLDER, prefix());
			JobId old = JobId.newId();
			try (Connection connection = dataSource().getConnection(); Statement statement = connection.createStatement()) {
				for (String ddl : oldSchema.split(";\\s*\\n")) {
					if (!ddl.lines().allMatch((line) -> line.isBlank() || line.trim().startsWith("--"))) {
						statement.execute(ddl);
					}
				}
				statement.execute("INSERT INTO " + prefix() + "jobs (id, task, queue, payload, status, max_retries, "
						+ "unique_key, created_at, run_at) VALUES ('" + old + "', 't', 'default', '[]', 'PENDING', 3, "
						+ "'report', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
			}
			JdbcClaimStore store = JdbcClaimStore.builder(dataSource()).tablePrefix(prefix()).build();
			store.start();
			try {
				assertThat(store.enqueue(List.of(job("report", "tenant-a"), job("report", null))))
					.containsExactly(old, old);
				assertThat(activeJobs("report")).isEqualTo(1);
			}
			finally {
				store.close();
			}
		}

		private int activeJobs(String uniqueKey) throws Exception {
			try (Connection connection = dataSource().getConnection();
					PreparedStatement ps = connection.prepareStatement("SELECT count(*) FROM " + prefix()
							+ "jobs WHERE unique_key = ? AND status IN ('PENDING', 'KEYED', 'RUNNING')")) {
				ps.setString(1, uniqueKey);
				try (ResultSet rs = ps.executeQuery()) {
					rs.next();
					return rs.getInt(1);
				}
			}
		}

		private static NewJob job(String uniqueKey, String concurrencyKey) {
			return new NewJob(JobId.newId(), "t", "default", "[]", 0, Duration.ZERO, null, uniqueKey, 3, null, Map.of(),
					concurrencyKey);
		}

		private static void await(CyclicBarrier barrier) {
			try {
				barrier.await(10, TimeUnit.SECONDS);
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

	@Nested
	class OnH2 extends OnStore {

		private final DataSource dataSource = TestH2.newPooledDataSource();

		@AfterEach
		void drop() {
			TestH2.shutdown(this.dataSource);
		}

		@Override
		DataSource dataSource() {
			return this.dataSource;
		}

		@Override
		String prefix() {
			return "taskito_";
		}

		@Override
		String dialect() {
			return "h2";
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
		String prefix() {
			return this.prefix;
		}

		@Override
		String dialect() {
			return "postgresql";
		}

	}

}
