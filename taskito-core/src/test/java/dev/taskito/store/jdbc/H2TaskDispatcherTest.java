package dev.taskito.store.jdbc;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.taskito.dispatch.AbstractTaskDispatcherTest;
import dev.taskito.store.ClaimStore;
import dev.taskito.testsupport.TestH2;

class H2TaskDispatcherTest extends AbstractTaskDispatcherTest {

	private final DataSource database = TestH2.newDataSource();

	/** Pooled, as an application's would be: H2 opens a costly session per unpooled connection. */
	private final HikariDataSource dataSource = pooled(this.database);

	@Override
	protected ClaimStore newStore() {
		return JdbcClaimStore.builder(this.dataSource).build();
	}

	@Override
	protected void dropStoreData() {
		this.dataSource.close();
		TestH2.shutdown(this.database);
	}

	private static HikariDataSource pooled(DataSource database) {
		HikariConfig config = new HikariConfig();
		config.setDataSource(database);
		config.setMaximumPoolSize(16);
		return new HikariDataSource(config);
	}

}
