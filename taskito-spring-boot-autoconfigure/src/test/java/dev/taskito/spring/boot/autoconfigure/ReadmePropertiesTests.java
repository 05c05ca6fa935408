package dev.taskito.spring.boot.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.env.StandardEnvironment;

import dev.taskito.spring.boot.autoconfigure.metrics.TaskitoMetricsProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The IDE metadata and the README's property table show the real defaults; the table lists every property the configuration processor found, with
 * the default the properties class really has.
 */
class ReadmePropertiesTests {

	private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| ([^|]+) \\|", Pattern.MULTILINE);

	@Test
	void readmeListsEveryPropertyWithItsDefault() throws IOException {
		Map<String, String> table = new LinkedHashMap<>();
		Matcher row = ROW.matcher(Files.readString(Path.of("..", "README.md")));
		while (row.find()) {
			table.put(row.group(1), row.group(2).trim());
		}
		JsonNode metadata = JsonMapper.builder()
			.build()
			.readTree(Path.of("target", "classes", "META-INF", "spring-configuration-metadata.json").toFile());
		for (JsonNode property : metadata.get("properties")) {
			String name = property.get("name").asString();
			if (name.equals("taskito.tasks") || name.equals("taskito.queues")) {
				assertThat(table.keySet()).anyMatch((documented) -> documented.startsWith(name + ".<name>."));
			}
			else {
				assertThat(table).as("README row of " + name).containsKey(name);
			}
		}
		TaskitoProperties defaults = new TaskitoProperties();
		assertThat(table).containsEntry("taskito.jdbc.embedded-path", code(defaults.getJdbc().getEmbeddedPath()))
			.containsEntry("taskito.jdbc.table-prefix", code(defaults.getJdbc().getTablePrefix()))
			.containsEntry("taskito.jdbc.initialize-schema", code("always"))
			.containsEntry("taskito.jdbc.pool.maximum-size", code(defaults.getJdbc().getPool().getMaximumSize()))
			.containsEntry("taskito.jdbc.pool.connection-timeout",
					code(defaults.getJdbc().getPool().getConnectionTimeout()))
			.containsEntry("taskito.jdbc.pool.socket-timeout", code(defaults.getJdbc().getPool().getSocketTimeout()))
			.containsEntry("taskito.redis.key-prefix", code(defaults.getRedis().getKeyPrefix()))
			.containsEntry("taskito.redis.command-timeout", code(defaults.getRedis().getCommandTimeout()))
			.containsEntry("taskito.worker.concurrency", code(defaults.getWorker().getConcurrency()))
			.containsEntry("taskito.dispatcher.enabled", code(defaults.getDispatcher().isEnabled()))
			.containsEntry("taskito.dispatcher.poll-interval", code(defaults.getDispatcher().getPollInterval()))
			.containsEntry("taskito.dispatcher.batch-size", code(defaults.getDispatcher().getBatchSize()))
			.containsEntry("taskito.lease.duration", code(defaults.getLease().getDuration()))
			.containsEntry("taskito.lease.heartbeat-interval", code(defaults.getLease().getHeartbeatInterval()))
			.containsEntry("taskito.retry.max-retries", code(defaults.getRetry().getMaxRetries()))
			.containsEntry("taskito.retry.backoff", code(defaults.getRetry().getBackoff()))
			.containsEntry("taskito.retry.max-backoff", code(defaults.getRetry().getMaxBackoff()))
			.containsEntry("taskito.retention.succeeded", code(defaults.getRetention().getSucceeded()))
			.containsEntry("taskito.retention.dead", code(defaults.getRetention().getDead()))
			.containsEntry("taskito.metrics.gauge-interval", code(new TaskitoMetricsProperties().getGaugeInterval()));
		assertThat(table.get("taskito.shutdown.timeout")).as("the shutdown timeout derived from Boot's default phase")
			.contains(code(TaskitoLifecycle.shutdownTimeout(null, new StandardEnvironment())));
	}

	@Test
	void metadataDefaultsAgreeWithTheProperties() throws IOException {
		JsonNode metadata = JsonMapper.builder()
			.build()
			.readTree(Path.of("target", "classes", "META-INF", "spring-configuration-metadata.json").toFile());
		Map<String, String> defaults = new LinkedHashMap<>();
		for (JsonNode property : metadata.get("properties")) {
			if (property.has("defaultValue")) {
				defaults.put(property.get("name").asString(), property.get("defaultValue").asString());
			}
		}
		TaskitoProperties properties = new TaskitoProperties();
		assertThat(defaults).containsEntry("taskito.jdbc.embedded-path", properties.getJdbc().getEmbeddedPath())
			.containsEntry("taskito.jdbc.table-prefix", properties.getJdbc().getTablePrefix())
			.containsEntry("taskito.jdbc.initialize-schema", "always")
			.containsEntry("taskito.jdbc.pool.maximum-size", plain(properties.getJdbc().getPool().getMaximumSize()))
			.containsEntry("taskito.jdbc.pool.connection-timeout",
					plain(properties.getJdbc().getPool().getConnectionTimeout()))
			.containsEntry("taskito.jdbc.pool.socket-timeout", plain(properties.getJdbc().getPool().getSocketTimeout()))
			.containsEntry("taskito.redis.key-prefix", properties.getRedis().getKeyPrefix())
			.containsEntry("taskito.redis.command-timeout", plain(properties.getRedis().getCommandTimeout()))
			.containsEntry("taskito.worker.concurrency", plain(properties.getWorker().getConcurrency()))
			.containsEntry("taskito.dispatcher.enabled", plain(properties.getDispatcher().isEnabled()))
			.containsEntry("taskito.dispatcher.poll-interval", plain(properties.getDispatcher().getPollInterval()))
			.containsEntry("taskito.dispatcher.batch-size", plain(properties.getDispatcher().getBatchSize()))
			.containsEntry("taskito.lease.duration", plain(properties.getLease().getDuration()))
			.containsEntry("taskito.lease.heartbeat-interval", plain(properties.getLease().getHeartbeatInterval()))
			.containsEntry("taskito.retry.max-retries", plain(properties.getRetry().getMaxRetries()))
			.containsEntry("taskito.retry.backoff", plain(properties.getRetry().getBackoff()))
			.containsEntry("taskito.retry.max-backoff", plain(properties.getRetry().getMaxBackoff()))
			.containsEntry("taskito.retention.succeeded", plain(properties.getRetention().getSucceeded()))
			.containsEntry("taskito.retention.dead", plain(properties.getRetention().getDead()))
			.containsEntry("taskito.metrics.gauge-interval", plain(new TaskitoMetricsProperties().getGaugeInterval()))
			.doesNotContainKey("taskito.shutdown.timeout");
	}

	private static String plain(Object value) {
		return (value instanceof Duration duration) ? format(duration) : String.valueOf(value);
	}

	private static String code(Object value) {
		return "`" + ((value instanceof Duration duration) ? format(duration) : value) + "`";
	}

	private static String format(Duration duration) {
		if (duration.toMillis() % 86_400_000 == 0) {
			return duration.toDays() + "d";
		}
		if (duration.toMillis() % 3_600_000 == 0) {
			return duration.toHours() + "h";
		}
		if (duration.toMillis() % 60_000 == 0) {
			return duration.toMinutes() + "m";
		}
		if (duration.toMillis() % 1000 == 0) {
			return duration.toSeconds() + "s";
		}
		return duration.toMillis() + "ms";
	}

}
