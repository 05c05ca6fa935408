package dev.taskito.store.jdbc;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.Lock;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobView;
import dev.taskito.TaskitoDefaults;
import dev.taskito.TaskitoException;
import dev.taskito.store.BulkStep;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.ClusterGauges;
import dev.taskito.store.FinishAndClaim;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;
import dev.taskito.store.InstanceView;
import dev.taskito.store.FinishedCounts;
import dev.taskito.store.JobAdminStore;
import dev.taskito.store.JobCounts;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.ReapedJob;
import dev.taskito.store.Reschedule;
import dev.taskito.store.ScheduleRecord;
import dev.taskito.store.ScheduleSnapshot;
import dev.taskito.store.ScheduleTick;
import dev.taskito.store.StoreUnavailableException;
import dev.taskito.store.StrandedWork;
import dev.taskito.store.TaskKey;
import dev.taskito.store.TokenRequest;

/**
 * A {@link ClaimStore} on a relational database (PostgreSQL for a cluster, H2 for one
 * process), in tables that share a prefix.
 *
 * <p>Two DataSources: {@link #enqueue} and {@link #cancel} run on the transactional one
 * (in Spring, a transaction-aware proxy) so they join the caller's transaction, and never
 * commit, roll back or change the auto-commit mode themselves; each is a single statement
 * where atomicity matters. Everything else runs on the plain DataSource in its own
 * transactions, because the dispatcher's claim must commit before it counts claims (see
 * DESIGN.md, "The dispatch flow").
 *
 * <p>Failures to reach the database become {@link StoreUnavailableException}; other
 * database errors become a {@link TaskitoException} naming the operation and table.
 *
 * <p>The store wires and delegates: {@link JdbcDatabase} recognises the database once,
 * {@link JdbcSchema} creates and checks the tables,
 * {@link JdbcJobs} serves producers and operators, {@link JdbcJobQueries} lists and counts
 * jobs, {@link JdbcBulkSteps} makes the steps of bulk cancels and retries, {@link JdbcRateBuckets} hands out
 * rate-limit tokens, {@link JdbcClaims} is the dispatcher's claim path (with
 * {@link JdbcKeyedClaims} for keyed jobs, whose round of keys {@link JdbcKeyRound} keeps),
 * {@link JdbcLeases}
 * keeps leases, {@link JdbcMaintenance} reaps and purges, and {@link JdbcSchedules} keeps
 * periodic tasks' schedules; they share
 * {@link JdbcTransactions} and the dialect's {@link JdbcStatements}.
 */
public final class JdbcClaimStore implements ClaimStore {

	/** The property that switches schema creation, named in error messages. */
	public static final String INITIALIZE_SCHEMA_PROPERTY = "taskito.jdbc.initialize-schema";

	private static final Pattern TABLE_PREFIX = Pattern.compile("[a-z_][a-z0-9_]{0,39}");

	private final String tablePrefix;

	private final JdbcDialect dialect;

	private final WakeUpChannel wakeUps;

	private final JdbcSchema schema;

	private final JdbcJobs jobs;

	private final JdbcJobQueries queries;

	private final JdbcBulkSteps bulkSteps;

	private final JdbcRateBuckets rateBuckets;

	private final JdbcClaims claims;

	private final JdbcKeyedClaims keyedClaims;

	private final JdbcLeases leases;

	private final JdbcGauges gauges;

	private final JdbcFinishedCounts finishedCounts;

	private final JdbcMaintenance maintenance;

	private final JdbcSchedules schedules;

