package dev.taskito.store.jdbc;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.dispatch.Handlers;
import dev.taskito.dispatch.TaskDefinition;
import dev.taskito.dispatch.TaskDispatcher;
import dev.taskito.dispatch.TaskRegistry;
import dev.taskito.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dispatcher while its PostgreSQL is unreachable for longer than a lease (the pool
 * refuses connections; the database itself, and its clock, run on).
 */
class PostgresStoreOutageTest {

	private static final Duration LEASE = Duration.ofSeconds(1);

	private static final Duration HEARTBEAT = Duration.ofMillis(250);

	private final String tablePrefix = TestPostgres.newTablePrefix();

	private final SwitchableDataSource dataSource = new SwitchableDataSource(TestPostgres.dataSource());

	private TaskDispatcher dispatcher;

	@AfterEach
	void stop() {
		this.dataSource.setDown(false);
		if (this.dispatcher != null) {
			this.dispatcher.close();
		}
		TestPostgres.dropTables(this.tablePrefix);
	}

	@Test
	void resultOfAHandlerStoppedBecauseItsLeaseCouldNotBeRenewedIsKeptWhileItsClaimHolds() {
		CountDownLatch running = new CountDownLatch(1);
		AtomicInteger executions = new AtomicInteger();
		AtomicBoolean toldLeaseLost = new AtomicBoolean();
		TaskRegistry registry = new TaskRegistry();
		registry.register(TaskDefinition.of("work", Handlers.noArgs((args, context) -> {
			executions.incrementAndGet();
			running.countDown();
			try {
				Thread.sleep(TimeUnit.SECONDS.toMillis(30));
			}
			catch (InterruptedException ex) {
				toldLeaseLost.set(context.isLeaseLost());
			}
			// The work was done (or is idempotent): the handler returns normally.
			return "done";
		})));
		JdbcClaimStore store = JdbcClaimStore.builder(this.dataSource).tablePrefix(this.tablePrefix).build();
		store.start();
		DefaultTaskQueue queue = new DefaultTaskQueue(store, registry);
		this.dispatcher = TaskDispatcher.builder(store, registry)
			.concurrency(2)
			.pollInterval(Duration.ofMillis(100))
			.leaseDuration(LEASE)
			.heartbeatInterval(HEARTBEAT)
			.reaperGrace(Duration.ofMillis(200))
			.build();
		JobId id = queue.enqueue("work");
		this.dispatcher.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> running.getCount() == 0);

		this.dataSource.setDown(true);
		// Past lease - heartbeat without a renewal, the instance stops its handler itself.
		await().atMost(Duration.ofSeconds(5)).untilTrue(toldLeaseLost);
		// Long enough for the lease to expire on the database's clock too.
		await().pollDelay(LEASE).until(() -> true);
		this.dataSource.setDown(false);

		await().atMost(Duration.ofSeconds(10)).until(() -> status(queue, id) == JobStatus.SUCCEEDED);
		// Nobody else took the claim while the store was unreachable, so the result stands:
		// no second execution once the reaper runs again, and one attempt used.
		await().pollDelay(LEASE.multipliedBy(3)).until(() -> true);
		JobView view = queue.find(id).orElseThrow();
		assertThat(view.result()).isEqualTo("\"done\"");
		assertThat(view.attempts()).isEqualTo(1);
		assertThat(executions).hasValue(1);
	}

	private static JobStatus status(DefaultTaskQueue queue, JobId id) {
		return queue.find(id).orElseThrow().status();
	}

}
