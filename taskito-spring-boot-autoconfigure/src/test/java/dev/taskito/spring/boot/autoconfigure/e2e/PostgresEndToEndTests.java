package dev.taskito.spring.boot.autoconfigure.e2e;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.taskito.spring.boot.autoconfigure.TaskitoEmbeddedDatabase;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application on PostgreSQL (its own {@code DataSource} bean, from core's
 * {@link TestPostgres}): the cap holds and enqueue/cancel follow the application's
 * transactions. Tables get a prefix of their own and are dropped afterwards.
 */
@SpringBootTest(classes = { EndToEndApplication.WithDataSource.class, PostgresEndToEndTests.Postgres.class })
@DirtiesContext
class PostgresEndToEndTests {

	static final String PREFIX = TestPostgres.newTablePrefix();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("taskito.jdbc.table-prefix", () -> PREFIX);
		EndToEndChecks.addProperties(registry);
	}

	@AfterAll
	static void dropTables() {
		TestPostgres.dropTables(PREFIX);
	}

	@Autowired
	ApplicationContext context;

	@Configuration(proxyBeanMethods = false)
	static class Postgres {

		// The pool is shared by the whole test run: the context must not close it.
		@Bean
		DataSource dataSource() {
			return new DelegatingDataSource(TestPostgres.dataSource());
		}

	}

	@Test
	void capOverriddenInPropertiesHolds() {
		assertThat(this.context.getBeanNamesForType(TaskitoEmbeddedDatabase.class)).isEmpty();
		assertThat(this.context.getBean(ClaimStore.class)).isInstanceOfSatisfying(JdbcClaimStore.class,
				(store) -> assertThat(store.dialect().getClass().getSimpleName()).isEqualTo("PostgresDialect"));
		EndToEndChecks.capOverriddenInPropertiesHolds(this.context);
	}

	@Test
	void enqueueAndCancelFollowTheCallersTransaction() {
		EndToEndChecks.enqueueAndCancelFollowTheCallersTransaction(this.context);
	}

}