	private JdbcClaimStore(Builder builder, JdbcDialect dialect, String jdbcUrl) {
		DataSource dataSource = builder.dataSource;
		DataSource transactionalDataSource = (builder.transactionalDataSource != null)
				? builder.transactionalDataSource : builder.dataSource;
		this.tablePrefix = builder.tablePrefix;
		this.dialect = dialect;
		JdbcStatements sql = JdbcStatements.load(dialect, this.tablePrefix);
		this.wakeUps = dialect.wakeUpChannel(dataSource, sql, jdbcUrl, this.tablePrefix);
		JdbcTransactions transactions = new JdbcTransactions(dataSource, transactionalDataSource, dialect, sql,
				this.tablePrefix);
		this.schema = new JdbcSchema(transactions, dialect, sql, this.tablePrefix, builder.initializeSchema);
		this.jobs = new JdbcJobs(transactions, this.wakeUps);
		this.queries = new JdbcJobQueries(transactions);
		this.bulkSteps = new JdbcBulkSteps(transactions, this.queries, this.wakeUps);
		this.rateBuckets = new JdbcRateBuckets(transactions);
		// One gate for both claims: on H2 the keyed and the capped unkeyed claim take turns.
		Lock capGate = dialect.capGate(jdbcUrl, this.tablePrefix);
		this.keyedClaims = new JdbcKeyedClaims(transactions, dialect, sql, capGate, this.tablePrefix,
				new JdbcKeyRound(transactions, sql));
		this.claims = new JdbcClaims(transactions, dialect, sql, this.wakeUps, capGate, this.tablePrefix,
				this.keyedClaims);
		this.leases = new JdbcLeases(transactions);
		this.gauges = new JdbcGauges(transactions, dialect);
		this.finishedCounts = new JdbcFinishedCounts(transactions, dialect);
		this.maintenance = new JdbcMaintenance(transactions, dialect, sql, this.tablePrefix, this.wakeUps);
		this.schedules = new JdbcSchedules(transactions, this.wakeUps);
	}

	/**
	 * Starts building a store.
	 * @param dataSource the plain DataSource the dispatcher's connections come from; never
	 *        a transaction-bound one
	 * @return a builder
	 */
	public static Builder builder(DataSource dataSource) {
		return new Builder(dataSource);
	}

	/**
	 * @return the dialect in use
	 */
	public JdbcDialect dialect() {
		return this.dialect;
	}

	/**
	 * @return the table prefix
	 */
	public String tablePrefix() {
		return this.tablePrefix;
	}

	/**
	 * Creates the missing tables and indexes when {@code initializeSchema} is on, then checks
	 * that every table is there.
	 * @throws TaskitoException naming {@value #INITIALIZE_SCHEMA_PROPERTY} and the SQL file
	 *         when tables are missing and may not be created
	 */
	@Override
	public void start() {
		this.schema.start();
	}

	@Override
	public List<JobId> enqueue(List<NewJob> jobs) {
		if (jobs.stream().anyMatch((job) -> job.concurrencyKey() != null)) {
			this.keyedClaims.keyedJobsEnqueued();
		}
		return this.jobs.enqueue(jobs);
	}

	@Override
	public Optional<JobView> find(JobId id) {
		return this.jobs.find(id);
	}

	@Override
	public boolean cancel(JobId id) {
		return this.jobs.cancel(id);
	}

	@Override
	public boolean retry(JobId id) {
		return this.jobs.retry(id);
	}

	@Override
	public List<JobView> jobs(JobQuery query) {
		return this.queries.jobs(Objects.requireNonNull(query, "query"));
	}

	@Override
	public long count(JobQuery query) {
		return this.queries.count(Objects.requireNonNull(query, "query"));
	}

	@Override
	public List<JobCounts> jobCounts() {
		return this.queries.jobCounts();
	}

	@Override
	public Optional<String> payload(JobId id) {
		return this.jobs.payload(Objects.requireNonNull(id, "id"));
	}

	@Override
	public List<FinishedCounts> finishedCounts(List<JobId> bounds) {
		return this.finishedCounts.count(JobAdminStore.requireSliceBounds(bounds));
	}

	@Override
	public BulkStep cancelStep(JobQuery query, JobId upTo) {
		return this.bulkSteps.cancelStep(Objects.requireNonNull(query, "query"), upTo);
	}

