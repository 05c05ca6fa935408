package dev.taskito.store.jdbc;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.ObservabilityContractTest;
import dev.taskito.testsupport.TestPostgres;

/**
 * The observability contract on PostgreSQL, with tables of a fresh prefix per test.
 */
class PostgresObservabilityTest extends ObservabilityContractTest {

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
