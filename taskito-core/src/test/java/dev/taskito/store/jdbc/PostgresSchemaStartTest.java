package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.taskito.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An instance that starts while the cluster is busy must not lock Taskito's tables: even
 * {@code CREATE INDEX IF NOT EXISTS} takes a lock that waits for every open write (and
 * once deadlocked a starting instance against a running one, as the cluster soak found).
 */
class PostgresSchemaStartTest {

	private final String tablePrefix = TestPostgres.newTablePrefix();

	@AfterEach
	void dropTables() {
		TestPostgres.dropTables(this.tablePrefix);
	}

	@Test
	void startOnACompleteSchemaTakesNoTableLock() throws Exception {
		JdbcClaimStore first = JdbcClaimStore.builder(TestPostgres.dataSource()).tablePrefix(this.tablePrefix).build();
		first.start();
		first.close();
		try (Connection busy = TestPostgres.dataSource().getConnection()) {
			busy.setAutoCommit(false);
			try (Statement statement = busy.createStatement()) {
				// An open write transaction, as a running instance's claim or completion would hold.
				statement.executeUpdate("UPDATE " + this.tablePrefix + "jobs SET priority = priority WHERE false");
				statement.executeUpdate("UPDATE " + this.tablePrefix + "claims SET task = task WHERE false");
			}
			CompletableFuture<Void> start = CompletableFuture.runAsync(() -> {
				JdbcClaimStore second = JdbcClaimStore.builder(TestPostgres.dataSource())
					.tablePrefix(this.tablePrefix)
					.build();
				second.start();
				second.close();
			});
			try {
				start.get(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS);
			}
			finally {
				busy.rollback();
			}
			assertThat(start).isCompleted();
		}
	}

}
