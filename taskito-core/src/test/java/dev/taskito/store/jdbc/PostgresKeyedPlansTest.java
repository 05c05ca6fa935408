package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.taskito.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The keyed claim, the post-claim count per key, and the gauges' and the stranded-work
 * report's reads of keyed jobs read PostgreSQL's indexes, never the jobs whole, as cached
 * generic plans, whatever else the tables hold: many keys with waiting jobs,
 * a hot key, many finished and unkeyed jobs.
 */
class PostgresKeyedPlansTest {

	private final String prefix = TestPostgres.newTablePrefix();

	@AfterEach
	void drop() {
		TestPostgres.dropTables(this.prefix);
	}

	@Test
	void theKeyedClaimAndThePerKeyCountAreServedByIndexes() throws Exception {
		JdbcClaimStore.builder(TestPostgres.dataSource()).tablePrefix(this.prefix).build().start();
		JdbcStatements statements = JdbcStatements.load(new PostgresDialect(), this.prefix);
		try (Connection connection = TestPostgres.dataSource().getConnection();
				Statement statement = connection.createStatement()) {
			String insert = "INSERT INTO " + this.prefix + "jobs (id, task, queue, payload, status, max_retries, "
					+ "created_at, run_at, concurrency_key) SELECT gen_random_uuid(), %s, 'default', '[]', %s, 3, now(), "
					+ "now() - i * interval '1 second', %s FROM generate_series(1, %d) AS i";
			statement.execute(insert.formatted("'t'", "'KEYED'", "'k-' || (i % 2000)", 20_000));
			statement.execute(insert.formatted("'t'", "'KEYED'", "'hot'", 10_000));
			statement.execute(insert.formatted("'t'", "'SUCCEEDED'", "'k-' || (i % 2000)", 20_000));
			statement.execute(insert.formatted("'other'", "'PENDING'", "NULL", 20_000));
			statement.execute("INSERT INTO " + this.prefix + "job_keys (task, queue, concurrency_key, last_served) "
					+ "SELECT DISTINCT task, queue, concurrency_key, now() FROM " + this.prefix + "jobs "
					+ "WHERE status = 'KEYED'");
			// Many running claims over many keys.
			statement.execute("INSERT INTO " + this.prefix + "claims (job_id, task, queue, instance_id, claim_token, "
					+ "batch_id, claimed_at, lease_expires_at, concurrency_key) SELECT gen_random_uuid(), 't', 'default', "
					+ "'i', gen_random_uuid(), gen_random_uuid(), now(), now() + interval '1 minute', 'k-' || i "
					+ "FROM generate_series(1, 20000) AS i");
			statement.execute("ANALYZE " + this.prefix + "claims");
			statement.execute("ANALYZE " + this.prefix + "jobs");
			statement.execute("ANALYZE " + this.prefix + "job_keys");
			statement.execute("SET plan_cache_mode = force_generic_plan");
			List<String> pick = plan(statement, "pick", statements.get("keyed-pick-claim"),
					"'t', 'default', 2, NULL, NULL, 8, 24, 'i', gen_random_uuid(), 30000, 't', 'default', 2, 2");
			assertNoSeqScanOnJobs("keyed-pick-claim", pick);
			List<String> count = plan(statement, "count", statements.get("count-claims-keys"),
					"ARRAY['t'], ARRAY['default'], ARRAY['t', 't'], ARRAY['hot', 'k-1']");
			assertNoSeqScanOnJobs("count-claims-keys", count);
			assertThat(String.join("\n", count)).contains(this.prefix + "claims_keyed");
			// The gauges and the stranded-work report: keyed jobs per queue and per pair, by index.
			List<String> gauges = plan(statement, "gauges", statements.get("gauges"), "50");
			assertNoSeqScanOnJobs("gauges", gauges);
			assertThat(String.join("\n", gauges)).contains(this.prefix + "jobs_keyed_queue_due");
			List<String> pairs = plan(statement, "pairs", statements.get("keyed-pairs"), "");
			assertNoSeqScanOnJobs("keyed-pairs", pairs);
			assertThat(String.join("\n", pairs)).contains(this.prefix + "jobs_keyed");
			List<String> countKeyed = plan(statement, "count_keyed", statements.get("count-keyed"), "'t', 'default', 50");
			assertNoSeqScanOnJobs("count-keyed", countKeyed);
			assertThat(String.join("\n", countKeyed)).contains(this.prefix + "jobs_keyed");
			statement.execute("RESET plan_cache_mode");
		}
	}

