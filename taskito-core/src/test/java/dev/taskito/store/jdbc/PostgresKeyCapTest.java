package dev.taskito.store.jdbc;

import dev.taskito.dispatch.AbstractKeyCapTest;
import dev.taskito.store.ClaimStore;
import dev.taskito.testsupport.TestPostgres;

/**
 * Caps per key on PostgreSQL.
 */
class PostgresKeyCapTest extends AbstractKeyCapTest {

	private final String tablePrefix = TestPostgres.newTablePrefix();

	@Override
	protected ClaimStore newStore() {
		return JdbcClaimStore.builder(TestPostgres.dataSource()).tablePrefix(this.tablePrefix).build();
	}

	@Override
	protected void dropStoreData() {
		TestPostgres.dropTables(this.tablePrefix);
	}

}
