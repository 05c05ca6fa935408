package dev.taskito.benchmark.peers;

import java.time.Instant;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;

/**
 * db-scheduler on PostgreSQL as its README advises for throughput: the {@code lock-and-fetch}
 * polling strategy ({@code SELECT ... FOR UPDATE SKIP LOCKED}, "if you are running >1000
 * executions/s") with the fractions it gives "for high throughput (i.e. keep threads busy)",
 * {@code 1.0, 4.0}; {@code threads(workers)}; every other setting at its default (polling
 * interval 10 s, which only matters when a fetch comes back short: each full fetch triggers
 * the next). Jobs are instances of one one-time task, scheduled with
 * {@link SchedulerClient#scheduleBatch(java.util.stream.Stream, Instant)} to run now.
 */
final class DbSchedulerPeer implements Peer {

	/** The README's "for high throughput" setting of {@code pollUsingLockAndFetch}. */
	static final double LOWER_LIMIT_FRACTION_OF_THREADS = 1.0;

	static final double UPPER_LIMIT_FRACTION_OF_THREADS = 4.0;

	/**
	 * The single table db-scheduler needs, with the columns and indexes its PostgreSQL table
	 * definition lists for the 16.x line (priority included: the fetch orders by it).
	 */
	private static final String TABLE = """
			CREATE TABLE scheduled_tasks (
				task_name            TEXT                     NOT NULL,
				task_instance        TEXT                     NOT NULL,
				task_data            BYTEA,
				execution_time       TIMESTAMP WITH TIME ZONE NOT NULL,
				picked               BOOLEAN                  NOT NULL,
				picked_by            TEXT,
				last_success         TIMESTAMP WITH TIME ZONE,
				last_failure         TIMESTAMP WITH TIME ZONE,
				consecutive_failures INT,
				last_heartbeat       TIMESTAMP WITH TIME ZONE,
				version              BIGINT                   NOT NULL,
				priority             SMALLINT,
				PRIMARY KEY (task_name, task_instance)
			)""";

	private static final String[] INDEXES = {
			"CREATE INDEX scheduled_tasks_execution_time_idx ON scheduled_tasks (execution_time)",
			"CREATE INDEX scheduled_tasks_last_heartbeat_idx ON scheduled_tasks (last_heartbeat)",
			"CREATE INDEX scheduled_tasks_priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC)" };

	private final DataSource dataSource;

	private final int workers;

	private final OneTimeTask<Void> task;

	private volatile DrainSpan span;

	private Scheduler scheduler;

	DbSchedulerPeer(DataSource dataSource, int workers) {
		this.dataSource = dataSource;
		this.workers = workers;
		this.task = Tasks.oneTime("tbench-noop").execute((instance, context) -> this.span.noop());
	}

	@Override
	public String name() {
		return "db-scheduler";
	}

	@Override
	public void setUp() throws Exception {
		Peer.execute(this.dataSource, "DROP TABLE IF EXISTS scheduled_tasks", TABLE);
		Peer.execute(this.dataSource, INDEXES);
	}

	@Override
	public void clean() throws Exception {
		Peer.execute(this.dataSource, "TRUNCATE scheduled_tasks");
	}

	@Override
	public void enqueue(int jobs) {
		SchedulerClient client = SchedulerClient.Builder.create(this.dataSource, this.task).build();
		client.scheduleBatch(IntStream.range(0, jobs).<TaskInstance<?>>mapToObj((i) -> this.task.instance("job-" + i)),
				Instant.now());
	}

	@Override
	public void start(DrainSpan span) {
		this.span = span;
		this.scheduler = Scheduler.create(this.dataSource, this.task)
			.threads(this.workers)
			.pollUsingLockAndFetch(LOWER_LIMIT_FRACTION_OF_THREADS, UPPER_LIMIT_FRACTION_OF_THREADS)
			.build();
		this.scheduler.start();
	}

	@Override
	public void stop() {
		if (this.scheduler != null) {
			this.scheduler.stop();
			this.scheduler = null;
		}
	}

	@Override
	public void close() {
		stop();
	}

}
