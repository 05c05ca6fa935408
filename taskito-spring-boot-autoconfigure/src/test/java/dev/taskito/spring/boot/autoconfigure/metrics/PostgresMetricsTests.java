package dev.taskito.spring.boot.autoconfigure.metrics;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import dev.taskito.testsupport.TestPostgres;

/**
 * The meters on PostgreSQL, in tables of this class's own prefix, dropped afterwards.
 */
class PostgresMetricsTests extends AbstractMetricsStoreTests {

	static final String PREFIX = TestPostgres.newTablePrefix();

	@AfterAll
	static void dropTables() {
		TestPostgres.dropTables(PREFIX);
	}

	@Override
	ApplicationContextRunner withStore(ApplicationContextRunner runner) {
		// The pool is shared by the whole test run: the context must not close it.
		return runner.withPropertyValues("taskito.jdbc.table-prefix=" + PREFIX)
			.withBean(DataSource.class, () -> new DelegatingDataSource(TestPostgres.dataSource()));
	}

}