	@Override
	public BulkStep retryStep(JobQuery query, JobId upTo) {
		return this.bulkSteps.retryStep(Objects.requireNonNull(query, "query"), upTo);
	}

	@Override
	public Optional<JobId> newestId(JobQuery query) {
		return this.queries.newestId(Objects.requireNonNull(query, "query"));
	}

	@Override
	public boolean reschedule(JobId id, Instant runAt) {
		return this.jobs.reschedule(Objects.requireNonNull(id, "id"), runAt);
	}

	@Override
	public boolean delete(JobId id) {
		return this.jobs.delete(Objects.requireNonNull(id, "id"));
	}

	@Override
	public Optional<JobView> watch(JobId id) {
		return this.jobs.watch(Objects.requireNonNull(id, "id"));
	}

	@Override
	public void addFinishedListener(Consumer<JobId> listener) {
		this.wakeUps.addFinishedListener(Objects.requireNonNull(listener, "listener"));
	}

	@Override
	public boolean applyConfiguredPause(String queue, boolean paused) {
		return this.jobs.applyConfiguredPause(queue, paused);
	}

	@Override
	public ScheduleRecord registerSchedule(String task, String definition) {
		return this.schedules.register(task, definition);
	}

	@Override
	public ScheduleSnapshot schedules() {
		return this.schedules.schedules();
	}

	@Override
	public ScheduleTick.Result enqueueTick(ScheduleTick tick) {
		return this.schedules.enqueueTick(Objects.requireNonNull(tick, "tick"));
	}

	@Override
	public boolean setSchedulePaused(String task, boolean paused) {
		return this.schedules.setPaused(task, paused);
	}

	@Override
	public ClusterGauges gauges(int countLimit) {
		return this.gauges.gauges(countLimit);
	}

	@Override
	public ClusterGauges gauges(int countLimit, Map<String, Integer> keyCaps) {
		return this.gauges.gauges(countLimit, keyCaps);
	}

	@Override
	public List<InstanceView> liveInstances() {
		return this.gauges.liveInstances();
	}

	@Override
	public void setQueuePaused(String queue, boolean paused) {
		this.jobs.setQueuePaused(queue, paused);
	}

	@Override
	public Set<String> pausedQueues() {
		return this.jobs.pausedQueues();
	}

	@Override
	public List<ClaimedJob> claim(ClaimRequest request, UUID batchId) {
		return this.claims.claim(request, batchId);
	}

	@Override
	public List<ClaimedJob> recoverClaim(String instanceId, UUID batchId) {
		return this.claims.recoverClaim(instanceId, batchId);
	}

	@Override
	public ClaimCounts countClaims(Set<String> tasks, Set<String> queues) {
		return this.claims.countClaims(tasks, queues);
	}

	@Override
	public ClaimCounts countClaims(Set<String> tasks, Set<String> queues, Set<TaskKey> keys) {
		return this.claims.countClaims(tasks, queues, keys);
	}

	@Override
	public Set<ClaimRef> rollback(List<Reschedule> reschedules) {
		return this.claims.rollback(reschedules);
	}

	@Override
	public FinishAndClaim finishAndClaim(List<Outcome> outcomes, boolean wakeOthers, ClaimRequest request,
			UUID batchId) {
		FinishAndClaim together = this.claims.finishAndClaimTogether(outcomes, wakeOthers, request, batchId);
		return (together != null) ? together : ClaimStore.super.finishAndClaim(outcomes, wakeOthers, request, batchId);
	}

	@Override
	public Set<ClaimRef> finish(List<Outcome> outcomes, boolean wakeOthers) {
		return this.claims.finish(outcomes, wakeOthers);
	}

	@Override
	public boolean wakesOthersAlone() {
		return true;
	}

	@Override
	public void wakeOthers() {
		this.claims.wakeOthers();
	}

	@Override
	public HeartbeatResult heartbeat(Heartbeat heartbeat) {
		return this.leases.heartbeat(heartbeat);
	}

