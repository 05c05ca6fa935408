package dev.taskito.benchmark.instrumentation;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.taskito.JobExecutionInterceptor;
import dev.taskito.JobId;
import dev.taskito.TaskEvent;
import dev.taskito.TaskListener;
import dev.taskito.benchmark.Benchmark;

/**
 * What Taskito's instrumentation costs a job in CPU, measured apart from the drain: a Spring
 * Boot application with the starter and Boot's metrics auto-configuration (a
 * {@code SimpleMeterRegistry} and Boot's observation handlers, as with Actuator) is started in
 * this JVM, and 16 threads then run no-op jobs through what a registry adds to each attempt:
 * the {@code taskito.job} observation around the handler, and the {@code STARTED} and
 * {@code SUCCEEDED} events told to the metrics listener. Without a registry the same threads
 * only call the handler. Each thread's own CPU time ({@link ThreadMXBean}) is summed, so the
 * figure leaves out the time a hypervisor steals, which moved the drains of this machine by
 * tens of per cent from one run to the next; rounds with and without alternate.
 *
 * <p>Divided by the drain's CPU per job across the whole machine (the paired drain prints it),
 * it is the share of the drain's throughput a registry takes where the drain is bound by the
 * CPU, as it is on a 2-core machine with the store on the same host.
 */
public final class InstrumentationCost {

	private static final int THREADS = 16;

	private static final int JOBS_PER_THREAD = 50_000;

	private static final int WARMUP_ROUNDS = 3;

	private static final AtomicLong SEQUENCE = new AtomicLong();

	private InstrumentationCost() {
	}

