package dev.taskito.store.jdbc;

import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.Lock;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskitoDefaults;
import dev.taskito.TaskitoException;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.ReapedJob;
import dev.taskito.store.Reschedule;
import dev.taskito.store.StoreUnavailableException;
import dev.taskito.store.TokenRequest;
import dev.taskito.store.jdbc.JdbcDialect.ColumnType;

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
 */
public final class JdbcClaimStore implements ClaimStore {

	/** The property that switches schema creation, named in error messages. */
	public static final String INITIALIZE_SCHEMA_PROPERTY = "taskito.jdbc.initialize-schema";

	private static final Logger logger = LoggerFactory.getLogger(JdbcClaimStore.class);

	private static final Pattern TABLE_PREFIX = Pattern.compile("[a-z_][a-z0-9_]{0,39}");

	/** How often enqueue retries rows whose unique key conflict vanished before it could be read. */
	private static final int ENQUEUE_ROUNDS = 5;

	private static final Object SCHEMA_CREATION = new Object();

	private static final TypeReference<Map<String, Integer>> CAPS = new TypeReference<>() {
	};

	private final DataSource dataSource;

	private final DataSource transactionalDataSource;

	private final String tablePrefix;

	private final boolean initializeSchema;

	private final JdbcDialect dialect;

	private final JdbcStatements sql;

	private final WakeUpChannel wakeUps;

	/** Serialises capped claims in this JVM where the dialect takes no database lock for them. */
	private final Lock capGate;

	private final JsonMapper json = JsonMapper.builder().build();

