package dev.taskito.store.jdbc;

import javax.sql.DataSource;

import dev.taskito.dispatch.AbstractKeyClusterTest;
import dev.taskito.store.ClaimStore;
import dev.taskito.testsupport.TestH2;

/**
 * Caps per key on H2.
 */
class H2KeyClusterTest extends AbstractKeyClusterTest {

	private final DataSource dataSource = TestH2.newPooledDataSource();

	@Override
	protected ClaimStore newStore() {
		return JdbcClaimStore.builder(this.dataSource).build();
	}

	@Override
	protected void dropStoreData() {
		TestH2.shutdown(this.dataSource);
	}

}
