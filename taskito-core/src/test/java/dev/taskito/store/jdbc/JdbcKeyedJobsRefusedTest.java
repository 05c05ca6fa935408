package dev.taskito.store.jdbc;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.store.NewJob;
import dev.taskito.testsupport.TestH2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Caps per key are not on the JDBC stores yet: a keyed job is refused, naming the store and
 * the way out, and nothing of its batch is stored, rather than stored where every version's
 * claim would run it uncapped.
 */
class JdbcKeyedJobsRefusedTest {

	@Test
	void aJobWithAConcurrencyKeyIsRefusedAndItsBatchNotStored() {
		DataSource dataSource = TestH2.newDataSource();
		try (JdbcClaimStore store = JdbcClaimStore.builder(dataSource).build()) {
			store.start();
			NewJob plain = new NewJob(JobId.newId(), "t", "default", "[]", 0, Duration.ZERO, null, null, 0, null);
			NewJob keyed = new NewJob(JobId.newId(), "t", "default", "[]", 0, Duration.ZERO, null, null, 0, null,
					Map.of(), "tenant-a");
			assertThatThrownBy(() -> store.enqueue(List.of(plain, keyed)))
				.isInstanceOf(UnsupportedOperationException.class)
				.hasMessageContaining("concurrencyKey 'tenant-a'")
				.hasMessageContaining("JDBC store")
				.hasMessageContaining("taskito.store.type=redis");
			assertThat(store.count(JobQuery.all())).isZero();
		}
		finally {
			TestH2.shutdown(dataSource);
		}
	}

}
