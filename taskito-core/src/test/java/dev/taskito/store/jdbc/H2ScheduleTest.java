package dev.taskito.store.jdbc;

import javax.sql.DataSource;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.ScheduleContractTest;
import dev.taskito.testsupport.TestH2;

/**
 * The schedule contract on H2, a fresh in-memory database per test.
 */
class H2ScheduleTest extends ScheduleContractTest {

	private final DataSource dataSource = TestH2.newPooledDataSource();

	@Override
	protected ClaimStore createStore() {
		return JdbcClaimStore.builder(this.dataSource).build();
	}

	@Override
	protected void cleanUp() {
		TestH2.shutdown(this.dataSource);
	}

}
