package dev.taskito.benchmark.app;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

import dev.taskito.TaskQueue;
import dev.taskito.dispatch.TaskDispatcher;

/**
 * A worker or producer of the benchmark's starter path: a Spring Boot application with the
 * starter and Boot's defaults, started by the orchestrator in a JVM of its own with the
 * store's properties on its command line ({@code spring.datasource.url}, or
 * {@code taskito.store.type=redis} and {@code spring.data.redis.url}, or the embedded H2
 * file's {@code taskito.jdbc.embedded-path}) and {@code taskito.worker.concurrency}. Its own
 * settings are in {@code taskito-bench.yml}.
 *
 * <p>Prints {@code READY} once started, then answers the {@link Command}s it reads from
 * standard input, one {@link Reply} line each on standard output (logs go to standard
 * error), until {@code EXIT} or the end of its input, and then stops gracefully.
 */
@SpringBootApplication
public class BenchApplication {

	/**
	 * @param args Spring Boot command-line properties, {@code --bench.role=worker|producer}
	 * among them
	 * @throws Exception if the control input cannot be read
	 */
	public static void main(String[] args) throws Exception {
		SpringApplication application = new SpringApplication(BenchApplication.class);
		// A name of its own, so that no other application.yml on the benchmark's classpath applies.
		application.setDefaultProperties(Map.of("spring.config.name", "taskito-bench"));
		ConfigurableApplicationContext context = application.run(args);
		Control control = new Control(context.getBean(TaskQueue.class),
				context.getBeanProvider(TaskDispatcher.class).getIfAvailable(), context.getBean(BenchRecorder.class));
		System.out.println(Reply.READY + " role=" + context.getEnvironment().getProperty("bench.role", "worker")
				+ " pid=" + ProcessHandle.current().pid());
		System.out.flush();
		control.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out);
		System.exit(SpringApplication.exit(context));
	}

}
