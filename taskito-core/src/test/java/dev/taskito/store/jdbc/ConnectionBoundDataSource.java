package dev.taskito.store.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for a transaction-aware DataSource in tests: every {@link #getConnection()}
 * hands out the one connection a simulated caller's transaction runs on, and the caller
 * alone may end it. The store's attempts to commit, roll back, change the auto-commit mode
 * or close it are recorded and refused, as a framework's transaction would not allow them.
 */
class ConnectionBoundDataSource extends TestDataSource {

	private static final List<String> FORBIDDEN = List.of("commit", "rollback", "setAutoCommit");

	private final Connection connection;

	private final List<String> forbiddenCalls = new CopyOnWriteArrayList<>();

	ConnectionBoundDataSource(Connection connection) {
		this.connection = connection;
	}

	/**
	 * @return the transaction-ending calls the store tried, which must be none
	 */
	List<String> forbiddenCalls() {
		return this.forbiddenCalls;
	}

	@Override
	public Connection getConnection() {
		return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Connection.class },
				(proxy, method, args) -> {
					if (FORBIDDEN.contains(method.getName())) {
						this.forbiddenCalls.add(method.getName());
						throw new IllegalStateException(method.getName() + " on the caller's transactional connection");
					}
					if (method.getName().equals("close")) {
						// The caller's transaction owns the connection; closing is a no-op.
						return null;
					}
					try {
						return method.invoke(this.connection, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

}
