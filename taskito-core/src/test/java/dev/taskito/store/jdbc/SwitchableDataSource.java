package dev.taskito.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import javax.sql.DataSource;

/**
 * A DataSource whose database can be made unreachable, as a pool reports it.
 */
class SwitchableDataSource extends TestDataSource {

	private final DataSource target;

	private volatile boolean down;

	SwitchableDataSource(DataSource target) {
		this.target = target;
	}

	void setDown(boolean down) {
		this.down = down;
	}

	@Override
	public Connection getConnection() throws SQLException {
		if (this.down) {
			throw new SQLTransientConnectionException("Connection is not available, request timed out", "08001");
		}
		return this.target.getConnection();
	}

}