	private JdbcClaimStore(Builder builder, JdbcDialect dialect, String jdbcUrl) {
		this.dataSource = builder.dataSource;
		this.transactionalDataSource = (builder.transactionalDataSource != null) ? builder.transactionalDataSource
				: builder.dataSource;
		this.tablePrefix = builder.tablePrefix;
		this.initializeSchema = builder.initializeSchema;
		this.dialect = dialect;
		this.sql = JdbcStatements.load(dialect, this.tablePrefix);
		this.wakeUps = dialect.wakeUpChannel(this.dataSource, this.sql, jdbcUrl, this.tablePrefix);
		this.capGate = dialect.capGate(jdbcUrl, this.tablePrefix);
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
		if (this.initializeSchema && !isSchemaComplete()) {
			// Stores in one JVM take turns here because H2 fails concurrent CREATE ... IF NOT
			// EXISTS of one name; stores in other processes take turns through the dialect's
			// lock (H2 is opened by one process only).
			synchronized (SCHEMA_CREATION) {
				inTransaction("create the schema", table("jobs"), (connection) -> {
					this.dialect.lockSchema(connection, this.sql, this.tablePrefix);
					try (Statement statement = connection.createStatement()) {
						for (String ddl : this.sql.schema()) {
							statement.execute(ddl);
						}
					}
					return null;
				});
			}
		}
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.executeQuery(this.sql.get("check-tables")).close();
		}
		catch (SQLException ex) {
			if (this.dialect.isMissingTable(ex) && !this.initializeSchema) {
				throw new TaskitoException("Taskito's tables (" + table("jobs") + ", " + table("claims") + ", "
						+ table("instances") + ", " + table("queues") + ", " + table("rate_buckets")
						+ ") are missing and " + INITIALIZE_SCHEMA_PROPERTY + " is 'never': run classpath:"
						+ this.dialect.schemaResource() + " (in taskito-core's jar) with every "
						+ JdbcStatements.PREFIX_PLACEHOLDER + " replaced by the table prefix '" + this.tablePrefix
						+ "', or set " + INITIALIZE_SCHEMA_PROPERTY + "=always to let Taskito create them ("
						+ ex.getMessage() + ")", ex);
			}
			throw translate("check the schema", table("jobs"), ex);
		}
	}

	@Override
	public List<JobId> enqueue(List<NewJob> jobs) {
		if (jobs.isEmpty()) {
			return List.of();
		}
		// Equal keys within one call: the first job stands for the later ones. A repeated id
		// is the same job, not a conflict.
		int[] representative = new int[jobs.size()];
		Map<String, Integer> firstByKey = new HashMap<>();
		Map<JobId, Integer> firstById = new HashMap<>();
		List<NewJob> distinct = new ArrayList<>();
		for (int i = 0; i < jobs.size(); i++) {
			NewJob job = jobs.get(i);
			Integer first = firstById.get(job.id());
			if (first == null && job.uniqueKey() != null) {
				first = firstByKey.get(job.uniqueKey());
			}
			if (first != null) {
				representative[i] = first;
				continue;
			}
			representative[i] = i;
			firstById.put(job.id(), i);
			if (job.uniqueKey() != null) {
				firstByKey.put(job.uniqueKey(), i);
			}
			distinct.add(job);
		}
		Map<JobId, JobId> stored = withConnection(this.transactionalDataSource, "enqueue jobs", table("jobs"),
				(connection) -> insertJobs(connection, distinct));
		List<JobId> ids = new ArrayList<>(jobs.size());
		for (int i = 0; i < jobs.size(); i++) {
			ids.add(stored.get(jobs.get(representative[i]).id()));
		}
		return ids;
	}

	/**
	 * Inserts the jobs in one statement, skipping conflicts, then resolves the skipped ones
	 * to the jobs that hold their key.
	 * @return for each job's own id, the id that stands for it
	 */
	private Map<JobId, JobId> insertJobs(Connection connection, List<NewJob> jobs) throws SQLException {
		Map<JobId, JobId> resolved = new HashMap<>();
		List<NewJob> remaining = jobs;
		boolean notify = false;
		for (int round = 0; !remaining.isEmpty(); round++) {
			if (round == ENQUEUE_ROUNDS) {
				throw new SQLException("Unique keys kept conflicting with jobs that finished before they could be read: "
						+ remaining.stream().map(NewJob::uniqueKey).toList(), "40001");
			}
			Set<JobId> inserted = insertOnce(connection, remaining);
			notify |= !inserted.isEmpty();
			inserted.forEach((id) -> resolved.put(id, id));
			List<NewJob> skipped = remaining.stream().filter((job) -> !inserted.contains(job.id())).toList();
			remaining = (skipped.isEmpty()) ? List.of() : resolveSkipped(connection, skipped, resolved);
		}
		if (notify) {
			this.wakeUps.enqueued(connection);
		}
		return resolved;
	}

	private Set<JobId> insertOnce(Connection connection, List<NewJob> jobs) throws SQLException {
		List<UUID> ids = new ArrayList<>();
		List<String> tasks = new ArrayList<>();
		List<String> queues = new ArrayList<>();
		List<String> payloads = new ArrayList<>();
		List<Integer> priorities = new ArrayList<>();
		List<Integer> maxRetries = new ArrayList<>();
		List<Long> timeouts = new ArrayList<>();
		List<String> keys = new ArrayList<>();
		List<Long> delays = new ArrayList<>();
		List<Long> runAts = new ArrayList<>();
		for (NewJob job : jobs) {
			ids.add(job.id().value());
			tasks.add(job.taskName());
			queues.add(job.queue());
			payloads.add(job.payload());
			priorities.add(job.priority());
			maxRetries.add(job.maxRetries());
			timeouts.add((job.timeout() != null) ? job.timeout().toMillis() : null);
			keys.add(job.uniqueKey());
			delays.add(JdbcRows.micros(job.delay()));
			runAts.add((job.runAt() != null) ? JdbcRows.micros(job.runAt()) : null);
		}
		Set<JobId> inserted = new HashSet<>();
		try (PreparedStatement ps = connection.prepareStatement(this.sql.get("enqueue"))) {
			int i = 0;
			ps.setArray(++i, array(connection, ColumnType.UUID, ids));
			ps.setArray(++i, array(connection, ColumnType.TEXT, tasks));
			ps.setArray(++i, array(connection, ColumnType.TEXT, queues));
			ps.setArray(++i, array(connection, ColumnType.TEXT, payloads));
			ps.setArray(++i, array(connection, ColumnType.INT, priorities));
			ps.setArray(++i, array(connection, ColumnType.INT, maxRetries));
			ps.setArray(++i, array(connection, ColumnType.BIGINT, timeouts));
			ps.setArray(++i, array(connection, ColumnType.TEXT, keys));
			ps.setArray(++i, array(connection, ColumnType.BIGINT, delays));
			ps.setArray(++i, array(connection, ColumnType.BIGINT, runAts));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					inserted.add(new JobId(JdbcRows.uuid(rs, "id")));
				}
			}
		}
		catch (SQLException ex) {
			// Where the database cannot skip a conflict (H2), a concurrent insert of the same
			// key fails the whole statement, which the database undid; resolve and go again.
			if (!isUniqueViolation(ex)) {
				throw ex;
			}
		}
		return inserted;
	}

	/**
	 * @return the jobs whose conflict vanished (the holder finished) and must be inserted again
	 */
	private List<NewJob> resolveSkipped(Connection connection, List<NewJob> skipped, Map<JobId, JobId> resolved)
			throws SQLException {
		Set<UUID> existingIds = new HashSet<>();
		Map<String, UUID> holders = new HashMap<>();
		try (PreparedStatement ps = connection.prepareStatement(this.sql.get("enqueue-existing"))) {
			List<String> keys = skipped.stream().map(NewJob::uniqueKey).filter(Objects::nonNull).toList();
			ps.setArray(1, array(connection, ColumnType.TEXT, keys));
			ps.setArray(2, array(connection, ColumnType.UUID, skipped.stream().map((job) -> job.id().value()).toList()));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					UUID id = JdbcRows.uuid(rs, "id");
					existingIds.add(id);
					String key = rs.getString("unique_key");
					if (key != null) {
						holders.put(key, id);
					}
				}
			}
		}
		List<NewJob> again = new ArrayList<>();
		for (NewJob job : skipped) {
			if (existingIds.contains(job.id().value())) {
				// Stored by an earlier attempt of this same enqueue.
				resolved.put(job.id(), job.id());
			}
			else if (job.uniqueKey() != null && holders.containsKey(job.uniqueKey())) {
				resolved.put(job.id(), new JobId(holders.get(job.uniqueKey())));
			}
			else {
				again.add(job);
			}
		}
		return again;
	}

	@Override
	public Optional<JobView> find(JobId id) {
		return withAutoCommit("find a job", table("jobs"), (connection) -> {
			try (PreparedStatement ps = connection.prepareStatement(this.sql.get("find"))) {
				ps.setObject(1, id.value());
				try (ResultSet rs = ps.executeQuery()) {
					return rs.next() ? Optional.of(jobView(rs)) : Optional.<JobView>empty();
				}
			}
		});
	}

	private static JobView jobView(ResultSet rs) throws SQLException {
		return new JobView(new JobId(JdbcRows.uuid(rs, "id")), rs.getString("task"), rs.getString("queue"),
				JobStatus.valueOf(rs.getString("status")), rs.getInt("attempts"), rs.getInt("max_retries"),
				rs.getInt("priority"), JdbcRows.instant(rs, "created_at"), JdbcRows.instant(rs, "run_at"),
				JdbcRows.instant(rs, "started_at"), JdbcRows.instant(rs, "finished_at"), rs.getString("last_error"),
				rs.getString("result"), rs.getString("unique_key"));
	}

	@Override
	public boolean cancel(JobId id) {
		return withConnection(this.transactionalDataSource, "cancel a job", table("jobs"),
				(connection) -> update(connection, "cancel", id.value()) > 0);
	}

	@Override
	public boolean retry(JobId id) {
		return inTransaction("retry a job", table("jobs"), (connection) -> update(connection, "retry", id.value()) > 0);
	}

	@Override
	public void setQueuePaused(String queue, boolean paused) {
		inTransaction("pause or resume a queue", table("queues"), (connection) -> update(connection, "pause", queue,
				paused));
	}

	@Override
	public Set<String> pausedQueues() {
		return withAutoCommit("read paused queues", table("queues"), (connection) -> {
			Set<String> paused = new HashSet<>();
			try (PreparedStatement ps = connection.prepareStatement(this.sql.get("paused-queues"));
					ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					paused.add(rs.getString(1));
				}
			}
			return paused;
		});
	}

	@Override
	public List<ClaimedJob> claim(ClaimRequest request, UUID batchId) {
		Objects.requireNonNull(batchId, "batchId");
		Map<String, Integer> queueLimits = new TreeMap<>(request.queueLimits());
		List<String> queues = request.queues()
			.stream()
			.filter((queue) -> queueLimits.getOrDefault(queue, 1) > 0)
			.sorted()
			.toList();
		// A stable task order keeps concurrent claimers locking in the same order.
		Map<String, Integer> taskLimits = new TreeMap<>();
		request.taskLimits().forEach((task, limit) -> {
			if (limit > 0) {
				taskLimits.put(task, Math.min(limit, request.limit()));
			}
		});
		if (queues.isEmpty() || taskLimits.isEmpty()) {
			return List.of();
		}
		// Caps matter only for what this claim may take.
		Map<String, Integer> taskCaps = new TreeMap<>(request.taskCaps());
		taskCaps.keySet().retainAll(taskLimits.keySet());
		Map<String, Integer> queueCaps = new TreeMap<>(request.queueCaps());
		queueCaps.keySet().retainAll(queues);
		ClaimPlan plan = new ClaimPlan(request.instanceId(), batchId, request.lease().toMillis(), request.limit(),
				queues, new LinkedHashMap<>(taskLimits), new LinkedHashMap<>(queueLimits), taskCaps, queueCaps,
				ClaimPlan.capLockKeys(this.tablePrefix, taskCaps, queueCaps));
		boolean gated = plan.isCapped() && this.capGate != null;
		if (gated) {
			this.capGate.lock();
		}
		try {
			SqlWork<List<ClaimedJob>> claim = (connection) -> this.dialect.claim(connection, this.sql, plan);
			return this.dialect.claimsInOneRoundTrip() ? autoCommitted(claim) : transaction(claim);
		}
		catch (SQLException ex) {
			if (this.dialect.isContention(ex)) {
				// Another claimer held what this one reached for: nothing this time, the
				// next pass tries again.
				logger.debug("Claim for instance {} met a concurrent claim and took nothing", request.instanceId(),
						ex);
				return List.of();
			}
			throw translate("claim jobs", table("jobs"), ex);
		}
		finally {
			// Released after the commit: the next capped claimer counts this one's claims.
			if (gated) {
				this.capGate.unlock();
			}
		}
	}

	@Override
	public List<ClaimedJob> recoverClaim(String instanceId, UUID batchId) {
		return withAutoCommit("recover a claim", table("claims"), (connection) -> {
			List<ClaimedJob> claimed = new ArrayList<>();
			try (PreparedStatement ps = connection.prepareStatement(this.sql.get("recover-claim"))) {
				ps.setString(1, instanceId);
				ps.setObject(2, batchId);
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						claimed.add(JdbcRows.claimedJob(rs));
					}
				}
			}
			return claimed;
		});
	}

	@Override
	public ClaimCounts countClaims(Set<String> tasks, Set<String> queues) {
		if (tasks.isEmpty() && queues.isEmpty()) {
			return new ClaimCounts(Map.of(), Map.of());
		}
		// A statement of its own in auto-commit: it must see every claim committed before it.
		return withAutoCommit("count claims", table("claims"), (connection) -> {
			Map<String, Integer> byTask = new HashMap<>();
			Map<String, Integer> byQueue = new HashMap<>();
			try (PreparedStatement ps = connection.prepareStatement(this.sql.get("count-claims"))) {
				ps.setArray(1, array(connection, ColumnType.TEXT, tasks));
				ps.setArray(2, array(connection, ColumnType.TEXT, queues));
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						Map<String, Integer> target = "T".equals(rs.getString("kind")) ? byTask : byQueue;
						target.put(rs.getString("name"), rs.getInt("claims"));
					}
				}
			}
			return new ClaimCounts(byTask, byQueue);
		});
	}

	@Override
	public Set<ClaimRef> rollback(List<Reschedule> reschedules) {
		if (reschedules.isEmpty()) {
			return Set.of();
		}
		Map<ClaimRef, Duration> delays = new LinkedHashMap<>();
		reschedules.forEach((reschedule) -> delays.putIfAbsent(reschedule.claim(), reschedule.delay()));
		return inTransaction("roll back claims", table("claims"), (connection) -> {
			Set<ClaimRef> released = deleteClaims(connection, delays.keySet());
			if (!released.isEmpty()) {
				List<UUID> ids = new ArrayList<>();
				List<Long> delayMicros = new ArrayList<>();
				for (ClaimRef claim : released) {
					ids.add(claim.jobId().value());
					delayMicros.add(JdbcRows.micros(delays.get(claim)));
				}
				try (PreparedStatement ps = connection.prepareStatement(this.sql.get("rollback-jobs"))) {
					ps.setArray(1, array(connection, ColumnType.UUID, ids));
					ps.setArray(2, array(connection, ColumnType.BIGINT, delayMicros));
					ps.executeUpdate();
				}
			}
			return released;
		});
	}

	@Override
	public Set<ClaimRef> finish(List<Outcome> outcomes, boolean wakeOthers) {
		if (outcomes.isEmpty()) {
			return Set.of();
		}
		Map<ClaimRef, Outcome> byClaim = new LinkedHashMap<>();
		outcomes.forEach((outcome) -> byClaim.putIfAbsent(outcome.claim(), outcome));
		if (this.dialect.finishesInOneRoundTrip()) {
			try {
				return autoCommitted((connection) -> this.dialect.finish(connection, this.sql, byClaim.values(),
						wakeOthers));
			}
			catch (SQLException ex) {
				throw translate("record outcomes", table("jobs"), ex);
			}
		}
		Set<ClaimRef> recorded = inTransaction("record outcomes", table("jobs"), (connection) -> {
			Set<ClaimRef> released = deleteClaims(connection, byClaim.keySet());
			if (released.isEmpty()) {
				return released;
			}
			List<UUID> ids = new ArrayList<>();
			JdbcRows.OutcomeColumns columns = new JdbcRows.OutcomeColumns();
			for (ClaimRef claim : released) {
				ids.add(claim.jobId().value());
				columns.add(byClaim.get(claim));
			}
			try (PreparedStatement ps = connection.prepareStatement(this.sql.get("finish-jobs"))) {
				ps.setArray(1, array(connection, ColumnType.UUID, ids));
				ps.setArray(2, array(connection, ColumnType.TEXT, columns.kinds));
				ps.setArray(3, array(connection, ColumnType.TEXT, columns.bodies));
				ps.setArray(4, array(connection, ColumnType.BIGINT, columns.delays));
				ps.executeUpdate();
			}
			if (wakeOthers) {
				this.wakeUps.beforeCommit(connection);
			}
			return released;
		});
		if (wakeOthers && !recorded.isEmpty()) {
			this.wakeUps.afterCommit();
		}
		return recorded;
	}

	/**
	 * Deletes the claims whose job and token both match: the fence of every write made on
	 * behalf of a claim.
	 * @return the claims that were still held, and are now gone
	 */
	private Set<ClaimRef> deleteClaims(Connection connection, Collection<ClaimRef> claims) throws SQLException {
		Set<ClaimRef> deleted = new LinkedHashSet<>();
		try (PreparedStatement ps = connection.prepareStatement(this.sql.get("delete-claims"))) {
			ps.setArray(1, array(connection, ColumnType.UUID, claims.stream().map((c) -> c.jobId().value()).toList()));
			ps.setArray(2, array(connection, ColumnType.UUID, claims.stream().map(ClaimRef::token).toList()));
			try (ResultSet rs = ps.executeQuery()) {
				while (rs.next()) {
					deleted.add(new ClaimRef(new JobId(JdbcRows.uuid(rs, "job_id")), JdbcRows.uuid(rs, "claim_token")));
				}
			}
		}
		return deleted;
	}

	@Override
	public HeartbeatResult heartbeat(Heartbeat heartbeat) {
		String taskCaps = writeCaps(heartbeat.taskCaps());
		String queueCaps = writeCaps(heartbeat.queueCaps());
		long leaseMillis = heartbeat.lease().toMillis();
		return inTransaction("heartbeat", table("instances"), (connection) -> {
			update(connection, "upsert-instance", heartbeat.instanceId(), taskCaps, queueCaps);
			Set<ClaimRef> renewed = new HashSet<>();
			if (!heartbeat.claims().isEmpty()) {
				Set<ClaimRef> named = new HashSet<>(heartbeat.claims());
				try (PreparedStatement ps = connection.prepareStatement(this.sql.get("renew-claims"))) {
					ps.setLong(1, leaseMillis);
					ps.setArray(2, array(connection, ColumnType.UUID,
							heartbeat.claims().stream().map((claim) -> claim.jobId().value()).toList()));
					ps.setArray(3, array(connection, ColumnType.UUID,
							heartbeat.claims().stream().map(ClaimRef::token).toList()));
					try (ResultSet rs = ps.executeQuery()) {
						while (rs.next()) {
							ClaimRef claim = new ClaimRef(new JobId(JdbcRows.uuid(rs, "job_id")),
									JdbcRows.uuid(rs, "claim_token"));
							if (named.contains(claim)) {
								renewed.add(claim);
							}
						}
					}
				}
			}
			Map<String, Integer> clusterTaskCaps = new HashMap<>();
			Map<String, Integer> clusterQueueCaps = new HashMap<>();
			Instant storeTime = null;
			try (PreparedStatement ps = connection.prepareStatement(this.sql.get("live-instance-caps"))) {
				ps.setLong(1, leaseMillis);
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						// This instance's own row, just written, is always among them.
						storeTime = JdbcRows.instant(rs, "store_time");
						readCaps(rs.getString("task_caps")).forEach((task, cap) -> clusterTaskCaps.merge(task, cap,
								Math::min));
						readCaps(rs.getString("queue_caps")).forEach((queue, cap) -> clusterQueueCaps.merge(queue, cap,
								Math::min));
					}
				}
			}
			if (storeTime == null) {
				throw new SQLException("The heartbeat of instance " + heartbeat.instanceId() + " found no row of its own in "
						+ table("instances") + "; is another program deleting rows there?");
			}
			return new HeartbeatResult(renewed, new ClaimCounts(clusterTaskCaps, clusterQueueCaps), storeTime);
		});
	}

	private String writeCaps(Map<String, Integer> caps) {
		try {
			return this.json.writeValueAsString(new TreeMap<>(caps));
		}
		catch (JacksonException ex) {
			throw new TaskitoException("Cannot write caps " + caps + " as JSON", ex);
		}
	}

	private Map<String, Integer> readCaps(String text) {
		try {
			return this.json.readValue(text, CAPS);
		}
		catch (JacksonException ex) {
			// Another instance's record is unreadable; its caps cannot be honoured, so say so.
			throw new TaskitoException("Cannot read the caps an instance declared in " + table("instances") + ": "
					+ text, ex);
		}
	}

	@Override
	public void removeInstance(String instanceId) {
		inTransaction("remove an instance", table("instances"),
				(connection) -> update(connection, "remove-instance", instanceId));
	}

	@Override
	public Map<String, Integer> takeTokens(List<TokenRequest> requests) {
		if (requests.isEmpty()) {
			return Map.of();
		}
		// Buckets are locked in name order, so concurrent callers cannot deadlock.
		List<TokenRequest> ordered = requests.stream()
			.sorted((a, b) -> a.bucket().compareTo(b.bucket()))
			.toList();
		return inTransaction("take rate-limit tokens", table("rate_buckets"), (connection) -> {
			Map<String, Integer> granted = new LinkedHashMap<>();
			for (TokenRequest request : ordered) {
				granted.merge(request.bucket(), takeTokens(connection, request), Integer::sum);
			}
			return granted;
		});
	}

	private int takeTokens(Connection connection, TokenRequest request) throws SQLException {
		int burst = request.limit().permits();
		try {
			update(connection, "ensure-bucket", request.bucket(), (double) burst);
		}
		catch (SQLException ex) {
			// A concurrent first use created it (H2 cannot skip that conflict); it exists now.
			if (!isUniqueViolation(ex)) {
				throw ex;
			}
		}
		double tokens;
		OffsetDateTime now;
		long elapsedMicros;
		try (PreparedStatement ps = connection.prepareStatement(this.sql.get("lock-bucket"))) {
			ps.setString(1, request.bucket());
			try (ResultSet rs = ps.executeQuery()) {
				if (!rs.next()) {
					throw new SQLException("Rate bucket " + request.bucket() + " vanished while in use");
				}
				tokens = rs.getDouble("tokens");
				now = rs.getObject("now", OffsetDateTime.class);
				elapsedMicros = Math.max(0, rs.getLong("elapsed_us"));
			}
		}
		double available = Math.min(burst, tokens + elapsedMicros / 1e6 * request.limit().perSecond());
		int granted = 0;
		if (request.count() > 0) {
			// A hair of tolerance keeps 2.9999999 refilled tokens from granting only 2.
			granted = (int) Math.min(request.count(), Math.floor(available + 1e-9));
			available = Math.max(0, available - granted);
		}
		else if (request.count() < 0) {
			available = Math.min(burst, available - request.count());
		}
		// updated_at is the store's now that the refill was computed at, so no time is lost
		// or counted twice between the read and the write.
		update(connection, "update-bucket", available, now, request.bucket());
		return granted;
	}

	@Override
	public List<ReapedJob> reap(Duration grace, Instant reaperConnectedAt) {
		OffsetDateTime connectedAt = OffsetDateTime.ofInstant(
				Objects.requireNonNull(reaperConnectedAt, "reaperConnectedAt"), ZoneOffset.UTC);
		long graceMillis = grace.toMillis();
		return inTransaction("reap expired claims", table("claims"), (connection) -> {
			Map<UUID, Candidate> candidates = new LinkedHashMap<>();
			try (PreparedStatement ps = connection.prepareStatement(this.sql.get("reap-candidates"))) {
				ps.setLong(1, graceMillis);
				ps.setObject(2, connectedAt);
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						UUID id = JdbcRows.uuid(rs, "id");
						candidates.put(id, new Candidate(id, rs.getString("task"), rs.getString("instance_id"),
								JdbcRows.uuid(rs, "claim_token")));
					}
				}
			}
			if (candidates.isEmpty()) {
				return List.<ReapedJob>of();
			}
			List<Candidate> withClaim = candidates.values().stream().filter((c) -> c.token() != null).toList();
			Set<UUID> taken = new HashSet<>();
			candidates.values().stream().filter((c) -> c.token() == null).forEach((c) -> taken.add(c.id()));
			if (!withClaim.isEmpty()) {
				try (PreparedStatement ps = connection.prepareStatement(this.sql.get("reap-delete-claims"))) {
					ps.setArray(1, array(connection, ColumnType.UUID, withClaim.stream().map(Candidate::id).toList()));
					ps.setArray(2, array(connection, ColumnType.UUID, withClaim.stream().map(Candidate::token).toList()));
					ps.setLong(3, graceMillis);
					ps.setObject(4, connectedAt);
					try (ResultSet rs = ps.executeQuery()) {
						while (rs.next()) {
							taken.add(JdbcRows.uuid(rs, "job_id"));
						}
					}
				}
			}
			if (taken.isEmpty()) {
				return List.<ReapedJob>of();
			}
			List<UUID> ids = new ArrayList<>(taken);
			List<String> reasons = ids.stream().map((id) -> candidates.get(id).reason()).toList();
			List<ReapedJob> reaped = new ArrayList<>();
			try (PreparedStatement ps = connection.prepareStatement(this.sql.get("reap-jobs"))) {
				ps.setArray(1, array(connection, ColumnType.UUID, ids));
				ps.setArray(2, array(connection, ColumnType.TEXT, reasons));
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next()) {
						Candidate candidate = candidates.get(JdbcRows.uuid(rs, "id"));
						reaped.add(new ReapedJob(new JobId(candidate.id()), candidate.task(), candidate.instanceId(),
								JobStatus.valueOf(rs.getString("status"))));
					}
				}
			}
			return reaped;
		});
	}

	@Override
	public int purge(Duration succeeded, Duration dead) {
		return inTransaction("purge finished jobs", table("jobs"),
				(connection) -> update(connection, "purge", succeeded.toMillis(), dead.toMillis()));
	}

	@Override
	public void addWakeUpListener(Runnable listener) {
		this.wakeUps.addListener(Objects.requireNonNull(listener, "listener"));
	}

	@Override
	public void close() {
		this.wakeUps.close();
	}

	private int update(Connection connection, String statement, Object... parameters) throws SQLException {
		try (PreparedStatement ps = connection.prepareStatement(this.sql.get(statement))) {
			for (int i = 0; i < parameters.length; i++) {
				ps.setObject(i + 1, parameters[i]);
			}
			return ps.executeUpdate();
		}
	}

	private Array array(Connection connection, ColumnType type, Collection<?> values) throws SQLException {
		return JdbcRows.array(connection, this.dialect, type, values);
	}

	private String table(String name) {
		return this.tablePrefix + name;
	}

	/**
	 * Runs work on a plain connection in a transaction of its own: commits when it returns,
	 * rolls back when it throws, and leaves the connection's auto-commit mode as it found it.
	 */
	private <T> T transaction(SqlWork<T> work) throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			if (autoCommit) {
				connection.setAutoCommit(false);
			}
			try {
				T result = work.run(connection);
				connection.commit();
				return result;
			}
			catch (SQLException | RuntimeException ex) {
				try {
					connection.rollback();
				}
				catch (SQLException rollbackFailure) {
					ex.addSuppressed(rollbackFailure);
				}
				throw ex;
			}
			finally {
				if (autoCommit) {
					connection.setAutoCommit(true);
				}
			}
		}
	}

	/**
	 * Runs one self-contained statement on a plain connection in auto-commit: it commits as
	 * it completes, in one round trip.
	 */
	private <T> T autoCommitted(SqlWork<T> work) throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			if (!autoCommit) {
				connection.setAutoCommit(true);
			}
			try {
				return work.run(connection);
			}
			finally {
				if (!autoCommit) {
					connection.setAutoCommit(false);
				}
			}
		}
	}

	/**
	 * Whether every table and index of the schema exists. When it does, start() runs no DDL:
	 * even {@code CREATE INDEX IF NOT EXISTS} locks its table against writes until commit,
	 * which stalls (and can deadlock with) the instances already running.
	 */
	private boolean isSchemaComplete() {
		List<String> tables = this.sql.schemaObjects("TABLE");
		List<String> indexes = this.sql.schemaObjects("INDEX");
		return withAutoCommit("read the schema", table("jobs"), (connection) -> {
			try (PreparedStatement ps = connection.prepareStatement(this.sql.get("count-schema-objects"))) {
				ps.setArray(1, array(connection, ColumnType.TEXT, tables));
				ps.setArray(2, array(connection, ColumnType.TEXT, indexes));
				try (ResultSet rs = ps.executeQuery()) {
					return rs.next() && rs.getLong(1) == tables.size() + indexes.size();
				}
			}
		});
	}

	private <T> T inTransaction(String operation, String table, SqlWork<T> work) {
		try {
			return transaction(work);
		}
		catch (SQLException ex) {
			throw translate(operation, table, ex);
		}
	}

	/**
	 * Runs a read on a plain connection in auto-commit, so it sees what others committed
	 * before it began.
	 */
	private <T> T withAutoCommit(String operation, String table, SqlWork<T> work) {
		try (Connection connection = this.dataSource.getConnection()) {
			if (connection.getAutoCommit()) {
				return work.run(connection);
			}
			connection.setAutoCommit(true);
			try {
				return work.run(connection);
			}
			finally {
				connection.setAutoCommit(false);
			}
		}
		catch (SQLException ex) {
			throw translate(operation, table, ex);
		}
	}

	/**
	 * Runs producer work in whatever mode the connection is in: inside the caller's
	 * transaction, or in auto-commit. Never commits, rolls back or switches modes.
	 */
	private <T> T withConnection(DataSource source, String operation, String table, SqlWork<T> work) {
		try (Connection connection = source.getConnection()) {
			return work.run(connection);
		}
		catch (SQLException ex) {
			throw translate(operation, table, ex);
		}
	}

	private TaskitoException translate(String operation, String table, SQLException ex) {
		if (isUnavailable(ex)) {
			return new StoreUnavailableException("Could not " + operation + ": the database is unreachable ("
					+ ex.getMessage() + "); whether it took effect is unknown", ex);
		}
		return new TaskitoException("Could not " + operation + " in table " + table + ": " + ex.getMessage()
				+ " (SQLState " + ex.getSQLState() + ")", ex);
	}

	private static boolean isUnavailable(SQLException ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof SQLTransientConnectionException || cause instanceof SQLNonTransientConnectionException
					|| cause instanceof SQLRecoverableException || cause instanceof IOException) {
				return true;
			}
			if (cause instanceof SQLException sqlException) {
				String state = sqlException.getSQLState();
				// Class 08 is a connection exception; 57P01-57P03 are a server shutting down or
				// starting up.
				if (state != null && (state.startsWith("08") || state.startsWith("57P"))) {
					return true;
				}
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return false;
	}

	private static boolean isUniqueViolation(SQLException ex) {
		return "23505".equals(ex.getSQLState());
	}

	@FunctionalInterface
	private interface SqlWork<T> {

		T run(Connection connection) throws SQLException;

	}

	private record Candidate(UUID id, String task, String instanceId, UUID token) {

		String reason() {
			return (this.instanceId != null) ? "The lease of instance " + this.instanceId + " expired"
					: "The job was RUNNING without a claim, so its lease counts as expired";
		}

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
			String productName;
			String url;
			try (Connection connection = this.dataSource.getConnection()) {
				DatabaseMetaData metaData = connection.getMetaData();
				productName = metaData.getDatabaseProductName();
				url = metaData.getURL();
			}
			catch (SQLException ex) {
				throw new StoreUnavailableException("Could not read the database's metadata to set up the JDBC store: "
						+ ex.getMessage(), ex);
			}
			JdbcDialect chosen = this.dialect;
			if (chosen == null) {
				chosen = List.<JdbcDialect>of(new PostgresDialect(), new H2Dialect())
					.stream()
					.filter((candidate) -> candidate.supports(productName))
					.findFirst()
					.orElseThrow(() -> new TaskitoException("The JDBC store supports PostgreSQL and H2, but the "
							+ "DataSource is " + productName + ": point taskito at one of those, or use "
							+ "taskito.store.type=redis"));
			}
			// Settings after ';' (such as DB_CLOSE_DELAY) do not change which database it is.
			String database = (url != null && url.indexOf(';') > 0) ? url.substring(0, url.indexOf(';')) : url;
			return new JdbcClaimStore(this, chosen, database);
		}

	}

}
