package dev.taskito.dispatch;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.testsupport.TestPostgres;

class PostgresTaskEventsTest extends AbstractTaskEventsTest {

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
