package dev.taskito.store.jdbc;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimStoreContractTest;
import dev.taskito.testsupport.TestPostgres;

/**
 * The contract on PostgreSQL, with tables of a fresh prefix per test.
 */
class PostgresClaimStoreTest extends ClaimStoreContractTest {

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
