package dev.taskito.dispatch;

import javax.sql.DataSource;

import dev.taskito.store.ClaimStore;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.testsupport.TestH2;

class H2TaskEventsTest extends AbstractTaskEventsTest {

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
