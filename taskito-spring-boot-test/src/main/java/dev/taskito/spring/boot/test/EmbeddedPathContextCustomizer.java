package dev.taskito.spring.boot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Points {@code taskito.jdbc.embedded-path} of each new test context at a fresh temporary
 * directory, so that no two cached contexts open the same H2 file (H2 lets one process
 * hold a file once; a second context on it would fail or share its jobs) and no test
 * writes to the application's {@code ./.taskito}.
 *
 * <p><b>Precedence.</b> The directory comes from a property source placed just above the
 * JVM's system properties: below what the test class sets itself
 * ({@code @SpringBootTest(properties = ...)}, {@code @TestPropertySource},
 * {@code @DynamicPropertySource}, {@code SpringBootTest.args}), which therefore wins, and
 * above the environment and the application's {@code application.yml}, which would point
 * every context at one file. The property only matters to the embedded store: a context
 * that keeps its jobs in a {@code DataSource} or Redis is unaffected (the empty directory
 * is made all the same, and deleted likewise).
 *
 * <p><b>Lifetime.</b> The directory is made when a context is created, and deleted when
 * that context closes (after Taskito's embedded database has closed) or, for a context
 * still cached then, when the JVM exits.
 *
 * <p><b>Context caching.</b> Every instance equals every other: this customizer never
 * makes two otherwise identical test configurations differ, so Spring's context cache
 * keeps working as without it. Test classes whose configuration is identical therefore
 * share one cached context, and with it one directory and one store: jobs one class
 * leaves behind are visible to the other. A test class that needs a store of its own
 * differs in its configuration (a property will do) or uses {@code @DirtiesContext}; a
 * context created again after that, or after the cache evicted it, gets a new directory.
 */
final class EmbeddedPathContextCustomizer implements ContextCustomizer {

	/** The property this customizer sets. */
	static final String EMBEDDED_PATH_PROPERTY = "taskito.jdbc.embedded-path";

	/** The name of the property source it adds. */
	static final String PROPERTY_SOURCE_NAME = "taskitoTestEmbeddedPath";

	private static final String CLEANUP_NAME = "taskitoTestEmbeddedPathCleanup";

	@Override
	public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
		Path directory = createDirectory();
		MutablePropertySources sources = context.getEnvironment().getPropertySources();
		MapPropertySource source = new MapPropertySource(PROPERTY_SOURCE_NAME,
				Map.of(EMBEDDED_PATH_PROPERTY, directory.toString()));
		if (sources.contains(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME)) {
			sources.addBefore(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME, source);
		}
		else {
			sources.addLast(source);
		}
		ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
		if (beanFactory instanceof DefaultSingletonBeanRegistry registry) {
			// Registered before any bean, so destroyed after all of them: the embedded
			// database has closed its file by then.
			registry.registerDisposableBean(CLEANUP_NAME, () -> TemporaryDirectories.delete(directory));
		}
	}

	private static Path createDirectory() {
		try {
			return TemporaryDirectories.create("taskito-test-");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create a temporary directory for " + EMBEDDED_PATH_PROPERTY
					+ " (Taskito's embedded store in tests); set it on the test class to choose one", ex);
		}
	}

	@Override
	public boolean equals(Object other) {
		return other != null && other.getClass() == getClass();
	}

	@Override
	public int hashCode() {
		return getClass().hashCode();
	}

}
