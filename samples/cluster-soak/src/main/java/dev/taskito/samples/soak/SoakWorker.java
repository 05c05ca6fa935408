package dev.taskito.samples.soak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.taskito.JobContext;
import dev.taskito.dispatch.QueueDefinition;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.dispatch.TaskHandler;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.store.StoreUnavailableException;

/**
 * One soak instance: a dispatcher in its own JVM whose handlers write every execution start
 * and end to this process's {@link Ledger}. Started by {@link SoakDriver}; stops gracefully
 * on SIGTERM (a shutdown hook closes the dispatcher).
 *
 * <p>Arguments are {@code key=value}: store, prefix, redisPort, instance, ledger,
 * concurrency, leaseMs, heartbeatMs, pollMs, reaperGraceMs, shutdownMs.
 */
public final class SoakWorker {

	/** The workload's tasks: name, queue, cap (0 = none), work in ms, behaviour. */
	enum Kind {

		SHORT("short", "default", 0, 15), LONG("long", "default", 0, 1_500), SOLO("solo", "default", 1, 40),
		TRIO("trio", "default", 3, 120), BULK("bulk", "bounded", 0, 60), FLAKY("flaky", "default", 0, 15),
		DOOMED("doomed", "default", 0, 15),
		/**
		 * Capped at one, so a poisoned attempt that stranded its claim would stop them all: the
		 * first attempt throws an exception whose text PostgreSQL cannot store, an
		 * {@code OutOfMemoryError}, an {@code InternalError}, or holds every connection of the
		 * store's pool for a while before it fails; the second succeeds.
		 */
		POISON("poison", "default", 1, 15);

		final String task;

		final String queue;

		final int cap;

		final long workMillis;

		Kind(String task, String queue, int cap, long workMillis) {
			this.task = task;
			this.queue = queue;
			this.cap = cap;
			this.workMillis = workMillis;
		}

	}

	/** The capped queue and its cap. */
	static final String BOUNDED_QUEUE = "bounded";

	static final int BOUNDED_CAP = 4;

	/** Attempts are not consumed by the handler alone: faults consume some too, so leave room. */
	static final int MAX_RETRIES = 6;

	static final int DOOMED_MAX_RETRIES = 1;

