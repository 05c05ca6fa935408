package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.taskito.JobId;

/**
 * Wake-ups through PostgreSQL {@code NOTIFY}: a notification sent inside a transaction is
 * delivered when it commits, to every instance listening on the channel. Two channels: the
 * wake-up ({@code <prefix>wakeup}) and awaited jobs that finished ({@code <prefix>finished},
 * with the job id as payload, sent by the statements that finish jobs). Listening takes one
 * connection of the plain DataSource on a daemon thread, started with the first listener of
 * either kind, listening on both; it reconnects with backoff when the connection drops. What
 * was sent while it was down is lost: dispatchers are woken once, and awaiting callers read
 * their jobs again now and then anyway.
 */
final class PostgresWakeUpChannel implements WakeUpChannel {

	private static final Logger logger = LoggerFactory.getLogger(PostgresWakeUpChannel.class);

	private static final int POLL_MILLIS = 500;

	private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

	/** How long a new finished listener waits for the channel to listen, at most. */
	private static final Duration LISTEN_WAIT = Duration.ofSeconds(5);

	private final DataSource dataSource;

	private final JdbcStatements statements;

	private final String channel;

	private final String finishedChannel;

	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	private final List<Consumer<JobId>> finishedListeners = new CopyOnWriteArrayList<>();

	private final Object monitor = new Object();

	/** Open once the channel first listens. */
	private final CountDownLatch listening = new CountDownLatch(1);

	private Thread thread;

	private volatile boolean closed;

	PostgresWakeUpChannel(DataSource dataSource, JdbcStatements statements, String channel, String finishedChannel) {
		this.dataSource = dataSource;
		this.statements = statements;
		this.channel = channel;
		this.finishedChannel = finishedChannel;
	}

	@Override
	public void enqueued(Connection connection) {
		// The enqueue statement itself notifies, saving a round trip per batch.
	}

	@Override
	public void beforeCommit(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute(this.statements.get("notify"));
		}
	}

	@Override
	public void afterCommit() {
	}

	@Override
	public void addListener(Runnable listener) {
		this.listeners.add(listener);
		startListening();
	}

	@Override
	public void finished(Collection<JobId> ids) {
		// The statements that finished them sent the notifications, delivered at their commit.
	}

	/**
	 * Returns once the channel listens (or after {@link #LISTEN_WAIT} when it cannot): a
	 * caller that marks a job awaited right after must not miss the notification of a job that
	 * finishes at once.
	 */
	@Override
	public void addFinishedListener(Consumer<JobId> listener) {
		this.finishedListeners.add(listener);
		startListening();
		try {
			this.listening.await(LISTEN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private void startListening() {
		synchronized (this.monitor) {
			if (this.thread == null && !this.closed) {
				this.thread = new Thread(this::listen, "taskito-listen-" + this.channel);
				this.thread.setDaemon(true);
				this.thread.start();
			}
		}
	}

	@Override
	public void close() {
		this.closed = true;
		Thread listening;
		synchronized (this.monitor) {
			listening = this.thread;
		}
		if (listening != null) {
			// Not interrupted: the driver's socket read is not interruptible, and the loop sees
			// the flag within one poll anyway.
			try {
				listening.join(POLL_MILLIS * 4L);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private void listen() {
		long backoffMillis = 100;
		boolean reconnecting = false;
		while (!this.closed) {
			try (Connection connection = this.dataSource.getConnection()) {
				if (!connection.getAutoCommit()) {
					// LISTEN takes effect at commit; an autocommit connection needs none.
					connection.setAutoCommit(true);
				}
				try (Statement statement = connection.createStatement()) {
					statement.execute(this.statements.get("listen-finished"));
					statement.execute(this.statements.get("listen"));
				}
				PGConnection pg = connection.unwrap(PGConnection.class);
				this.listening.countDown();
				backoffMillis = 100;
				if (reconnecting) {
					// Notifications sent while the connection was down are lost: wake anyway.
					fire();
				}
				reconnecting = true;
				while (!this.closed) {
					PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
					if (notifications != null && notifications.length > 0) {
						dispatch(notifications);
					}
				}
				try (Statement statement = connection.createStatement()) {
					// The connection goes back to a pool: it must not keep collecting notifications.
					statement.execute(this.statements.get("unlisten"));
				}
			}
			catch (SQLException | RuntimeException ex) {
				if (this.closed) {
					return;
				}
				logger.warn("Lost the PostgreSQL connection listening on {}; listening again in {} ms", this.channel,
						backoffMillis, ex);
				try {
					Thread.sleep(backoffMillis);
				}
				catch (InterruptedException interrupted) {
					return;
				}
				backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
			}
		}
	}

	private void dispatch(PGNotification[] notifications) {
		boolean wakeUp = false;
		for (PGNotification notification : notifications) {
			if (this.finishedChannel.equals(notification.getName())) {
				fireFinished(notification.getParameter());
			}
			else {
				wakeUp = true;
			}
		}
		if (wakeUp) {
			fire();
		}
	}

	private void fireFinished(String payload) {
		JobId id;
		try {
			id = new JobId(UUID.fromString(payload));
		}
		catch (IllegalArgumentException ex) {
			logger.warn("Ignored a notification on {} that names no job: '{}'", this.finishedChannel, payload);
			return;
		}
		for (Consumer<JobId> listener : this.finishedListeners) {
			try {
				listener.accept(id);
			}
			catch (RuntimeException ex) {
				logger.warn("A finished-job listener failed", ex);
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
