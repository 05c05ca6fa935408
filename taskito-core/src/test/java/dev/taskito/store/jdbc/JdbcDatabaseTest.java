package dev.taskito.store.jdbc;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import dev.taskito.store.StoreUnavailableException;
import dev.taskito.testsupport.TestH2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JdbcDatabaseTest {

	private final DataSource dataSource = TestH2.newDataSource();

	@AfterEach
	void shutdown() {
		TestH2.shutdown(this.dataSource);
	}

	@Test
	void theDialectComesFromTheMetadataAndTheUrlLeavesOutTheSettings() {
		JdbcDatabase database = JdbcDatabase.of(this.dataSource, null);

		assertThat(database.dialect()).isInstanceOf(H2Dialect.class);
		assertThat(database.url()).startsWith("jdbc:h2:mem:taskito-").doesNotContain(";").doesNotContain("DB_CLOSE");
	}

	@Test
	void aDialectSetByHandIsKept() {
		PostgresDialect dialect = new PostgresDialect();

		assertThat(JdbcDatabase.of(this.dataSource, dialect).dialect()).isSameAs(dialect);
	}

	@Test
	void aDatabaseThatCannotBeReachedIsUnavailable() {
		// Nothing listens on port 1: the connection is refused at once.
		PGSimpleDataSource unreachable = new PGSimpleDataSource();
		unreachable.setURL("jdbc:postgresql://127.0.0.1:1/test");

		assertThatThrownBy(() -> JdbcDatabase.of(unreachable, null)).isInstanceOf(StoreUnavailableException.class)
			.hasMessageContaining("Could not read the database's metadata to set up the JDBC store")
			.hasMessageContaining("127.0.0.1:1");
	}

}
