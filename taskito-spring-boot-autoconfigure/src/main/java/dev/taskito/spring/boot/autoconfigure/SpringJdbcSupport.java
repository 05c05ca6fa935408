package dev.taskito.spring.boot.autoconfigure;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

/**
 * Touches spring-jdbc only when it is present (callers check first).
 */
final class SpringJdbcSupport {

	private SpringJdbcSupport() {
	}

	/**
	 * @param dataSource the application's DataSource
	 * @return a view of it whose connections join the current Spring transaction
	 */
	static DataSource transactionAware(DataSource dataSource) {
		return new TransactionAwareDataSourceProxy(dataSource);
	}

}
