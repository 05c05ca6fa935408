package dev.taskito.spring.boot.autoconfigure;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.assertj.core.util.introspection.PropertyOrFieldSupport;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.taskito.TaskitoDefaults;
import dev.taskito.store.redis.RedisClaimStore;
import dev.taskito.testsupport.TestPostgres;
import dev.taskito.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Every store call of the dispatcher is bounded: with the application's HikariCP pool, the
 * dispatcher gets a small pool of its own on the same database with
 * {@code taskito.jdbc.pool.*} bounds, closed with the context; any other DataSource is
 * used as it is, with a warning; Redis commands carry {@code taskito.redis.command-timeout}.
 */
@ExtendWith(OutputCaptureExtension.class)
class TaskitoDispatcherDataSourceTests {

	@TempDir
	Path embedded;

	private ApplicationContextRunner runner() {
		return TaskitoStoreSelectionTests.runner(this.embedded);
	}

	private ApplicationContextRunner withHikari(String url, String user, String password) {
		return runner().withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=" + url, "spring.datasource.username=" + user,
					"spring.datasource.password=" + password, "spring.datasource.hikari.pool-name=application");
	}

	@Test
	void theDispatcherGetsABoundedPoolOfItsOwnOnTheApplicationsDatabase() {
		withHikari("jdbc:h2:mem:own-pool;DB_CLOSE_DELAY=-1", "sa", "").run((context) -> {
			assertThat(context).hasNotFailed();
			HikariDataSource application = context.getBean(HikariDataSource.class);
			assertThat(context.getBean(TaskitoDispatcherDataSource.class).getDataSource())
				.isInstanceOfSatisfying(HikariDataSource.class, (own) -> {
					assertThat(own).isNotSameAs(application);
					assertThat(own.getPoolName()).isEqualTo("taskito");
					assertThat(own.getJdbcUrl()).isEqualTo(application.getJdbcUrl());
					assertThat(own.getUsername()).isEqualTo("sa");
					assertThat(own.getMaximumPoolSize()).isEqualTo(TaskitoDefaults.JDBC_POOL_MAXIMUM_SIZE);
					assertThat(own.getConnectionTimeout()).isEqualTo(TaskitoDefaults.JDBC_CONNECTION_TIMEOUT.toMillis());
					// No socket on H2: the socket timeout is PostgreSQL's.
					assertThat(own.getDataSourceProperties()).doesNotContainKey("socketTimeout");
				});
			assertThat(application.getPoolName()).isEqualTo("application");
		});
	}

	@Test
	void onPostgresTheDriverGetsASocketTimeoutAndKeepalive() {
		HikariDataSource shared = (HikariDataSource) TestPostgres.dataSource();
		String prefix = TestPostgres.newTablePrefix();
		try {
			withHikari(shared.getJdbcUrl(), shared.getUsername(),
					(shared.getPassword() != null) ? shared.getPassword() : "")
				.withPropertyValues("taskito.jdbc.table-prefix=" + prefix, "taskito.jdbc.pool.maximum-size=4",
						"taskito.jdbc.pool.connection-timeout=2s", "taskito.jdbc.pool.socket-timeout=1500ms")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					assertThat(context.getBean(TaskitoDispatcherDataSource.class).getDataSource())
						.isInstanceOfSatisfying(HikariDataSource.class, (own) -> {
							assertThat(own.getMaximumPoolSize()).isEqualTo(4);
							assertThat(own.getConnectionTimeout()).isEqualTo(2000);
							// Whole seconds, rounded up.
							assertThat(own.getDataSourceProperties()).containsEntry("socketTimeout", "2")
								.containsEntry("tcpKeepAlive", "true")
								.containsEntry("ApplicationName", "taskito");
						});
				});
		}
		finally {
			TestPostgres.dropTables(prefix);
		}
	}

	@Test
	void aQueryOverASilentNetworkEndsAtTheSocketTimeout() throws Exception {
		HikariDataSource shared = (HikariDataSource) TestPostgres.dataSource();
		URI server = URI.create(shared.getJdbcUrl().substring("jdbc:".length()));
		String prefix = TestPostgres.newTablePrefix();
		try (FreezableRelay relay = new FreezableRelay(server.getHost(),
				(server.getPort() > 0) ? server.getPort() : 5432)) {
			String url = "jdbc:postgresql://127.0.0.1:" + relay.port() + server.getRawPath()
					+ ((server.getRawQuery() != null) ? "?" + server.getRawQuery() : "");
			withHikari(url, shared.getUsername(), (shared.getPassword() != null) ? shared.getPassword() : "")
				.withPropertyValues("taskito.jdbc.table-prefix=" + prefix, "taskito.jdbc.pool.socket-timeout=1s")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					DataSource own = context.getBean(TaskitoDispatcherDataSource.class).getDataSource();
					try (Connection connection = own.getConnection();
							Statement statement = connection.createStatement()) {
						relay.freeze();
						try {
							// Boot's own pool has no socket timeout: there the query would wait for good.
							assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(
									() -> statement.execute("SELECT 1")).isInstanceOf(SQLException.class));
						}
						finally {
							// Ends a query still waiting, so the statement and connection can close.
							relay.close();
						}
					}
				});
		}
		finally {
			TestPostgres.dropTables(prefix);
		}
	}

	@Test
	void aHikariPoolTheApplicationBuiltByHandIsDerivedToo() {
		HikariDataSource application = new HikariDataSource();
		application.setJdbcUrl("jdbc:h2:mem:by-hand;DB_CLOSE_DELAY=-1");
		application.setUsername("sa");
		runner().withBean("dataSource", DataSource.class, () -> application).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(TaskitoDispatcherDataSource.class).getDataSource())
				.isInstanceOfSatisfying(HikariDataSource.class, (own) -> {
					assertThat(own).isNotSameAs(application);
					assertThat(own.getPoolName()).isEqualTo("taskito");
					assertThat(own.getJdbcUrl()).isEqualTo(application.getJdbcUrl());
				});
		});
	}

	@Test
	void theOwnPoolClosesWithTheContext() {
		HikariDataSource[] own = new HikariDataSource[1];
		withHikari("jdbc:h2:mem:closes;DB_CLOSE_DELAY=-1", "sa", "").run((context) -> {
			own[0] = (HikariDataSource) context.getBean(TaskitoDispatcherDataSource.class).getDataSource();
			assertThat(own[0].isClosed()).isFalse();
		});
		assertThat(own[0].isClosed()).isTrue();
	}

	@Test
	void anotherKindOfDataSourceIsUsedAsItIsWithAWarning(CapturedOutput output) {
		JdbcDataSource h2 = new JdbcDataSource();
		h2.setURL("jdbc:h2:mem:not-hikari;DB_CLOSE_DELAY=-1");
		h2.setUser("sa");
		runner().withBean("dataSource", DataSource.class, () -> h2).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(TaskitoDispatcherDataSource.class).getDataSource()).isSameAs(h2);
			assertThat(output).contains("Taskito's dispatcher uses the application's DataSource ("
					+ JdbcDataSource.class.getName() + ") as it is")
				.contains("or use HikariCP with a JDBC URL");
		});
	}

	@Test
	void boundsThatOutlastTheLeaseAreWarnedAbout(CapturedOutput output) {
		withHikari("jdbc:h2:mem:outlast;DB_CLOSE_DELAY=-1", "sa", "")
			.withPropertyValues("taskito.jdbc.pool.socket-timeout=30s")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output).contains("A Taskito store call may hang for up to PT33S (taskito.jdbc.pool."
						+ "connection-timeout + taskito.jdbc.pool.socket-timeout) but leases must be renewed within PT25S");
			});
	}

	@Test
	void theEmbeddedFilesPoolWaitsNoLongerThanTheConnectionTimeout() {
		runner().withPropertyValues("taskito.jdbc.pool.connection-timeout=1s").run((context) -> {
			assertThat(context.getBean(TaskitoEmbeddedDatabase.class).getDataSource())
				.isInstanceOfSatisfying(HikariDataSource.class,
						(pool) -> assertThat(pool.getConnectionTimeout()).isEqualTo(1000));
		});
	}

	@Test
	void redisCommandsCarryTheConfiguredTimeout() {
		runner().withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.url=" + TestRedis.url(), "taskito.redis.key-prefix=taskito-bounds:",
					"taskito.redis.command-timeout=2s")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RedisClaimStore store = context.getBean(RedisClaimStore.class);
				assertThat(PropertyOrFieldSupport.EXTRACTION.getValueOf("connector.commandTimeout", store))
					.isEqualTo(Duration.ofSeconds(2));
			});
	}

}
