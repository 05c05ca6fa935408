package dev.taskito.store.jdbc;

import javax.sql.DataSource;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.JobAdminContractTest;
import dev.taskito.testsupport.TestH2;

/**
 * The operations contract on H2, a fresh in-memory database per test.
 */
class H2JobAdminTest extends JobAdminContractTest {

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
