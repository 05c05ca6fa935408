package dev.taskito.benchmark.peers;

import java.time.Duration;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.jobrunr.configuration.JobRunr;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;
import org.jobrunr.utils.mapper.jackson3.Jackson3JsonMapper;

/**
 * JobRunr (open source) on PostgreSQL, configured with its Fluent API: the
 * {@link PostgresStorageProvider}, which creates and migrates its {@code jobrunr_*} tables;
 * the Jackson 3 JSON mapper; a {@link BackgroundJobServer} with {@code workers} workers and the
 * smallest poll interval JobRunr accepts for a SQL database, 5 s (the default is 15 s; a
 * shorter one is refused). Polling matters only for the first fetch: a worker that runs out of
 * work asks for more at once. Jobs are calls of the static no-op {@link #noop()}, enqueued with
 * {@link JobScheduler#enqueue(java.util.stream.Stream, org.jobrunr.jobs.lambdas.JobLambdaFromStream)},
 * JobRunr's way to save many jobs in batches.
 */
public final class JobRunrPeer implements Peer {

	/** JobRunr refuses anything shorter for a SQL database ("the smallest supported pollInterval"). */
	static final Duration POLL_INTERVAL = Duration.ofSeconds(5);

	/** The span of the drain that runs; JobRunr calls a static method, so the handler finds it here. */
	private static volatile DrainSpan current;

	private final DataSource dataSource;

	private final int workers;

	private final JsonMapper jsonMapper = new Jackson3JsonMapper();

	private StorageProvider storageProvider;

	private JobScheduler jobScheduler;

	private BackgroundJobServer server;

	JobRunrPeer(DataSource dataSource, int workers) {
		this.dataSource = dataSource;
		this.workers = workers;
	}

	/**
	 * The job: does nothing but record its start and finish.
	 */
	public static void noop() {
		current.noop();
	}

	@Override
	public String name() {
		return "jobrunr";
	}

	@Override
	public void setUp() {
		this.storageProvider = new PostgresStorageProvider(this.dataSource);
		this.jobScheduler = JobRunr.configure()
			.useJsonMapper(this.jsonMapper)
			.useStorageProvider(this.storageProvider)
			.initialize()
			.getJobScheduler();
	}

	@Override
	public void clean() throws Exception {
		// No server is running here: the table of servers is emptied too, so that no stale
		// server from an earlier, killed drain is waited for as master.
		Peer.execute(this.dataSource, "TRUNCATE jobrunr_jobs", "TRUNCATE jobrunr_backgroundjobservers");
	}

	@Override
	public void enqueue(int jobs) {
		this.jobScheduler.enqueue(IntStream.range(0, jobs).boxed(), (i) -> JobRunrPeer.noop());
	}

	@Override
	public void start(DrainSpan span) {
		current = span;
		BackgroundJobServerConfiguration configuration = BackgroundJobServerConfiguration
			.usingStandardBackgroundJobServerConfiguration()
			.andWorkerCount(this.workers)
			.andPollInterval(POLL_INTERVAL);
		this.server = new BackgroundJobServer(this.storageProvider, this.jsonMapper, null, configuration);
		this.server.start();
	}

	@Override
	public void stop() {
		if (this.server != null) {
			this.server.stop();
			this.server = null;
		}
	}

	@Override
	public void close() {
		stop();
		JobRunr.destroy();
	}

}
