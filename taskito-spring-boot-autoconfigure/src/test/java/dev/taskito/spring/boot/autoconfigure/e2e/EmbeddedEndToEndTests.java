package dev.taskito.spring.boot.autoconfigure.e2e;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.taskito.spring.boot.autoconfigure.TaskitoEmbeddedDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The zero-configuration default, end to end: an application with no DataSource keeps its
 * jobs in an embedded H2 file (here in a temporary directory, never the shared
 * {@code ./.taskito/}).
 */
@SpringBootTest(classes = EndToEndApplication.Embedded.class)
@DirtiesContext
class EmbeddedEndToEndTests {

	@TempDir
	static Path embedded;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("taskito.jdbc.embedded-path", embedded::toString);
		EndToEndChecks.addProperties(registry);
	}

	@Autowired
	ApplicationContext context;

	@Test
	void capOverriddenInPropertiesHolds() {
		assertThat(this.context.getBean(TaskitoEmbeddedDatabase.class).getDirectory()).isEqualTo(embedded);
		EndToEndChecks.capOverriddenInPropertiesHolds(this.context);
	}

}
