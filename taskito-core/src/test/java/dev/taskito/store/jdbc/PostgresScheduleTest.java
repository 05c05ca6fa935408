package dev.taskito.store.jdbc;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.ScheduleContractTest;
import dev.taskito.testsupport.TestPostgres;

/**
 * The schedule contract on PostgreSQL, with tables of a fresh prefix per test.
 */
class PostgresScheduleTest extends ScheduleContractTest {

	private final String tablePrefix = TestPostgres.newTablePrefix();

	@Override
	protected ClaimStore createStore() {
		return JdbcClaimStore.builder(TestPostgres.dataSource()).tablePrefix(this.tablePrefix).build();
	}

	@Override
	protected void cleanUp() {
		TestPostgres.dropTables(this.tablePrefix);
	}

}
