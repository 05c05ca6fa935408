package dev.taskito.spring.boot.autoconfigure;

import java.io.Closeable;
import java.io.IOException;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.util.ClassUtils;

import dev.taskito.TaskitoDefaults;
import dev.taskito.TaskitoException;

/**
 * Where the dispatcher's plain connections come from when jobs live in the application's
 * {@code DataSource}. When that is a HikariCP pool (Spring Boot's default), a small pool
 * of Taskito's own on the same database, named {@code taskito}, with
 * {@code taskito.jdbc.pool.*} bounds: a heartbeat then never waits behind the
 * application's own work for a connection, nor for Boot's 30 s connection timeout or a
 * silent network. It is closed with the context, after the store. Any other DataSource is
 * used as it is, with a warning saying how to bound it.
 *
 * <p>Deliberately not a {@code DataSource} bean, so the application (and Spring Boot)
 * never mistakes it for the application's own database. Enqueue and cancel still go
 * through the application's DataSource, so they join the caller's transaction.
 */
public final class TaskitoDispatcherDataSource implements DisposableBean {

	private static final Log logger = LogFactory.getLog(TaskitoDispatcherDataSource.class);

	private static final boolean HIKARI_PRESENT = ClassUtils.isPresent("com.zaxxer.hikari.HikariDataSource",
			TaskitoDispatcherDataSource.class.getClassLoader());

	private final DataSource dataSource;

	private final Closeable ownPool;

	private TaskitoDispatcherDataSource(DataSource dataSource, Closeable ownPool) {
		this.dataSource = dataSource;
		this.ownPool = ownPool;
	}

	/**
	 * @param application the application's DataSource that keeps the jobs
	 * @param properties the properties ({@code taskito.jdbc.pool.*}, {@code taskito.lease.*})
	 * @return a pool of Taskito's own derived from the application's HikariCP pool, else
	 * the application's DataSource itself
	 */
	static TaskitoDispatcherDataSource forApplication(DataSource application, TaskitoProperties properties) {
		TaskitoProperties.Pool pool = properties.getJdbc().getPool();
		if (pool.getMaximumSize() < 1) {
			throw new TaskitoException("taskito.jdbc.pool.maximum-size is " + pool.getMaximumSize()
					+ ": use 1 or more (" + TaskitoDefaults.JDBC_POOL_MAXIMUM_SIZE + " by default)");
		}
		DataSource own = HIKARI_PRESENT ? HikariPools.derivedFrom(application, pool) : null;
		if (own == null) {
			logger.warn("Taskito's dispatcher uses the application's DataSource (" + application.getClass().getName()
					+ ") as it is, so its store calls are bounded only by that pool's settings: give it a connection"
					+ " timeout shorter than taskito.lease.heartbeat-interval, " + pool.getMaximumSize()
					+ " connections to spare and, on PostgreSQL, socketTimeout and tcpKeepAlive=true; or use"
					+ " HikariCP with a JDBC URL (Spring Boot's default), from which Taskito derives a bounded pool"
					+ " of its own (taskito.jdbc.pool.*)");
			return new TaskitoDispatcherDataSource(application, null);
		}
		TaskitoStoreConfigurations.warnIfStoreCallsOutlastLeases(
				pool.getConnectionTimeout().plus(pool.getSocketTimeout()),
				"taskito.jdbc.pool.connection-timeout + taskito.jdbc.pool.socket-timeout", properties);
		return new TaskitoDispatcherDataSource(own, (Closeable) own);
	}

	/**
	 * @return the DataSource the dispatcher's connections come from (for the store only;
	 * never exposed as a DataSource bean)
	 */
	public DataSource getDataSource() {
		return this.dataSource;
	}

	@Override
	public void destroy() throws IOException {
		if (this.ownPool != null) {
			this.ownPool.close();
		}
	}

}
