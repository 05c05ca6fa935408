package dev.taskito.spring.boot.test;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestContextManager;
import org.springframework.test.context.TestPropertySource;

import dev.taskito.spring.boot.autoconfigure.TaskitoEmbeddedDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each test context gets an embedded store of its own, in a temporary directory, unless
 * the test class sets {@code taskito.jdbc.embedded-path}. The test classes are the nested
 * ones below, loaded through Spring's TestContext framework as JUnit would load them.
 */
class EmbeddedPathPerContextTests {

	@Test
	void testClassesWithDifferentContextsGetDifferentTemporaryDirectories() {
		Path first = embeddedDirectory(FirstContext.class);
		Path second = embeddedDirectory(SecondContext.class);

		assertThat(first).isNotEqualTo(second);
		Path temporary = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
		assertThat(first).startsWith(temporary).isDirectory();
		assertThat(second).startsWith(temporary).isDirectory();
		assertThat(first.resolve(TaskitoEmbeddedDatabase.DATABASE_NAME + ".mv.db")).exists();
		assertThat(first).as("the application's own setting is not used in tests")
			.isNotEqualTo(Path.of("target/from-application-properties").toAbsolutePath().normalize())
			.isNotEqualTo(Path.of(".taskito").toAbsolutePath().normalize());
	}

	@Test
	void identicalTestClassesShareOneCachedContextAndItsDirectory() {
		ApplicationContext first = context(FirstContext.class);
		ApplicationContext twin = context(FirstContextTwin.class);

		assertThat(twin).isSameAs(first);
		assertThat(embeddedDirectory(FirstContextTwin.class)).isEqualTo(embeddedDirectory(FirstContext.class));
	}

	@Test
	void anEmbeddedPathTheTestClassSetsIsRespected() {
		assertThat(embeddedDirectory(ExplicitPathContext.class))
			.isEqualTo(Path.of("target/explicit-embedded-path").toAbsolutePath().normalize());
		assertThat(embeddedDirectory(ExplicitPathByTestPropertySourceContext.class))
			.isEqualTo(Path.of("target/explicit-test-property-source").toAbsolutePath().normalize());
		assertThat(embeddedDirectory(ExplicitPathByDynamicPropertySourceContext.class))
			.isEqualTo(Path.of("target/explicit-dynamic-property-source").toAbsolutePath().normalize());
	}

	@Test
	void theDirectoryIsDeletedWhenItsContextCloses() throws Exception {
		TestContextManager manager = new TestContextManager(ClosedContext.class);
		Path directory = manager.getTestContext().getApplicationContext().getBean(TaskitoEmbeddedDatabase.class)
			.getDirectory();
		assertThat(directory).isDirectory();

		manager.getTestContext().markApplicationContextDirty(null);

		assertThat(Files.exists(directory)).isFalse();
	}

	private static ApplicationContext context(Class<?> testClass) {
		return new TestContextManager(testClass).getTestContext().getApplicationContext();
	}

	private static Path embeddedDirectory(Class<?> testClass) {
		return context(testClass).getBean(TaskitoEmbeddedDatabase.class).getDirectory();
	}

	@SpringBootTest(classes = TestApplication.class, properties = "sample.context=first")
	static class FirstContext {

	}

	@SpringBootTest(classes = TestApplication.class, properties = "sample.context=first")
	static class FirstContextTwin {

	}

	@SpringBootTest(classes = TestApplication.class, properties = "sample.context=second")
	static class SecondContext {

	}

	@SpringBootTest(classes = TestApplication.class, properties = "taskito.jdbc.embedded-path=target/explicit-embedded-path")
	static class ExplicitPathContext {

	}

	@SpringBootTest(classes = TestApplication.class)
	@TestPropertySource(properties = "taskito.jdbc.embedded-path=target/explicit-test-property-source")
	static class ExplicitPathByTestPropertySourceContext {

	}

	@SpringBootTest(classes = TestApplication.class)
	static class ExplicitPathByDynamicPropertySourceContext {

		@DynamicPropertySource
		static void embeddedPath(DynamicPropertyRegistry registry) {
			registry.add("taskito.jdbc.embedded-path", () -> "target/explicit-dynamic-property-source");
		}

	}

	@SpringBootTest(classes = TestApplication.class, properties = "sample.context=closed")
	static class ClosedContext {

	}

}