	@Override
	public void removeInstance(String instanceId) {
		this.leases.removeInstance(instanceId);
	}

	@Override
	public List<StrandedWork> strandedWork(int countLimit) {
		return this.leases.strandedWork(countLimit);
	}

	@Override
	public Map<String, Integer> takeTokens(List<TokenRequest> requests) {
		return this.rateBuckets.takeTokens(requests);
	}

	@Override
	public List<ReapedJob> reap(Duration grace, Instant reaperConnectedAt) {
		return this.maintenance.reap(grace, reaperConnectedAt);
	}

	@Override
	public int purge(Duration succeeded, Duration dead) {
		return this.maintenance.purge(succeeded, dead);
	}

	@Override
	public void addWakeUpListener(Runnable listener) {
		this.wakeUps.addListener(Objects.requireNonNull(listener, "listener"));
	}

	@Override
	public void close() {
		this.wakeUps.close();
	}

	/**
	 * Configures a {@link JdbcClaimStore}.
	 */
	public static final class Builder {

		private final DataSource dataSource;

		private DataSource transactionalDataSource;

		private String tablePrefix = TaskitoDefaults.TABLE_PREFIX;

		private boolean initializeSchema = true;

		private JdbcDialect dialect;

		private Builder(DataSource dataSource) {
			this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
		}

		/**
		 * Sets the DataSource that {@code enqueue} and {@code cancel} use, so that they join
		 * the caller's transaction (in Spring, a {@code TransactionAwareDataSourceProxy}).
		 * Nothing else uses it. Defaults to the plain DataSource.
		 * @param transactionalDataSource the transaction-aware DataSource
		 * @return this builder
		 */
		public Builder transactionalDataSource(DataSource transactionalDataSource) {
			this.transactionalDataSource = transactionalDataSource;
			return this;
		}

		/**
		 * Sets the prefix of every table and index, {@value TaskitoDefaults#TABLE_PREFIX} by
		 * default.
		 * @param tablePrefix lower-case letters, digits and underscores, starting with a letter
		 *        or underscore, at most 40 characters
		 * @return this builder
		 * @throws IllegalArgumentException naming the prefix and what is allowed
		 */
		public Builder tablePrefix(String tablePrefix) {
			if (tablePrefix == null || !TABLE_PREFIX.matcher(tablePrefix).matches()) {
				throw new IllegalArgumentException("Invalid table prefix '" + tablePrefix
						+ "' (taskito.jdbc.table-prefix): use 1 to 40 lower-case letters, digits and underscores,"
						+ " starting with a letter or underscore, such as 'taskito_'");
			}
			this.tablePrefix = tablePrefix;
			return this;
		}

		/**
		 * Sets whether {@link JdbcClaimStore#start()} creates missing tables ({@code true},
		 * the default, is {@value JdbcClaimStore#INITIALIZE_SCHEMA_PROPERTY}{@code =always}); with
		 * {@code false} it only checks that they exist.
		 * @param initializeSchema whether to create missing tables
		 * @return this builder
		 */
		public Builder initializeSchema(boolean initializeSchema) {
			this.initializeSchema = initializeSchema;
			return this;
		}

		/**
		 * Sets the dialect; by default it is detected from the database's metadata.
		 * @param dialect the dialect
		 * @return this builder
		 */
		public Builder dialect(JdbcDialect dialect) {
			this.dialect = dialect;
			return this;
		}

		/**
		 * Builds the store, reading the database's metadata once. Call
		 * {@link JdbcClaimStore#start()} before use.
		 * @return the store
		 * @throws StoreUnavailableException when the database cannot be reached
		 * @throws TaskitoException when no dialect fits the database
		 */
		public JdbcClaimStore build() {
			JdbcDatabase database = JdbcDatabase.of(this.dataSource, this.dialect);
			return new JdbcClaimStore(this, database.dialect(), database.url());
		}

	}

}