	/**
	 * The claim's probe of whether a key still has KEYED jobs (task, queue and key equal) reads
	 * jobs_keyed, never the gauges' index of a queue's keyed due times, even with statistics
	 * taken while the tables were empty (autovacuum's, whenever the queue was idle): that index,
	 * in the database's collation, once made each probe walk all of the queue's keyed jobs, and
	 * the keyed drain fell to a few hundred jobs a second.
	 */
	@Test
	void theKeyProbesOfTheClaimNeverReadTheGaugesIndexEvenWithStaleStatistics() throws Exception {
		JdbcClaimStore.builder(TestPostgres.dataSource()).tablePrefix(this.prefix).build().start();
		JdbcStatements statements = JdbcStatements.load(new PostgresDialect(), this.prefix);
		try (Connection connection = TestPostgres.dataSource().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("INSERT INTO " + this.prefix + "jobs (id, task, queue, payload, status, max_retries, "
					+ "created_at, run_at, concurrency_key) SELECT gen_random_uuid(), 't', 'default', '[]', 'KEYED', 3, "
					+ "now(), now(), 'k-' || (i % 1000) FROM generate_series(1, 100) AS i");
			statement.execute("ANALYZE " + this.prefix + "jobs");
			statement.execute("ANALYZE " + this.prefix + "job_keys");
			statement.execute("INSERT INTO " + this.prefix + "jobs (id, task, queue, payload, status, max_retries, "
					+ "created_at, run_at, concurrency_key) SELECT gen_random_uuid(), 't', 'default', '[]', 'KEYED', 3, "
					+ "now(), now(), 'k-' || (i % 1000) FROM generate_series(1, 50000) AS i");
			statement.execute("INSERT INTO " + this.prefix + "job_keys (task, queue, concurrency_key, last_served) "
					+ "SELECT 't', 'default', 'k-' || i, now() FROM generate_series(0, 999) AS i");
			statement.execute("SET plan_cache_mode = force_generic_plan");
			List<String> serve = plan(statement, "serve", statements.get("serve-or-drop-job-keys"),
					"ARRAY['t', 't'], ARRAY['default', 'default'], ARRAY['k-1', 'k-2'], ARRAY[1, 2]");
			assertThat(String.join("\n", serve)).as(String.join("\n", serve))
				.doesNotContainPattern("(?m)Seq Scan on " + this.prefix + "jobs(\\s|$)")
				.doesNotContain("Semi Join").doesNotContain("Anti Join")
				.doesNotContain(this.prefix + "jobs_keyed_queue_due")
				.contains(this.prefix + "jobs_keyed");
			statement.execute("RESET plan_cache_mode");
		}
	}

	private static List<String> plan(Statement statement, String name, String sql, String arguments)
			throws Exception {
		StringBuilder numbered = new StringBuilder();
		int n = 0;
		for (char c : sql.toCharArray()) {
			numbered.append((c == '?') ? "$" + (++n) : String.valueOf(c));
		}
		statement.execute("PREPARE " + name + " AS " + numbered);
		List<String> plan = new ArrayList<>();
		String execute = arguments.isEmpty() ? name : name + "(" + arguments + ")";
		try (ResultSet rs = statement.executeQuery("EXPLAIN (COSTS OFF) EXECUTE " + execute)) {
			while (rs.next()) {
				plan.add(rs.getString(1));
			}
		}
		statement.execute("DEALLOCATE " + name);
		return plan;
	}

	private void assertNoSeqScanOnJobs(String what, List<String> plan) {
		String text = String.join("\n", plan);
		assertThat(text).as("%s scans the jobs whole:%n%s", what, text)
			.doesNotContainPattern("(?m)Seq Scan on " + this.prefix + "jobs(\\s|$)")
			.doesNotContainPattern("(?m)Seq Scan on " + this.prefix + "job_keys(\\s|$)");
	}

}
