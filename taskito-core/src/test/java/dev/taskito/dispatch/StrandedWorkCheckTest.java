package dev.taskito.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import dev.taskito.JobId;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.NewJob;
import dev.taskito.store.ServedWork;
import dev.taskito.store.StrandedWork;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.testsupport.TestH2;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stranded-work check on a real store, with a real dispatcher publishing what it serves:
 * it warns once per stranded task and queue (again only when the backlog grows), names the
 * task, queue and count, and keeps the figures for metrics.
 */
class StrandedWorkCheckTest {

	private final DataSource dataSource = TestH2.newDataSource();

	private final ClaimStore store = JdbcClaimStore.builder(this.dataSource).build();

	private final ListAppender<ILoggingEvent> log = new ListAppender<>();

	private final Logger checkLogger = (Logger) LoggerFactory.getLogger(StrandedWorkCheck.class);

	private final List<AutoCloseable> toClose = new ArrayList<>();

	private StrandedWorkCheck check;

	@BeforeEach
	void start() {
		this.store.start();
		this.log.start();
		this.checkLogger.addAppender(this.log);
		this.check = new StrandedWorkCheck(this.store, "test-instance");
	}

	@AfterEach
	void stop() throws Exception {
		this.checkLogger.detachAppender(this.log);
		for (AutoCloseable closeable : this.toClose) {
			closeable.close();
		}
		this.store.close();
		TestH2.shutdown(this.dataSource);
	}

	@Test
	void warnsOncePerStrandedPairNamingTaskQueueAndCount() {
		startDispatcherServing("current", "bulk");
		// Due in an hour, so the dispatcher leaves them pending: served, so never stranded.
		this.store.enqueue(List.of(delayed("current", "default"), delayed("current", "bulk")));
		enqueue("renamed", "default");
		enqueue("renamed", "default");
		enqueue("current", "retired-queue");

		this.check.run();
		assertThat(this.check.strandedWork()).containsExactly(new StrandedWork("current", "retired-queue", 1),
				new StrandedWork("renamed", "default", 2));
		assertThat(this.check.strandedJobs()).isEqualTo(3);
		assertThat(warnings()).hasSize(2)
			.anySatisfy((message) -> assertThat(message)
				.startsWith("2 pending job(s) of task 'renamed' in queue 'default'"))
			.anySatisfy((message) -> assertThat(message)
				.startsWith("1 pending job(s) of task 'current' in queue 'retired-queue'"));

		this.check.run();
		assertThat(warnings()).as("no change, no new warning").hasSize(2);

		enqueue("renamed", "default");
		this.check.run();
		assertThat(warnings()).hasSize(3);
		assertThat(warnings().get(2)).startsWith("3 pending job(s) of task 'renamed' in queue 'default'");
		assertThat(this.check.strandedJobs()).isEqualTo(4);
	}

	@Test
	void aPairServedAgainIsNoLongerStranded() {
		enqueue("renamed", "default");
		this.check.run();
		assertThat(this.check.strandedJobs()).isEqualTo(1);

		this.store.heartbeat(new Heartbeat("new-deploy", Duration.ofSeconds(30), Map.of(), Map.of(),
				new ServedWork(Set.of("renamed"), Set.of("default")), List.of()));
		this.check.run();
		assertThat(this.check.strandedWork()).isEmpty();
		assertThat(this.check.strandedJobs()).isZero();
		assertThat(this.log.list).filteredOn((event) -> event.getLevel() == Level.INFO)
			.extracting(ILoggingEvent::getFormattedMessage)
			.containsExactly("No pending job of task 'renamed' in queue 'default' is stranded any more");
	}

	@Test
	void aBacklogPastTheCountLimitIsReportedAsAtLeastTheLimit() {
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i <= StrandedWorkCheck.COUNT_LIMIT; i++) {
			jobs.add(job("renamed", "default"));
		}
		this.store.enqueue(jobs);
		this.check.run();
		assertThat(this.check.strandedJobs()).isEqualTo(StrandedWorkCheck.COUNT_LIMIT);
		assertThat(warnings()).singleElement()
			.satisfies((message) -> assertThat(message)
				.startsWith("At least " + StrandedWorkCheck.COUNT_LIMIT + " pending job(s) of task 'renamed'"));
	}

	@Test
	void aFailedRunKeepsTheLastFigures() {
		enqueue("renamed", "default");
		this.check.run();
		TestH2.shutdown(this.dataSource);
		this.check.run();
		assertThat(this.check.strandedWork()).containsExactly(new StrandedWork("renamed", "default", 1));
		assertThat(this.check.strandedJobs()).isEqualTo(1);
	}

	/**
	 * Starts a dispatcher with a handler for {@code task} (in queue {@code default}) that also
	 * knows the queue {@code extraQueue}; its heartbeat publishes what it serves.
	 */
	private void startDispatcherServing(String task, String extraQueue) {
		TaskRegistry registry = new TaskRegistry();
		registry.register(TaskDefinition.of(task, Handlers.noArgs((args, context) -> null)));
		registry.configureQueue(new QueueDefinition(extraQueue, 0, null));
		TaskDispatcher dispatcher = TaskDispatcher.builder(this.store, registry)
			.pollInterval(Duration.ofMillis(50))
			.build();
		dispatcher.start();
		this.toClose.add(dispatcher);
	}

	private void enqueue(String task, String queue) {
		this.store.enqueue(List.of(job(task, queue)));
	}

	private static NewJob delayed(String task, String queue) {
		return new NewJob(JobId.newId(), task, queue, "[]", 0, Duration.ofHours(1), null, null, 3, null);
	}

	private static NewJob job(String task, String queue) {
		return new NewJob(JobId.newId(), task, queue, "[]", 0, Duration.ZERO, null, null, 3, null);
	}

	private List<String> warnings() {
		return this.log.list.stream()
			.filter((event) -> event.getLevel() == Level.WARN)
			.map(ILoggingEvent::getFormattedMessage)
			.toList();
	}

}