	/**
	 * Starts the application, measures, prints the figures and stops the application.
	 * @param rounds measured rounds of each side
	 * @return the median CPU nanoseconds per job without and with the registry's instrumentation
	 * @throws Exception if the application does not start or a thread fails
	 */
	public static double[] run(int rounds) throws Exception {
		Path embedded = Path.of("target", "benchmark-instrumentation").toAbsolutePath();
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
			.properties(Map.of("taskito.dispatcher.enabled", "false", "taskito.jdbc.embedded-path", embedded.toString(),
					"spring.autoconfigure.exclude",
					"org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
							+ "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
					"spring.main.banner-mode", "off", "logging.level.root", "warn"))
			.run()) {
			List<JobExecutionInterceptor> interceptors = List
				.copyOf(context.getBeanProvider(JobExecutionInterceptor.class).orderedStream().toList());
			List<TaskListener> listeners = List.copyOf(context.getBeanProvider(TaskListener.class).orderedStream().toList());
			if (interceptors.isEmpty() || listeners.isEmpty()) {
				throw new IllegalStateException("The application has no Taskito interceptor or listener: is "
						+ "Boot's metrics auto-configuration on the benchmark's classpath? interceptors " + interceptors
						+ ", listeners " + listeners);
			}
			System.err.printf("instrumentation: interceptors %s, listeners %s%n",
					interceptors.stream().map((i) -> i.getClass().getSimpleName()).toList(),
					listeners.stream().map((l) -> l.getClass().getSimpleName()).toList());
			List<Double> without = new ArrayList<>();
			List<Double> observed = new ArrayList<>();
			List<Double> listened = new ArrayList<>();
			List<Double> with = new ArrayList<>();
			for (int round = 0; round < WARMUP_ROUNDS + rounds; round++) {
				double bare = measure(List.of(), List.of());
				double observation = measure(interceptors, List.of());
				double listener = measure(List.of(), listeners);
				double instrumented = measure(interceptors, listeners);
				if (round >= WARMUP_ROUNDS) {
					without.add(bare);
					observed.add(observation);
					listened.add(listener);
					with.add(instrumented);
				}
			}
			double withoutMedian = Benchmark.median(without);
			double withMedian = Benchmark.median(with);
			System.err.printf("instrumentation: CPU per job without a registry %.0f ns %s; with the interceptors only "
					+ "%.0f ns %s; with the listeners only %.0f ns %s; with both %.0f ns %s: the registry adds %.2f us "
					+ "per job%n", withoutMedian, rounded(without), Benchmark.median(observed), rounded(observed),
					Benchmark.median(listened), rounded(listened), withMedian, rounded(with),
					(withMedian - withoutMedian) / 1000);
			return new double[] { withoutMedian, withMedian };
		}
	}

	/**
	 * One round: every thread runs its jobs; returns the CPU nanoseconds per job, all threads'.
	 */
	private static double measure(List<JobExecutionInterceptor> interceptors, List<TaskListener> listeners)
			throws Exception {
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		AtomicLong cpu = new AtomicLong();
		CyclicBarrier start = new CyclicBarrier(THREADS);
		List<Thread> running = new ArrayList<>();
		List<Throwable> failures = new ArrayList<>();
		for (int t = 0; t < THREADS; t++) {
			Thread thread = new Thread(() -> {
				try {
					start.await();
					long before = threads.getCurrentThreadCpuTime();
					for (int i = 0; i < JOBS_PER_THREAD; i++) {
						runJob(interceptors, listeners);
					}
					cpu.addAndGet(threads.getCurrentThreadCpuTime() - before);
				}
				catch (Throwable ex) {
					synchronized (failures) {
						failures.add(ex);
					}
				}
			}, "instrumentation-" + t);
			running.add(thread);
			thread.start();
		}
		for (Thread thread : running) {
			thread.join();
		}
		if (!failures.isEmpty()) {
			throw new IllegalStateException("An instrumentation thread failed", failures.get(0));
		}
		return cpu.get() / (double) (THREADS * JOBS_PER_THREAD);
	}

	/**
	 * What the dispatcher does around one attempt of a no-op job when a registry is present:
	 * the interceptors around the handler, and the start and success events, told on the
	 * worker's thread to the listeners that say they never block (the metrics listener does).
	 */
	private static void runJob(List<JobExecutionInterceptor> interceptors, List<TaskListener> listeners)
			throws Exception {
		// Not UUID.randomUUID(): its SecureRandom would be most of the bare side's time.
		long n = SEQUENCE.incrementAndGet();
		JobId id = new JobId(new UUID(n, n));
		Instant due = Instant.now();
		if (!listeners.isEmpty()) {
			TaskEvent started = new TaskEvent(TaskEvent.Type.STARTED, id, "noop", "default", 1, due,
					Duration.between(due, Instant.now()), null, null, null, 1, Instant.now());
			for (TaskListener listener : listeners) {
				listener.onEvent(started);
			}
		}
		long began = System.nanoTime();
		new Attempt(id, interceptors, 0).proceed();
		if (!listeners.isEmpty()) {
			TaskEvent succeeded = new TaskEvent(TaskEvent.Type.SUCCEEDED, id, "noop", "default", 1, due, null,
					Duration.ofNanos(System.nanoTime() - began), null, null, 1, Instant.now());
			for (TaskListener listener : listeners) {
				listener.onEvent(succeeded);
			}
		}
	}

	private static List<Long> rounded(List<Double> values) {
		return values.stream().map(Math::round).toList();
	}

	/**
	 * One attempt through the interceptors, innermost the no-op handler.
	 */
	private record Attempt(JobId jobId, List<JobExecutionInterceptor> interceptors, int level)
			implements JobExecutionInterceptor.Execution {

		@Override
		public String taskName() {
			return "noop";
		}

		@Override
		public String queue() {
			return "default";
		}

		@Override
		public int attempt() {
			return 1;
		}

		@Override
		public Map<String, String> headers() {
			return Map.of();
		}

		@Override
		public Object proceed() throws Exception {
			if (this.level == this.interceptors.size()) {
				return null;
			}
			return this.interceptors.get(this.level).intercept(new Attempt(this.jobId, this.interceptors, this.level + 1));
		}

	}

	/**
	 * The application: auto-configuration only, no component scan, so none of the benchmark's
	 * tasks register.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

	}

}
