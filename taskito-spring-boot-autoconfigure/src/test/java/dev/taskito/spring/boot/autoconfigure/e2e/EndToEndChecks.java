package dev.taskito.spring.boot.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The checks every end-to-end test runs, whatever the store.
 */
final class EndToEndChecks {

	/** The properties of every end-to-end context. */
	static final String[] PROPERTIES = { "taskito.worker.concurrency=8", "taskito.tasks.capped.max-concurrent=2",
			"taskito.dispatcher.poll-interval=100ms", "taskito.shutdown.timeout=5s" };

	private EndToEndChecks() {
	}

	/**
	 * Adds {@link #PROPERTIES} to a test's properties.
	 * @param registry the test's property registry
	 */
	static void addProperties(DynamicPropertyRegistry registry) {
		for (String property : PROPERTIES) {
			String[] pair = property.split("=", 2);
			registry.add(pair[0], () -> pair[1]);
		}
	}

	/**
	 * A {@code @Task(maxConcurrent = 5)} overridden to 2 runs 40 jobs on 8 workers: never 3
	 * at once, and at some point exactly 2.
	 */
	static void capOverriddenInPropertiesHolds(ApplicationContext context) {
		TaskQueue queue = context.getBean(TaskQueue.class);
		EndToEndApplication.Tasks tasks = context.getBean(EndToEndApplication.Tasks.class);
		List<EnqueueRequest> jobs = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			jobs.add(EnqueueRequest.of("capped", i));
		}
		queue.enqueueAll(jobs);
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(tasks.done).hasValue(40));
		assertThat(tasks.maxRunning).as("most jobs of 'capped' running at once").hasValue(2);
		assertThat(tasks.timesAtTwo).as("times the cap of 2 was reached").hasPositiveValue();
	}

	/**
	 * Enqueue and cancel inside a transaction commit or roll back with the caller's own
	 * data.
	 */
	static void enqueueAndCancelFollowTheCallersTransaction(ApplicationContext context) {
		TaskQueue queue = context.getBean(TaskQueue.class);
		JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
		TransactionTemplate transaction = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
		jdbc.execute("create table if not exists orders (id varchar(64) primary key)");

		JobId rolledBack = transaction.execute((status) -> {
			jdbc.update("insert into orders (id) values (?)", "rolled-back");
			JobId id = queue.enqueue("record", "rolled-back", List.of(1));
			status.setRollbackOnly();
			return id;
		});
		assertThat(jdbc.queryForObject("select count(*) from orders where id = 'rolled-back'", Integer.class))
			.isZero();
		assertThat(queue.find(rolledBack)).as("a job enqueued in a rolled-back transaction").isEmpty();

		JobId committed = transaction.execute((status) -> {
			jdbc.update("insert into orders (id) values (?)", "committed");
			return queue.enqueue("record", "committed", List.of(1, 2));
		});
		assertThat(queue.find(committed)).as("a job enqueued in a committed transaction").isPresent();
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(queue.find(committed)).map(JobView::status).contains(JobStatus.SUCCEEDED));
		assertThat(queue.find(committed)).map(JobView::result).contains("\"committed[1, 2]\"");

		JobId later = queue.enqueue(EnqueueRequest.of("record", "later", List.of()).delay(Duration.ofHours(1)));
		Boolean cancelledThenRolledBack = transaction.execute((status) -> {
			boolean cancelled = queue.cancel(later);
			status.setRollbackOnly();
			return cancelled;
		});
		assertThat(cancelledThenRolledBack).isTrue();
		assertThat(status(queue, later)).as("a job cancelled in a rolled-back transaction").contains(JobStatus.PENDING);
		transaction.executeWithoutResult((status) -> assertThat(queue.cancel(later)).isTrue());
		assertThat(status(queue, later)).as("a job cancelled in a committed transaction").contains(JobStatus.CANCELLED);
		jdbc.execute("drop table orders");
	}

	private static Optional<JobStatus> status(TaskQueue queue, JobId id) {
		return queue.find(id).map(JobView::status);
	}

}
