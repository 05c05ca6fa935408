package dev.taskito.spring.boot.autoconfigure.e2e;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.taskito.spring.boot.autoconfigure.TaskitoEmbeddedDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application with its own H2 DataSource: Taskito's jobs live there and follow the
 * application's transactions.
 */
@SpringBootTest(classes = EndToEndApplication.WithDataSource.class)
@DirtiesContext
class H2DataSourceEndToEndTests {

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url",
				() -> "jdbc:h2:mem:app-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
		EndToEndChecks.addProperties(registry);
	}

	@Autowired
	ApplicationContext context;

	@Test
	void enqueueAndCancelFollowTheCallersTransaction() {
		assertThat(this.context.getBeanNamesForType(TaskitoEmbeddedDatabase.class)).isEmpty();
		EndToEndChecks.enqueueAndCancelFollowTheCallersTransaction(this.context);
	}

}
