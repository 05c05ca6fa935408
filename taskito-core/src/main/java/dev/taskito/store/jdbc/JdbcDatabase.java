package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

import dev.taskito.TaskitoException;
import dev.taskito.store.StoreUnavailableException;

/**
 * The database behind a DataSource, as the JDBC store needs to know it: the dialect that
 * fits it, and the URL that names it (settings after {@code ;}, such as H2's
 * {@code DB_CLOSE_DELAY}, left out, since they do not change which database it is). Read
 * once from the database's metadata, when the store is built.
 *
 * @param dialect the dialect
 * @param url the database's URL, or {@code null} when the driver gives none
 */
record JdbcDatabase(JdbcDialect dialect, String url) {

	/**
	 * @param dataSource the DataSource
	 * @param dialect the dialect set by hand, or {@code null} to choose it from the metadata
	 * @return the database
	 * @throws StoreUnavailableException when the database cannot be reached
	 * @throws TaskitoException when no dialect fits the database
	 */
	static JdbcDatabase of(DataSource dataSource, JdbcDialect dialect) {
		String productName;
		String url;
		try (Connection connection = dataSource.getConnection()) {
			DatabaseMetaData metaData = connection.getMetaData();
			productName = metaData.getDatabaseProductName();
			url = metaData.getURL();
		}
		catch (SQLException ex) {
			throw new StoreUnavailableException("Could not read the database's metadata to set up the JDBC store: "
					+ ex.getMessage(), ex);
		}
		JdbcDialect chosen = (dialect != null) ? dialect : List.<JdbcDialect>of(new PostgresDialect(), new H2Dialect())
			.stream()
			.filter((candidate) -> candidate.supports(productName))
			.findFirst()
			.orElseThrow(() -> new TaskitoException("The JDBC store supports PostgreSQL and H2, but the "
					+ "DataSource is " + productName + ": point taskito at one of those, or use "
					+ "taskito.store.type=redis"));
		String database = (url != null && url.indexOf(';') > 0) ? url.substring(0, url.indexOf(';')) : url;
		return new JdbcDatabase(chosen, database);
	}

}
