package dev.taskito.benchmark.app;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;
import io.lettuce.core.RedisClient;

import dev.taskito.TaskitoDefaults;
import dev.taskito.benchmark.CorePools;
import dev.taskito.benchmark.Instance;
import dev.taskito.benchmark.LatencyProducer;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.dispatch.TaskHandler;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.store.redis.RedisClaimStore;

/**
 * The starter path's application without Spring ({@code --apps=core}): the same tasks,
 * recorder and {@link Control}, in a JVM of its own with the same heap, but taskito-core
 * wired by hand as the core path wires it (a Hikari pool of 12, the engine's defaults, only
 * the concurrency set). Against {@link BenchApplication} it measures what the Spring layer
 * costs, with the process layout of the two alike: two instances are two JVMs on either side.
 *
 * <p>It reads the few properties of {@link BenchApplication}'s command line it needs
 * ({@code bench.role}, {@code bench.keyed}, the store's, {@code taskito.worker.concurrency}
 * and {@code taskito.queues.default.paused}) and ignores the rest (Spring's own).
 */
public final class CoreApplication {

	private CoreApplication() {
	}

	/**
	 * @param args {@code --name=value} properties, as {@link BenchApplication} gets them
	 * @throws Exception if the control input cannot be read
	 */
	public static void main(String[] args) throws Exception {
		Map<String, String> properties = properties(args);
		BenchRecorder recorder = new BenchRecorder();
		TaskRegistry registry = new TaskRegistry();
		tasks(recorder, Boolean.parseBoolean(properties.get("bench.keyed"))).forEach(registry::register);
		HikariDataSource pool = null;
		RedisClient client = null;
		ClaimStore store;
		if ("redis".equals(properties.get("taskito.store.type"))) {
			client = RedisClient.create(required(properties, "spring.data.redis.url"));
			store = RedisClaimStore.builder(client).keyPrefix(required(properties, "taskito.redis.key-prefix")).build();
		}
		else {
			pool = CorePools.jdbc(required(properties, "spring.datasource.url"),
					properties.getOrDefault("spring.datasource.username", ""),
					properties.getOrDefault("spring.datasource.password", ""), "taskito-bench-core",
					CorePools.STORE_POOL_SIZE);
			store = JdbcClaimStore.builder(pool).tablePrefix(required(properties, "taskito.jdbc.table-prefix")).build();
		}
		store.start();
		DefaultTaskQueue queue = new DefaultTaskQueue(store, registry);
		TaskDispatcher dispatcher = null;
		if (!"producer".equals(properties.get("bench.role"))) {
			dispatcher = TaskDispatcher.builder(store, registry)
				.concurrency(Integer.parseInt(required(properties, "taskito.worker.concurrency")))
				.build();
			queue.addEnqueueListener(dispatcher::wakeUp);
			queue.addQueuePauseListener(dispatcher::refreshQueuePauses);
		}
		if (Boolean.parseBoolean(properties.get("taskito.queues.default.paused"))) {
			store.applyConfiguredPause(TaskitoDefaults.QUEUE, true);
		}
		if (dispatcher != null) {
			dispatcher.start();
		}
		System.out.println(Reply.READY + " role=" + properties.getOrDefault("bench.role", "worker") + " pid="
				+ ProcessHandle.current().pid());
		System.out.flush();
		try {
			new Control(queue, dispatcher, recorder)
				.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out);
		}
		finally {
			if (dispatcher != null) {
				dispatcher.close();
			}
			store.close();
			if (pool != null) {
				pool.close();
			}
			if (client != null) {
				client.shutdown();
			}
		}
		System.exit(0);
	}

	private static Map<String, String> properties(String[] args) {
		Map<String, String> properties = new HashMap<>();
		for (String arg : args) {
			int equals = arg.indexOf('=');
			if (!arg.startsWith("--") || equals < 0) {
				throw new IllegalArgumentException("CoreApplication takes --name=value properties, not '" + arg + "'");
			}
			properties.put(arg.substring(2, equals), arg.substring(equals + 1));
		}
		if (properties.containsKey("taskito.jdbc.embedded-path")) {
			throw new IllegalArgumentException("CoreApplication runs on PostgreSQL or Redis, not the embedded H2 file "
					+ "(taskito.jdbc.embedded-path): use --store=postgres or --store=redis with --apps=core");
		}
		return properties;
	}

	private static String required(Map<String, String> properties, String name) {
		String value = properties.get(name);
		if (value == null) {
			throw new IllegalArgumentException("CoreApplication needs --" + name + "=...");
		}
		return value;
	}

	/** {@link BenchTasks}' and {@link BenchKeyedTasks}' tasks, registered by hand. */
	static List<TaskDefinition> tasks(BenchRecorder recorder, boolean keyed) {
		BenchTasks tasks = new BenchTasks(recorder);
		TaskDefinition noop = TaskDefinition.of("noop", Instance.handler(List.of(), (args) -> tasks.noop()));
		TaskDefinition capped = TaskDefinition.of("capped", Instance.handler(List.of(), (args) -> tasks.capped()))
			.withMaxConcurrent(BenchTasks.CAP);
		TaskDefinition latency = TaskDefinition.of(LatencyProducer.TASK,
				Instance.handler(List.of(new TaskHandler.Parameter("sentMicros", long.class)),
						(args) -> tasks.latency(((Number) args[0]).longValue())));
		if (!keyed) {
			return List.of(noop, capped, latency);
		}
		BenchKeyedTasks keyedTasks = new BenchKeyedTasks(recorder);
		TaskDefinition keyedTask = TaskDefinition.of("keyed", Instance.handler(List.of(), (args) -> keyedTasks.keyed()))
			.withMaxConcurrentPerKey(BenchKeyedTasks.KEY_CAP);
		return List.of(noop, capped, latency, keyedTask);
	}

}
