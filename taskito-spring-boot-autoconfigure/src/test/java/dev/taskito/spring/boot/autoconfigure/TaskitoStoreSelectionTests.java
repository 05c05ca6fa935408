package dev.taskito.spring.boot.autoconfigure;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.taskito.Task;
import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.store.redis.RedisClaimStore;
import dev.taskito.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which store {@code taskito.store.type} and the application's beans choose: the
 * application's DataSource, Redis, or the embedded H2 file, and the errors when none fits.
 */
@ExtendWith(OutputCaptureExtension.class)
class TaskitoStoreSelectionTests {

	@TempDir
	Path embedded;

	private ApplicationContextRunner runner() {
		return runner(this.embedded);
	}

	/**
	 * @param embedded the directory of the embedded H2 file, should Taskito choose it
	 * @return a runner of Taskito with one task and no dispatcher
	 */
	static ApplicationContextRunner runner(Path embedded) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TaskitoAutoConfiguration.class))
			.withBean("reportTasks", ReportTasks.class)
			.withPropertyValues("taskito.jdbc.embedded-path=" + embedded, "taskito.dispatcher.enabled=false");
	}

	private ApplicationContextRunner withApplicationDataSource(String name) {
		return runner().withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
	}

	@Test
	void embeddedFileWhenNothingIsConfigured() {
		runner().withPropertyValues("taskito.dispatcher.enabled=true").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).getBean(ClaimStore.class).isInstanceOf(JdbcClaimStore.class);
			assertThat(context).hasSingleBean(TaskitoEmbeddedDatabase.class);
			assertThat(context).hasSingleBean(TaskDispatcher.class);
			assertThat(context).hasSingleBean(TaskQueue.class);
			assertThat(context).doesNotHaveBean(DataSource.class);
			assertThat(context.getBean(JdbcClaimStore.class).dialect().getClass().getSimpleName()).isEqualTo("H2Dialect");
			assertThat(this.embedded.resolve("taskito.mv.db")).exists();
			context.getBean(TaskQueue.class).enqueue("report", 1);
		});
	}

	@Test
	void embeddedFileWhenTypeIsJdbcWithoutDataSource() {
		runner().withPropertyValues("taskito.store.type=jdbc").run((context) -> {
			assertThat(context).hasSingleBean(TaskitoEmbeddedDatabase.class);
			assertThat(context).getBean(ClaimStore.class).isInstanceOf(JdbcClaimStore.class);
		});
	}

	@Test
	void autoUsesTheApplicationsDataSource() {
		withApplicationDataSource("auto").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).getBean(ClaimStore.class).isInstanceOf(JdbcClaimStore.class);
			assertThat(context).doesNotHaveBean(TaskitoEmbeddedDatabase.class);
			assertThat(tableExists(context.getBean(DataSource.class), "taskito_jobs")).isTrue();
			assertThat(this.embedded.resolve("taskito.mv.db")).doesNotExist();
		});
	}

	@Test
	void autoIgnoresTheInMemoryDatabaseBootGeneratesForTheEmbeddedDriver() {
		runner().withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class)).run((context) -> {
			assertThat(context).hasSingleBean(DataSource.class);
			assertThat(context).hasSingleBean(TaskitoEmbeddedDatabase.class);
			assertThat(tableExists(context.getBean(DataSource.class), "taskito_jobs")).isFalse();
		});
		runner().withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
			.withPropertyValues("taskito.store.type=jdbc")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(TaskitoEmbeddedDatabase.class);
				assertThat(tableExists(context.getBean(DataSource.class), "taskito_jobs")).isTrue();
			});
	}

	@Test
	void typeJdbcUsesTheApplicationsDataSource() {
		withApplicationDataSource("typed").withPropertyValues("taskito.store.type=jdbc", "taskito.jdbc.table-prefix=jobs_")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(TaskitoEmbeddedDatabase.class);
				assertThat(tableExists(context.getBean(DataSource.class), "jobs_jobs")).isTrue();
			});
	}

	@Test
	void namedDataSourceAmongSeveral() {
		runner().withBean("main", DataSource.class, () -> h2("main"))
			.withBean("jobs", DataSource.class, () -> h2("jobs"))
			.withPropertyValues("taskito.jdbc.data-source=jobs")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(tableExists(context.getBean("jobs", DataSource.class), "taskito_jobs")).isTrue();
				assertThat(tableExists(context.getBean("main", DataSource.class), "taskito_jobs")).isFalse();
			});
	}

	@Test
	void severalDataSourcesAndNoneNamedFailsStartup() {
		runner().withBean("main", DataSource.class, () -> h2("main2"))
			.withBean("other", DataSource.class, () -> h2("other2"))
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(TaskBeanPostProcessorTests.taskitoFailure(context))
					.hasMessageContaining("several DataSource beans (main, other)")
					.hasMessageContaining("set taskito.jdbc.data-source");
			});
	}

	@Test
	void namedDataSourceThatDoesNotExistFailsStartup() {
		runner().withBean("main", DataSource.class, () -> h2("main3"))
			.withPropertyValues("taskito.jdbc.data-source=jobs")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(TaskBeanPostProcessorTests.taskitoFailure(context))
					.hasMessageContaining("taskito.jdbc.data-source names 'jobs' but there is no DataSource bean of that name")
					.hasMessageContaining("DataSource beans: main");
			});
	}

	@Test
	void initializeSchemaNeverWithoutTablesFailsStartup() {
		runner().withPropertyValues("taskito.jdbc.initialize-schema=never").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(TaskBeanPostProcessorTests.taskitoFailure(context))
				.hasMessageContaining("taskito.jdbc.initialize-schema");
		});
	}

	@Test
	void typeRedisWithoutRedisFailsStartup() {
		runner().withPropertyValues("taskito.store.type=redis").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(TaskBeanPostProcessorTests.taskitoFailure(context))
				.hasMessageContaining("taskito.store.type is redis but no Redis store can be made");
		});
	}

	@Test
	void anUnknownStoreTypeFailsBindingNamingThePropertyAndValue() {
		runner().withPropertyValues("taskito.store.type=mongo").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("StoreType.mongo");
			BindException binding = findCause(context.getStartupFailure(), BindException.class);
			assertThat(binding).as("a binding failure, which Spring Boot's report explains").isNotNull();
			assertThat(binding.getName()).hasToString("taskito.store.type");
			assertThat(binding.getTarget().getType().resolve()).isEqualTo(TaskitoProperties.StoreType.class);
		});
	}

	@Test
	void anUnknownStoreTypeIsReportedWithTheAllowedValues(CapturedOutput output) {
		SpringApplication application = new SpringApplication(StartupFailureApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setDefaultProperties(Map.of("taskito.store.type", "mongo", "taskito.jdbc.embedded-path",
				this.embedded.toString(), "spring.main.banner-mode", "off"));
		assertThatThrownBy(application::run).isNotNull();
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Property: taskito.store.type")
			.contains("Value: \"mongo\"")
			.contains("The following values are valid:")
			.contains("JDBC")
			.contains("REDIS")
			.doesNotContain("required a bean of type");
	}

	@Test
	void anUnknownStoreTypeTheBinderAcceptsFailsNamingTheAllowedValues() {
		// The binder reads "re-dis" as REDIS leniently; the store choice does not.
		runner().withPropertyValues("taskito.store.type=re-dis").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(TaskBeanPostProcessorTests.taskitoFailure(context))
				.hasMessageContaining("taskito.store.type is 're-dis': use jdbc or redis");
		});
	}

	private static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return type.cast(cause);
			}
		}
		return null;
	}

	@SpringBootConfiguration
	@ImportAutoConfiguration(TaskitoAutoConfiguration.class)
	@Import(ReportTasks.class)
	static class StartupFailureApplication {

	}

	@Test
	void redisBranchAbsentWithoutItsClasses() {
		runner().withClassLoader(new FilteredClassLoader("io.lettuce", "org.springframework.data.redis"))
			.withPropertyValues("taskito.store.type=redis")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(TaskBeanPostProcessorTests.taskitoFailure(context))
					.hasMessageContaining("taskito.store.type is redis but no Redis store can be made");
			});
		runner().withClassLoader(new FilteredClassLoader("io.lettuce", "org.springframework.data.redis"))
			.run((context) -> assertThat(context).hasSingleBean(TaskitoEmbeddedDatabase.class));
	}

	@Test
	void autoUsesRedisWhenThereIsAConnectionFactoryAndNoDataSource() {
		withRedis().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).getBean(ClaimStore.class).isInstanceOf(RedisClaimStore.class);
			assertThat(context).doesNotHaveBean(TaskitoEmbeddedDatabase.class);
			assertThat(context.getBean(RedisClaimStore.class).namespace()).isEqualTo("{taskito-selection}:");
		});
	}

	@Test
	void typeRedisWinsOverTheApplicationsDataSource() {
		withRedis().withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:h2:mem:redis-wins;DB_CLOSE_DELAY=-1",
					"taskito.store.type=redis")
			.run((context) -> assertThat(context).getBean(ClaimStore.class).isInstanceOf(RedisClaimStore.class));
	}

	@Test
	void autoPrefersTheApplicationsDataSourceOverRedis() {
		withRedis().withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:h2:mem:datasource-first;DB_CLOSE_DELAY=-1")
			.run((context) -> {
				assertThat(context).getBean(ClaimStore.class).isInstanceOf(JdbcClaimStore.class);
				assertThat(context).doesNotHaveBean(TaskitoEmbeddedDatabase.class);
			});
	}

	@Test
	void redisStoreAbsentFallsBackToTheEmbeddedFile() {
		withRedis().withClassLoader(new FilteredClassLoader(RedisClaimStore.class))
			.run((context) -> assertThat(context).hasSingleBean(TaskitoEmbeddedDatabase.class));
	}

	private ApplicationContextRunner withRedis() {
		return runner().withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.url=" + TestRedis.url(), "taskito.redis.key-prefix=taskito-selection:");
	}

	@Test
	void aSecondProcessOnTheSameEmbeddedFileFailsNamingTheProperty() throws Exception {
		Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
		Process holder = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
				H2FileHolder.class.getName(), this.embedded.toString())
			.redirectErrorStream(true)
			.start();
		try {
			BufferedReader output = new BufferedReader(
					new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
			assertThat(output.readLine()).isEqualTo("OPEN");
			runner().run((context) -> {
				assertThat(context).hasFailed();
				assertThat(TaskBeanPostProcessorTests.taskitoFailure(context))
					.hasMessageContaining("is already open in another process")
					.hasMessageContaining("taskito.jdbc.embedded-path");
			});
		}
		finally {
			holder.getOutputStream().close();
			if (!holder.waitFor(10, TimeUnit.SECONDS)) {
				holder.destroyForcibly();
			}
		}
	}

	private static DataSource h2(String name) {
		JdbcDataSource dataSource = new JdbcDataSource();
		dataSource.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
		dataSource.setUser("sa");
		return dataSource;
	}

	private static boolean tableExists(DataSource dataSource, String table) {
		Integer count = new JdbcTemplate(dataSource).queryForObject(
				"select count(*) from information_schema.tables where lower(table_name) = ?", Integer.class, table);
		return count != null && count > 0;
	}

	static class ReportTasks {

		@Task(name = "report")
		void report(int id) {
		}

	}

}
