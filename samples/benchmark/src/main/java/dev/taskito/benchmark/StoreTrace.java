package dev.taskito.benchmark;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import dev.taskito.store.ClaimStore;

/**
 * A diagnostic ({@code --trace-store}): counts the calls each store method gets, how long
 * they take and how many jobs each carries, to show whether a figure is bound by round
 * trips (many small calls) or by the store's work per job (few slow calls).
 */
final class StoreTrace {

	private static final class Tally {

		final LongAdder calls = new LongAdder();

		final LongAdder nanos = new LongAdder();

		final LongAdder items = new LongAdder();

	}

	private final Map<String, Tally> tallies = new ConcurrentHashMap<>();

	ClaimStore wrap(ClaimStore store) {
		return (ClaimStore) Proxy.newProxyInstance(ClaimStore.class.getClassLoader(), new Class<?>[] { ClaimStore.class },
				(proxy, method, args) -> {
					long start = System.nanoTime();
					Object result;
					try {
						result = method.invoke(store, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
					if (Boolean.getBoolean("benchmark.traceEvents") && !method.getName().equals("pausedQueues")) {
						System.err.printf("EV %d %s %s %s -> %s%n", (System.nanoTime() / 1_000_000) % 100_000,
								Thread.currentThread().getName(), method.getName(),
								(args != null && args.length > 0) ? String.valueOf(args[0]).replaceAll("\\s+", " ") : "", String.valueOf(result).replaceAll("\\s+", " "));
					}
					Tally tally = this.tallies.computeIfAbsent(method.getName(), (name) -> new Tally());
					tally.nanos.add(System.nanoTime() - start);
					tally.calls.increment();
					if (result instanceof Collection<?> answer && !method.getName().equals("heartbeat")) {
						tally.items.add(answer.size());
					}
					else if (args != null && args.length > 0 && args[0] instanceof Collection<?> request) {
						tally.items.add(request.size());
					}
					return result;
				});
	}

	String summary(double seconds) {
		StringBuilder out = new StringBuilder();
		new TreeMap<>(this.tallies).forEach((name, tally) -> {
			long calls = tally.calls.sum();
			if (calls == 0) {
				return;
			}
			out.append(String.format("      %-16s %7d calls %8.1f/s  mean %7.3f ms  %6.1f jobs/call%n", name, calls,
					calls / seconds, tally.nanos.sum() / 1e6 / calls, tally.items.sum() / (double) calls));
		});
		return out.toString();
	}

}
