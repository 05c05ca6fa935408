package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wake-ups through PostgreSQL {@code NOTIFY}: a notification sent inside a transaction is
 * delivered when it commits, to every instance listening on the channel. Listening takes
 * one connection of the plain DataSource on a daemon thread, started with the first
 * listener; it reconnects with backoff when the connection drops.
 */
final class PostgresWakeUpChannel implements WakeUpChannel {

	private static final Logger logger = LoggerFactory.getLogger(PostgresWakeUpChannel.class);

	private static final int POLL_MILLIS = 500;

	private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

	private final DataSource dataSource;

	private final JdbcStatements statements;

	private final String channel;

	private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

	private final Object monitor = new Object();

	private Thread thread;

	private volatile boolean closed;

	PostgresWakeUpChannel(DataSource dataSource, JdbcStatements statements, String channel) {
		this.dataSource = dataSource;
		this.statements = statements;
		this.channel = channel;
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
					statement.execute(this.statements.get("listen"));
				}
				PGConnection pg = connection.unwrap(PGConnection.class);
				backoffMillis = 100;
				if (reconnecting) {
					// Notifications sent while the connection was down are lost: wake anyway.
					fire();
				}
				reconnecting = true;
				while (!this.closed) {
					PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
					if (notifications != null && notifications.length > 0) {
						fire();
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