	private SoakWorker() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = parse(args);
		String instance = options.get("instance");
		Ledger ledger = new Ledger(Path.of(options.get("ledger")));
		SoakStores stores = new SoakStores(options.get("store"), options.get("prefix"),
				Integer.parseInt(options.getOrDefault("redisPort", "6379")), "soak-" + instance);
		startStore(stores, instance);
		TaskRegistry registry = registry(ledger, instance, stores::holdEveryConnection);
		TaskDispatcher dispatcher = TaskDispatcher.builder(stores.store(), registry)
			.instanceId(instance)
			.concurrency(Integer.parseInt(options.get("concurrency")))
			.pollInterval(millis(options, "pollMs"))
			.leaseDuration(millis(options, "leaseMs"))
			.heartbeatInterval(millis(options, "heartbeatMs"))
			.reaperGrace(millis(options, "reaperGraceMs"))
			.shutdownTimeout(millis(options, "shutdownMs"))
			.retryBackoff(Duration.ofMillis(100))
			.retryMaxBackoff(Duration.ofMillis(400))
			// The driver compares the store with the ledger after the run: keep every finished job.
			.retention(Duration.ofDays(7), Duration.ofDays(7))
			.build();
		CountDownLatch stopped = new CountDownLatch(1);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			System.out.println("SIGTERM " + instance + " at " + Ledger.nowMicros());
			dispatcher.close();
			stores.close();
			System.out.println("STOPPED " + instance + " at " + Ledger.nowMicros());
			System.out.flush();
			stopped.countDown();
		}, "soak-shutdown"));
		dispatcher.start();
		System.out.println("READY " + instance);
		System.out.flush();
		stopped.await();
	}

	/**
	 * Starts the store, trying again for up to 30 s while it is unreachable, as an orchestrator
	 * restarting a failed instance would: on the shared 2-core machine a new JVM can miss the
	 * pool's 1 s connection timeout. Any other failure (a schema deadlock, say) ends the
	 * worker, and the driver reports it.
	 */
	private static void startStore(SoakStores stores, String instance) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (true) {
			try {
				stores.store().start();
				return;
			}
			catch (StoreUnavailableException ex) {
				if (System.nanoTime() > deadline) {
					throw ex;
				}
				System.out.println("STORE-UNAVAILABLE-AT-START " + instance + ": " + ex.getMessage());
				Thread.sleep(500);
			}
		}
	}

	/**
	 * @param poolHog holds every connection of this instance's store pool for a moment (the
	 *        driver, which runs no handler, passes {@code null})
	 */
	static TaskRegistry registry(Ledger ledger, String instance, Runnable poolHog) {
		TaskRegistry registry = new TaskRegistry();
		for (Kind kind : Kind.values()) {
			TaskDefinition definition = TaskDefinition.of(kind.task, handler(kind, ledger, instance, poolHog))
				.withQueue(kind.queue)
				.withMaxRetries((kind == Kind.DOOMED) ? DOOMED_MAX_RETRIES : MAX_RETRIES);
			if (kind.cap > 0) {
				definition = definition.withMaxConcurrent(kind.cap);
			}
			registry.register(definition);
		}
		registry.configureQueue(new QueueDefinition(BOUNDED_QUEUE, BOUNDED_CAP, null));
		return registry;
	}

	private static TaskHandler handler(Kind kind, Ledger ledger, String instance, Runnable poolHog) {
		List<TaskHandler.Parameter> parameters = List.of(new TaskHandler.Parameter("n", int.class));
		return new TaskHandler() {

			@Override
			public List<Parameter> parameters() {
				return parameters;
			}

			@Override
			public Object handle(Object[] args, JobContext context) throws Exception {
				String id = context.jobId().toString();
				ledger.start(id, instance, context.attempt(), kind.task);
				String outcome = "failed";
				try {
					Thread.sleep(kind.workMillis);
					if (kind == Kind.DOOMED || (kind == Kind.FLAKY && context.attempt() == 1)) {
						throw new IllegalStateException("soak: " + kind.task + " fails attempt " + context.attempt());
					}
					if (kind == Kind.POISON && context.attempt() == 1) {
						poison((int) args[0], poolHog);
					}
					outcome = "ok";
					return null;
				}
				catch (InterruptedException ex) {
					outcome = "interrupted";
					throw ex;
				}
				finally {
					ledger.end(id, instance, context.attempt(), kind.task, outcome, context.isLeaseLost());
				}
			}

			@Override
			public String toString() {
				return "soak handler " + kind.task;
			}

		};
	}

	/**
	 * Fails the way that once froze or stranded an instance.
	 */
	private static void poison(int n, Runnable poolHog) {
		switch (n % 4) {
			case 0 -> throw new IllegalArgumentException("soak: poison record a\u0000b, which PostgreSQL cannot store");
			case 1 -> {
				long[] tooLarge = new long[Integer.MAX_VALUE - 16];
				throw new IllegalStateException("soak: allocated " + tooLarge.length);
			}
			case 2 -> throw new InternalError("soak: poison InternalError");
			default -> {
				poolHog.run();
				throw new IllegalStateException("soak: poison held every pool connection");
			}
		}
	}

	private static Duration millis(Map<String, String> options, String key) {
		return Duration.ofMillis(Long.parseLong(options.get(key)));
	}

	static Map<String, String> parse(String[] args) {
		Map<String, String> options = new HashMap<>();
		for (String arg : args) {
			int eq = arg.indexOf('=');
			if (eq < 1) {
				throw new IllegalArgumentException("expected key=value, got " + arg);
			}
			options.put(arg.substring(0, eq), arg.substring(eq + 1));
		}
		return options;
	}

}
