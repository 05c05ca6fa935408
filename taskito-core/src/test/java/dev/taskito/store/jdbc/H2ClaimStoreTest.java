package dev.taskito.store.jdbc;

import javax.sql.DataSource;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimStoreContractTest;
import dev.taskito.testsupport.TestH2;

/**
 * The contract on H2, a fresh in-memory database per test.
 */
class H2ClaimStoreTest extends ClaimStoreContractTest {

	private final DataSource dataSource = TestH2.newDataSource();

	@Override
	protected ClaimStore createStore() {
		return JdbcClaimStore.builder(this.dataSource).build();
	}

	@Override
	protected void cleanUp() {
		TestH2.shutdown(this.dataSource);
	}

}
