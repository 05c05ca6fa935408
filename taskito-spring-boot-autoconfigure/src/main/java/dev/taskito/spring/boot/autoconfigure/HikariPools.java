package dev.taskito.spring.boot.autoconfigure;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * Taskito's own HikariCP pools and their bounds. Touches HikariCP only when it is present
 * (callers check first).
 */
final class HikariPools {

	/** The name of the dispatcher's pool, as metrics, JMX and the logs show it. */
	static final String DISPATCHER_POOL_NAME = "taskito";

	/** The driver's {@code ApplicationName} on PostgreSQL, as {@code pg_stat_activity} shows it. */
	static final String POSTGRES_APPLICATION_NAME = "taskito";

	private HikariPools() {
	}

	/**
	 * @param application the application's DataSource
	 * @param pool the bounds
	 * @return a pool of Taskito's own derived from the application's HikariCP pool (see
	 * {@link #derive}), or {@code null} when the application's DataSource is none or one
	 * that cannot be derived from
	 */
	static DataSource derivedFrom(DataSource application, TaskitoProperties.Pool pool) {
		HikariDataSource hikari = unwrap(application);
		return (hikari != null) ? derive(hikari, pool) : null;
	}

	/**
	 * @param dataSource the application's DataSource
	 * @return its HikariCP pool (behind any wrappers), or {@code null} when it is none
	 */
	private static HikariDataSource unwrap(DataSource dataSource) {
		try {
			return dataSource.isWrapperFor(HikariDataSource.class) ? dataSource.unwrap(HikariDataSource.class) : null;
		}
		catch (SQLException ex) {
			return null;
		}
	}

	/**
	 * A pool of Taskito's own on the application pool's database: same JDBC URL or data
	 * source class, driver, credentials, data source properties, schema, catalog,
	 * connection init SQL, lifetimes and JMX registration, with Taskito's bounds. It opens
	 * its connections on first use, so an unreachable database fails in the store with its
	 * usual message.
	 * @param application the application's pool
	 * @param pool the bounds
	 * @return the pool, or {@code null} when the application's pool names its database
	 * through a DataSource object or JNDI, which cannot be shared
	 */
	static HikariDataSource derive(HikariDataSource application, TaskitoProperties.Pool pool) {
		if (application.getJdbcUrl() == null && application.getDataSourceClassName() == null) {
			return null;
		}
		HikariDataSource own = new HikariDataSource();
		own.setPoolName(DISPATCHER_POOL_NAME);
		own.setJdbcUrl(application.getJdbcUrl());
		if (application.getDriverClassName() != null) {
			own.setDriverClassName(application.getDriverClassName());
		}
		own.setDataSourceClassName(application.getDataSourceClassName());
		own.setUsername(application.getUsername());
		own.setPassword(application.getPassword());
		own.setCredentialsProvider(application.getCredentialsProvider());
		Properties properties = new Properties();
		properties.putAll(application.getDataSourceProperties());
		own.setDataSourceProperties(properties);
		own.setSchema(application.getSchema());
		own.setCatalog(application.getCatalog());
		own.setConnectionInitSql(application.getConnectionInitSql());
		own.setMaxLifetime(application.getMaxLifetime());
		own.setKeepaliveTime(application.getKeepaliveTime());
		own.setRegisterMbeans(application.isRegisterMbeans());
		own.setMaximumPoolSize(pool.getMaximumSize());
		own.setMinimumIdle(Math.min(2, pool.getMaximumSize()));
		bound(own, pool.getConnectionTimeout());
		if (isPostgres(application)) {
			// A query timeout cannot cancel over a silent network: only the socket's can.
			own.addDataSourceProperty("socketTimeout", wholeSeconds(pool.getSocketTimeout()));
			own.addDataSourceProperty("tcpKeepAlive", "true");
			own.addDataSourceProperty("ApplicationName", POSTGRES_APPLICATION_NAME);
		}
		return own;
	}

	/**
	 * Bounds how long a connection checkout may wait.
	 * @param config the pool's settings
	 * @param connectionTimeout the longest wait
	 */
	static void bound(HikariConfig config, Duration connectionTimeout) {
		config.setConnectionTimeout(connectionTimeout.toMillis());
		config.setValidationTimeout(Math.min(config.getValidationTimeout(), connectionTimeout.toMillis()));
	}

	private static boolean isPostgres(HikariDataSource application) {
		String url = application.getJdbcUrl();
		String className = application.getDataSourceClassName();
		return (url != null && url.startsWith("jdbc:postgresql:"))
				|| (className != null && className.startsWith("org.postgresql."));
	}

	private static String wholeSeconds(Duration duration) {
		long seconds = duration.toSeconds() + ((duration.toNanosPart() > 0) ? 1 : 0);
		return String.valueOf(Math.max(1, seconds));
	}

}
