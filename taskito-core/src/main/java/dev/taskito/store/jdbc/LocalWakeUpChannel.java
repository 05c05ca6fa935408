package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.JobId;

/**
 * Wake-ups and finished jobs between the stores of one JVM that share a database and table
 * prefix: H2 is opened by one process only, so every store that could be told lives in this
 * JVM.
 */
final class LocalWakeUpChannel implements WakeUpChannel {

	private static final Logger logger = LoggerFactory.getLogger(LocalWakeUpChannel.class);

	/** The channels per database and prefix; a store joins at build and leaves at close. */
	private static final Map<String, Set<LocalWakeUpChannel>> CHANNELS = new ConcurrentHashMap<>();

	private final String key;

	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	private final List<Consumer<JobId>> finishedListeners = new CopyOnWriteArrayList<>();

	private LocalWakeUpChannel(String key) {
		this.key = key;
	}

	static LocalWakeUpChannel join(String key) {
		LocalWakeUpChannel channel = new LocalWakeUpChannel(key);
		CHANNELS.computeIfAbsent(key, (k) -> ConcurrentHashMap.newKeySet()).add(channel);
		return channel;
	}

	@Override
	public void enqueued(Connection connection) {
		// Inside a caller's transaction this may come before the commit; a dispatcher that
		// wakes too early finds nothing yet and polls again, which is the fallback anyway.
		broadcast();
	}

	@Override
	public void beforeCommit(Connection connection) {
	}

	@Override
	public void afterCommit() {
		broadcast();
	}

	@Override
	public void addListener(Runnable listener) {
		this.listeners.add(listener);
	}

	@Override
	public void finished(Collection<JobId> ids) {
		if (ids.isEmpty()) {
			return;
		}
		for (LocalWakeUpChannel channel : CHANNELS.getOrDefault(this.key, Set.of())) {
			channel.fireFinished(ids);
		}
	}

	@Override
	public void addFinishedListener(Consumer<JobId> listener) {
		this.finishedListeners.add(listener);
	}

	@Override
	public void close() {
		CHANNELS.computeIfPresent(this.key, (k, channels) -> {
			channels.remove(this);
			return channels.isEmpty() ? null : channels;
		});
	}

	private void broadcast() {
		for (LocalWakeUpChannel channel : CHANNELS.getOrDefault(this.key, Set.of())) {
			channel.fire();
		}
	}

	private void fireFinished(Collection<JobId> ids) {
		for (Consumer<JobId> listener : this.finishedListeners) {
			for (JobId id : ids) {
				try {
					listener.accept(id);
				}
				catch (RuntimeException ex) {
					logger.warn("A finished-job listener failed", ex);
				}
			}
		}
	}

	private void fire() {
		for (Runnable listener : this.listeners) {
			try {
				listener.run();
			}
			catch (RuntimeException ex) {
				logger.warn("A wake-up listener failed", ex);
			}
		}
	}

}
