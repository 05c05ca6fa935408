package dev.taskito.spring.boot.autoconfigure;

import org.junit.jupiter.api.Test;

import dev.taskito.TaskitoDefaults;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The properties' defaults are the core's: {@link TaskitoDefaults} is the one place they
 * live.
 */
class TaskitoPropertiesTests {

	@Test
	void defaultsAgreeWithTaskitoDefaults() {
		TaskitoProperties properties = new TaskitoProperties();
		assertThat(properties.getStore().getType()).isNull();
		assertThat(properties.getJdbc().getDataSource()).isNull();
		assertThat(properties.getJdbc().getEmbeddedPath()).isEqualTo(TaskitoDefaults.EMBEDDED_PATH);
		assertThat(properties.getJdbc().getTablePrefix()).isEqualTo(TaskitoDefaults.TABLE_PREFIX);
		assertThat(properties.getJdbc().getInitializeSchema() == TaskitoProperties.InitializeSchema.ALWAYS)
			.isEqualTo(TaskitoDefaults.INITIALIZE_SCHEMA);
		assertThat(properties.getJdbc().getPool().getMaximumSize()).isEqualTo(TaskitoDefaults.JDBC_POOL_MAXIMUM_SIZE);
		assertThat(properties.getJdbc().getPool().getConnectionTimeout())
			.isEqualTo(TaskitoDefaults.JDBC_CONNECTION_TIMEOUT);
		assertThat(properties.getJdbc().getPool().getSocketTimeout()).isEqualTo(TaskitoDefaults.JDBC_SOCKET_TIMEOUT);
		assertThat(properties.getRedis().getKeyPrefix()).isEqualTo(TaskitoDefaults.KEY_PREFIX);
		assertThat(properties.getRedis().getCommandTimeout()).isEqualTo(TaskitoDefaults.REDIS_COMMAND_TIMEOUT);
		assertThat(properties.getTasks()).isEmpty();
		assertThat(properties.getQueues()).isEmpty();
		assertThat(properties.getWorker().getConcurrency()).isEqualTo(TaskitoDefaults.WORKER_CONCURRENCY);
		assertThat(properties.getWorker().getVirtualThreads()).isNull();
		assertThat(properties.getDispatcher().isEnabled()).isEqualTo(TaskitoDefaults.DISPATCHER_ENABLED);
		assertThat(properties.getDispatcher().getPollInterval()).isEqualTo(TaskitoDefaults.POLL_INTERVAL);
		assertThat(properties.getDispatcher().getBatchSize()).isEqualTo(TaskitoDefaults.BATCH_SIZE);
		assertThat(properties.getLease().getDuration()).isEqualTo(TaskitoDefaults.LEASE_DURATION);
		assertThat(properties.getLease().getHeartbeatInterval()).isEqualTo(TaskitoDefaults.HEARTBEAT_INTERVAL);
		assertThat(properties.getRetry().getMaxRetries()).isEqualTo(TaskitoDefaults.MAX_RETRIES);
		assertThat(properties.getRetry().getBackoff()).isEqualTo(TaskitoDefaults.RETRY_BACKOFF);
		assertThat(properties.getRetry().getMaxBackoff()).isEqualTo(TaskitoDefaults.RETRY_MAX_BACKOFF);
		// Unset: derived from Spring Boot's shutdown phase (see TaskitoShutdownTests).
		assertThat(properties.getShutdown().getTimeout()).isNull();
		assertThat(properties.getRetention().getSucceeded()).isEqualTo(TaskitoDefaults.RETENTION_SUCCEEDED);
		assertThat(properties.getRetention().getDead()).isEqualTo(TaskitoDefaults.RETENTION_DEAD);
	}

}
