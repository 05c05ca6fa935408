package dev.taskito.store.redis;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.JobId;
import dev.taskito.store.StoreUnavailableException;

/**
 * Wake-ups through Redis pub/sub: every message the scripts publish on the namespace's
 * channel is passed on at once to every listener of this instance. The same connection
 * hears the finished channel, where the scripts announce awaited jobs that finished (the ids,
 * separated by spaces), passed on to the finished listeners. Listening takes one
 * pub/sub connection of its own, opened with the first listener once the store has started.
 * What was published while that connection was down is lost, so listeners are woken when it
 * is subscribed again, too. A listener that throws is logged and does not stop the others.
 *
 * <p>{@link #subscribe} and {@link #close} are not synchronized here: the store calls them
 * under its own lifecycle lock.
 */
final class RedisWakeUpChannel {

	private static final Logger logger = LoggerFactory.getLogger(RedisWakeUpChannel.class);

	private final RedisClient client;

	private final String clientName;

	private final String channel;

	private final String finishedChannel;

	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	private final List<Consumer<JobId>> finishedListeners = new CopyOnWriteArrayList<>();

	private volatile StatefulRedisPubSubConnection<String, String> pubSubConnection;

	/**
	 * @param client the caller's client, which stays the caller's
	 * @param clientName the store's connection name; the pub/sub connection adds {@code -wakeup}
	 * @param channel the channel the scripts publish wake-ups on
	 * @param finishedChannel the channel the scripts announce finished awaited jobs on
	 */
	RedisWakeUpChannel(RedisClient client, String clientName, String channel, String finishedChannel) {
		this.client = client;
		this.clientName = clientName;
		this.channel = channel;
		this.finishedChannel = finishedChannel;
	}

	/**
	 * Adds a listener; it hears wake-ups once {@link #subscribe} has run.
	 * @param listener called on each wake-up, on Lettuce's event thread
	 */
	void addListener(Runnable listener) {
		this.listeners.add(Objects.requireNonNull(listener, "listener"));
	}

	/**
	 * Adds a listener of finished awaited jobs; it hears them once {@link #subscribe} has run.
	 * @param listener called with each id, on Lettuce's event thread
	 */
	void addFinishedListener(Consumer<JobId> listener) {
		this.finishedListeners.add(Objects.requireNonNull(listener, "listener"));
	}

	/**
	 * Subscribes to the namespace's wake-up and finished channels once, if anyone listens: the scripts
	 * {@code PUBLISH} there when they enqueue due jobs, free a capped slot, resume a queue or
	 * reap a lease, so an idle dispatcher starts at once instead of at its next poll. Lettuce
	 * subscribes again by itself after a reconnect.
	 * @throws StoreUnavailableException when Redis does not answer
	 */
	void subscribe() {
		if (this.pubSubConnection != null || (this.listeners.isEmpty() && this.finishedListeners.isEmpty())) {
			return;
		}
		StatefulRedisPubSubConnection<String, String> pubSub;
		try {
			pubSub = this.client.connectPubSub();
		}
		catch (RedisException ex) {
			throw new StoreUnavailableException("Cannot open the Redis connection for Taskito wake-ups", ex);
		}
		try {
			pubSub.addListener(new RedisPubSubAdapter<>() {

				private boolean subscribedBefore;

				@Override
				public void message(String channel, String message) {
					if (finishedChannel.equals(channel)) {
						notifyFinished(message);
						return;
					}
					// Passed on at once, to every instance: the claim's cap gate keeps instances
					// that claim together from over-claiming a freed slot between them.
					notifyListeners();
				}

				@Override
				public void subscribed(String channel, long count) {
					if (finishedChannel.equals(channel)) {
						// A finished job announced while the connection was down is lost: the
						// awaiting callers read their jobs again now and then (the SPI says so).
						return;
					}
					// Lettuce subscribes again after a reconnect; whatever was published while
					// the connection was down is lost, so look for due work now.
					if (this.subscribedBefore) {
						notifyListeners();
					}
					this.subscribedBefore = true;
				}

			});
			RedisConnector.nameConnection(pubSub, this.clientName + "-wakeup");
			pubSub.sync().subscribe(this.channel, this.finishedChannel);
		}
		catch (RuntimeException ex) {
			pubSub.close();
			throw RedisConnector.translate("subscribe to wake-ups", ex);
		}
		this.pubSubConnection = pubSub;
	}

	private void notifyFinished(String message) {
		for (String id : message.split(" ")) {
			JobId jobId;
			try {
				jobId = JobId.parse(id);
			}
			catch (IllegalArgumentException ex) {
				logger.warn("Ignoring a finished-job announcement that names no job id: '{}'", id);
				continue;
			}
			for (Consumer<JobId> listener : this.finishedListeners) {
				try {
					listener.accept(jobId);
				}
				catch (RuntimeException ex) {
					logger.warn("A Taskito finished-job listener failed", ex);
				}
			}
		}
	}

	private void notifyListeners() {
		for (Runnable listener : this.listeners) {
			try {
				listener.run();
			}
			catch (RuntimeException ex) {
				logger.warn("A Taskito wake-up listener failed", ex);
			}
		}
	}

	/**
	 * Closes the pub/sub connection, if open; listeners stay, for a later {@link #subscribe}.
	 */
	void close() {
		if (this.pubSubConnection != null) {
			this.pubSubConnection.close();
			this.pubSubConnection = null;
		}
	}

}
