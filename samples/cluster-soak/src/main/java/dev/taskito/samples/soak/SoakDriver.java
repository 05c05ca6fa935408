package dev.taskito.samples.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import org.postgresql.ds.PGSimpleDataSource;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.dispatch.DefaultTaskQueue;
import dev.taskito.samples.soak.SoakWorker.Kind;
import dev.taskito.store.redis.RedisClaimStore;

/**
 * Runs the cluster soak: starts N {@link SoakWorker} JVMs against PostgreSQL or Redis,
 * enqueues a mixed workload, injects faults, corrupts a few jobs behind Taskito's back,
 * waits for the queue to drain, merges the ledgers and prints every check with its figure.
 * Exits 1 when a check fails.
 *
 * <p>Arguments are {@code key=value}; {@code config=short|long} picks the defaults, any
 * other key overrides one (store, jobs, workers, concurrency, cycles, spreadSeconds,
 * leaseMs, heartbeatMs, pollMs, reaperGraceMs, shutdownMs, drainTimeoutSeconds, out).
 */
public final class SoakDriver {

	private final Map<String, String> options;

	private final String store;

	private final Path dir;

	private final String prefix;

	private final List<Worker> workers = new ArrayList<>();

	private final List<SoakAnalysis.Fault> faults = new ArrayList<>();

	private final Map<String, Kind> expectedKinds = new LinkedHashMap<>();

	private final Map<String, String> corrupt = new LinkedHashMap<>();

	private final Random random = new Random(42);

	private final List<String> startupFailures = new ArrayList<>();

	private FreezableProxy proxy;

	private SoakStores driverStores;

	private RedisClient redisAdminClient;

	private StatefulRedisConnection<String, String> redisAdmin;

	private int nextWorker;

	private boolean postgresStopped;

	private long corruptedAt;

	SoakDriver(Map<String, String> options) throws IOException {
		this.options = options;
		this.store = options.get("store");
		String run = this.store + "-" + Instant.now().toString().replaceAll("[^0-9]", "").substring(0, 14);
		this.dir = Path.of(options.getOrDefault("out", "target/soak")).resolve(run);
		Files.createDirectories(this.dir);
		this.prefix = this.store.equals("jdbc") ? "soak" + run.replaceAll("[^0-9]", "") + "_" : "soak:" + run + ":";
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = defaults(SoakWorker.parse(args));
		int failed = 0;
		for (String store : options.get("store").split(",")) {
			Map<String, String> one = new HashMap<>(options);
			one.put("store", store);
			failed += new SoakDriver(one).run() ? 0 : 1;
		}
		System.exit(failed == 0 ? 0 : 1);
	}

	/** The short (CI) and long configurations; explicit options win. */
	static Map<String, String> defaults(Map<String, String> given) {
		Map<String, String> options = new HashMap<>();
		options.put("store", "jdbc,redis");
		options.put("workers", "3");
		options.put("concurrency", "8");
		options.put("leaseMs", "2000");
		options.put("heartbeatMs", "500");
		options.put("pollMs", "200");
		options.put("reaperGraceMs", "500");
		options.put("shutdownMs", "1000");
		if ("long".equals(given.getOrDefault("config", "short"))) {
			options.put("jobs", "100000");
			options.put("cycles", "4");
			options.put("spreadSeconds", "400");
			options.put("drainTimeoutSeconds", "1800");
		}
		else {
			options.put("jobs", "1500");
			options.put("cycles", "1");
			options.put("spreadSeconds", "26");
			options.put("drainTimeoutSeconds", "60");
		}
		options.putAll(given);
		return options;
	}

	private int intOption(String key) {
		return Integer.parseInt(this.options.get(key));
	}

	/** @return whether every check passed */
	boolean run() throws Exception {
		log("soak on " + this.store + ", namespace " + this.prefix + ", options " + this.options + ", files in "
				+ this.dir.toAbsolutePath());
		SoakAnalysis.Report report;
		try {
			int redisPort = 6379;
			if (this.store.equals("redis")) {
				this.proxy = new FreezableProxy(6379);
				redisPort = this.proxy.port();
			}
			this.driverStores = new SoakStores(this.store, this.prefix, redisPort, "soak-driver-" + ProcessHandle.current().pid());
			this.driverStores.store().start();
			for (int i = 0; i < intOption("workers"); i++) {
				startWorker();
			}
			for (Worker worker : this.workers) {
				worker.awaitReady();
			}
			long startedAt = Ledger.nowMicros();
			List<JobId> ids = enqueueWorkload();
			corruptBehindTaskitosBack();
			injectFaults();
			long drainedAt = awaitDrain(ids);
			Thread.sleep(intOption("leaseMs") + 2L * intOption("heartbeatMs"));
			Map<String, SoakAnalysis.StoredJob> stored = readStore();
			Map<String, Boolean> alive = new LinkedHashMap<>();
			for (Worker worker : this.workers) {
				alive.put(worker.instance, worker.process.isAlive());
			}
			stopWorkers();
			List<Ledger.Entry> entries = new ArrayList<>();
			for (Worker worker : this.workers) {
				entries.addAll(Ledger.read(worker.ledger));
			}
			SoakAnalysis analysis = new SoakAnalysis(this.options, this.expectedKinds, this.corrupt, this.faults,
					entries, stored, alive, this.corruptedAt, this.startupFailures, takeBacks());
			report = analysis.analyse(startedAt, drainedAt);
		}
		finally {
			restoreServices();
		}
		String text = report.text();
		System.out.println(text);
		Files.writeString(this.dir.resolve("report.txt"), text);
		dropNamespace();
		return report.passed();
	}

	// ---- workers

	private final class Worker {

		final String instance;

		final Path ledger;

		final Process process;

		final Path log;

		Worker(String instance) throws IOException {
			this.instance = instance;
			this.ledger = SoakDriver.this.dir.resolve("ledger-" + instance + ".tsv");
			this.log = SoakDriver.this.dir.resolve("worker-" + instance + ".log");
			List<String> command = new ArrayList<>(List.of(
					Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
					"-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
					SoakWorker.class.getName(), "store=" + SoakDriver.this.store, "prefix=" + SoakDriver.this.prefix,
					"redisPort=" + ((SoakDriver.this.proxy != null) ? SoakDriver.this.proxy.port() : 6379),
					"instance=" + instance, "ledger=" + this.ledger));
			for (String key : List.of("concurrency", "leaseMs", "heartbeatMs", "pollMs", "reaperGraceMs", "shutdownMs")) {
				command.add(key + "=" + SoakDriver.this.options.get(key));
			}
			this.process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(this.log.toFile())
				.start();
		}

		void awaitReady() throws Exception {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
			while (System.nanoTime() < deadline) {
				if (Files.exists(this.log) && Files.readString(this.log).contains("READY " + this.instance)) {
					return;
				}
				if (!this.process.isAlive()) {
					throw new IllegalStateException("worker " + this.instance + " died at startup, see " + this.log);
				}
				Thread.sleep(50);
			}
			throw new IllegalStateException("worker " + this.instance + " not ready after 60 s, see " + this.log);
		}

		/** @return executions started and not ended, per the ledger so far */
		int openExecutions(String task) throws IOException {
			Map<String, Integer> open = new HashMap<>();
			for (Ledger.Entry entry : Ledger.read(this.ledger)) {
				if (task == null || entry.task().equals(task)) {
					open.merge(entry.jobId() + "/" + entry.attempt(), entry.start() ? 1 : -1, Integer::sum);
				}
			}
			return (int) open.values().stream().filter((n) -> n > 0).count();
		}

		void signal(String signal) throws Exception {
			new ProcessBuilder("kill", "-" + signal, Long.toString(this.process.pid())).inheritIO().start().waitFor();
		}

	}

	private Worker startWorker() throws IOException {
		Worker worker = new Worker("w" + (this.nextWorker++) + "-" + Long.toHexString(System.nanoTime() & 0xffffff));
		this.workers.add(worker);
		log("started worker " + worker.instance + " pid " + worker.process.pid());
		return worker;
	}

	/**
	 * Starts a worker that joins the running cluster; a start that fails is a finding (kept
	 * in {@link #startupFailures}), and the driver tries again so the other checks still run.
	 */
	private void startReplacement() throws Exception {
		for (int i = 0; i < 3; i++) {
			Worker worker = startWorker();
			try {
				worker.awaitReady();
				return;
			}
			catch (IllegalStateException ex) {
				String log = Files.readString(worker.log);
				String first = log.lines().filter((line) -> line.contains("Exception")).findFirst().orElse(log);
				this.startupFailures.add(worker.instance + ": " + first);
				log("worker failed to start: " + first);
			}
		}
		throw new IllegalStateException("three replacement workers in a row failed to start");
	}

	private static final java.util.regex.Pattern TAKE_BACK = java.util.regex.Pattern
		.compile("^(\\S+) WARN .* Took back job (\\S+) of task '.*' from instance (\\S+) whose lease expired");

	/** The reaper's take-backs, from every worker's log: jobId/instance to the times, µs. */
	private Map<String, List<Long>> takeBacks() throws IOException {
		Map<String, List<Long>> takeBacks = new HashMap<>();
		for (Worker worker : this.workers) {
			if (!Files.exists(worker.log)) {
				continue;
			}
			for (String line : Files.readAllLines(worker.log, StandardCharsets.UTF_8)) {
				java.util.regex.Matcher m = TAKE_BACK.matcher(line);
				if (m.find()) {
					Instant at = Instant.parse(m.group(1));
					takeBacks.computeIfAbsent(m.group(2) + "/" + m.group(3), (k) -> new ArrayList<>())
						.add(at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000);
				}
			}
		}
		return takeBacks;
	}

	private void stopWorkers() throws InterruptedException {
		for (Worker worker : this.workers) {
			if (worker.process.isAlive()) {
				worker.process.destroy();
			}
		}
		for (Worker worker : this.workers) {
			if (!worker.process.waitFor(30, TimeUnit.SECONDS)) {
				worker.process.destroyForcibly();
			}
		}
	}

	/** A live worker with the most open executions of long jobs (of any job when none). */
	private Worker busiestWorker(List<Worker> exclude) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		Worker best = null;
		while (System.nanoTime() < deadline) {
			int bestOpen = 0;
			for (Worker worker : this.workers) {
				if (!worker.process.isAlive() || exclude.contains(worker)) {
					continue;
				}
				int open = worker.openExecutions("long") * 100 + worker.openExecutions(null);
				if (open > bestOpen) {
					best = worker;
					bestOpen = open;
				}
			}
			if (best != null && bestOpen >= 100) {
				return best;
			}
			Thread.sleep(50);
		}
		if (best == null) {
			best = this.workers.stream().filter((w) -> w.process.isAlive() && !exclude.contains(w)).findFirst().orElseThrow();
		}
		return best;
	}

	// ---- workload

	private List<JobId> enqueueWorkload() {
		DefaultTaskQueue queue = new DefaultTaskQueue(this.driverStores.store(),
				SoakWorker.registry(null, "driver", null));
		int jobs = intOption("jobs");
		long spreadMillis = intOption("spreadSeconds") * 1000L;
		List<JobId> ids = new ArrayList<>(jobs);
		List<EnqueueRequest> batch = new ArrayList<>();
		List<Kind> kinds = new ArrayList<>();
		for (int i = 0; i < jobs; i++) {
			Kind kind = pickKind();
			// Spread over the fault window, so every fault meets running jobs.
			long delay = (long) (this.random.nextDouble() * spreadMillis);
			batch.add(EnqueueRequest.of(kind.task, i).delay(Duration.ofMillis(delay)));
			kinds.add(kind);
			if (batch.size() == 500 || i == jobs - 1) {
				List<JobId> got = queue.enqueueAll(batch);
				for (int k = 0; k < got.size(); k++) {
					this.expectedKinds.put(got.get(k).toString(), kinds.get(k));
				}
				ids.addAll(got);
				batch.clear();
				kinds.clear();
			}
		}
		log("enqueued " + ids.size() + " jobs over " + spreadMillis + " ms: " + countKinds());
		return ids;
	}

	private Map<Kind, Integer> countKinds() {
		Map<Kind, Integer> counts = new LinkedHashMap<>();
		this.expectedKinds.values().forEach((kind) -> counts.merge(kind, 1, Integer::sum));
		return counts;
	}

	private Kind pickKind() {
		int p = this.random.nextInt(100);
		if (p < 62) {
			return Kind.SHORT;
		}
		if (p < 66) {
			return Kind.LONG;
		}
		if (p < 70) {
			return Kind.SOLO;
		}
		if (p < 78) {
			return Kind.TRIO;
		}
		if (p < 90) {
			return Kind.BULK;
		}
		if (p < 93) {
			return Kind.FLAKY;
		}
		return (p < 96) ? Kind.POISON : Kind.DOOMED;
	}

	// ---- bad input

	/**
	 * Enqueues three parked jobs (due in an hour) through the API, then rewrites them in the
	 * store as no Taskito code would: a payload that is not JSON, a task no instance knows,
	 * and a RUNNING job with no claim.
	 */
	private void corruptBehindTaskitosBack() throws Exception {
		DefaultTaskQueue queue = new DefaultTaskQueue(this.driverStores.store(), SoakWorker.registry(null, "driver", null));
		String badPayload = queue.enqueue(EnqueueRequest.of("short", 1).delay(Duration.ofHours(1))).toString();
		String ghost = queue.enqueue(EnqueueRequest.of("short", 2).delay(Duration.ofHours(1))).toString();
		String orphan = queue.enqueue(EnqueueRequest.of("short", 3).delay(Duration.ofHours(1))).toString();
		this.corrupt.put(badPayload, "payload-not-json");
		this.corrupt.put(ghost, "unknown-task");
		this.corrupt.put(orphan, "running-without-claim");
		if (this.store.equals("jdbc")) {
			try (Connection connection = postgres(); Statement statement = connection.createStatement()) {
				String jobs = this.prefix + "jobs";
				statement.executeUpdate("UPDATE " + jobs + " SET payload = 'this is {not json', run_at = now() WHERE id = '" + badPayload + "'");
				statement.executeUpdate("UPDATE " + jobs + " SET task = 'ghost-task', run_at = now() WHERE id = '" + ghost + "'");
				statement.executeUpdate("UPDATE " + jobs + " SET status = 'RUNNING', attempts = 1, started_at = now(), run_at = now() WHERE id = '" + orphan + "'");
			}
		}
		else {
			String ns = ((RedisClaimStore) this.driverStores.store()).namespace();
			RedisCommands<String, String> redis = redisAdmin().sync();
			redis.hset(ns + "job:" + badPayload, "payload", "this is {not json");
			redis.hset(ns + "job:" + badPayload, "run_at", "0");
			redis.zadd(ns + "delayed", 0, badPayload);
			redis.hset(ns + "job:" + ghost, "task", "ghost-task");
			redis.hset(ns + "job:" + ghost, "run_at", "0");
			redis.zadd(ns + "delayed", 0, ghost);
			redis.zrem(ns + "delayed", orphan);
			redis.hset(ns + "job:" + orphan, Map.of("status", "RUNNING", "attempts", "1", "started",
					Long.toString(System.currentTimeMillis())));
		}
		this.corruptedAt = Ledger.nowMicros();
		log("corrupted jobs " + this.corrupt);
	}

	// ---- faults

	private void injectFaults() throws Exception {
		int lease = intOption("leaseMs");
		int heartbeat = intOption("heartbeatMs");
		long settle = lease + 2L * heartbeat;
		int cycles = intOption("cycles");
		long cycleMillis = intOption("spreadSeconds") * 1000L / cycles;
		long firstStart = System.currentTimeMillis();
		for (int cycle = 0; cycle < cycles; cycle++) {
			long cycleStart = firstStart + cycle * cycleMillis;
			sleepUntil(cycleStart + 1_500);

			Worker victim = busiestWorker(List.of());
			int open = victim.openExecutions(null);
			long at = Ledger.nowMicros();
			victim.process.destroyForcibly();
			victim.process.waitFor();
			this.faults.add(new SoakAnalysis.Fault("kill", victim.instance, at, Ledger.nowMicros()));
			log("kill -9 " + victim.instance + " with " + open + " open executions");
			startReplacement();
			Thread.sleep(settle);

			at = Ledger.nowMicros();
			storeRestart();
			this.faults.add(new SoakAnalysis.Fault("store-restart", null, at, Ledger.nowMicros()));
			Thread.sleep(settle);

			Worker term = busiestWorker(List.of());
			open = term.openExecutions(null);
			at = Ledger.nowMicros();
			term.process.destroy();
			boolean exited = term.process.waitFor(30, TimeUnit.SECONDS);
			this.faults.add(new SoakAnalysis.Fault("sigterm", term.instance, at, Ledger.nowMicros()));
			log("SIGTERM " + term.instance + " with " + open + " open executions; exited=" + exited + " code "
					+ (exited ? term.process.exitValue() : -1));
			startReplacement();
			Thread.sleep(settle);

			Worker paused = busiestWorker(List.of());
			open = paused.openExecutions(null);
			at = Ledger.nowMicros();
			paused.signal("STOP");
			Thread.sleep(lease + 2L * heartbeat);
			long cont = Ledger.nowMicros();
			paused.signal("CONT");
			this.faults.add(new SoakAnalysis.Fault("pause", paused.instance, at, cont));
			log("SIGSTOP/SIGCONT " + paused.instance + " with " + open + " open executions");
			Thread.sleep(settle);

			at = Ledger.nowMicros();
			storeDown(lease + 2_000L);
			this.faults.add(new SoakAnalysis.Fault("store-down", null, at, Ledger.nowMicros()));
			Thread.sleep(settle);
		}
	}

	private static void sleepUntil(long epochMillis) throws InterruptedException {
		long wait = epochMillis - System.currentTimeMillis();
		if (wait > 0) {
			Thread.sleep(wait);
		}
	}

	private void storeRestart() throws Exception {
		if (this.store.equals("jdbc")) {
			log("restarting PostgreSQL");
			this.postgresStopped = true;
			pgctl("restart");
			this.postgresStopped = false;
			awaitPostgres();
		}
		else {
			int killed = 0;
			String list = command("redis-cli", "-p", "6379", "CLIENT", "LIST");
			for (String line : list.split("\n")) {
				if (line.contains(" name=soak-")) {
					String id = line.substring(3, line.indexOf(' '));
					command("redis-cli", "-p", "6379", "CLIENT", "KILL", "ID", id);
					killed++;
				}
			}
			log("CLIENT KILL of the soak's " + killed + " Redis connections");
		}
	}

	private void storeDown(long millis) throws Exception {
		if (this.store.equals("jdbc")) {
			log("stopping PostgreSQL for " + millis + " ms");
			this.postgresStopped = true;
			pgctl("stop");
			Thread.sleep(millis);
			pgctl("start");
			this.postgresStopped = false;
			awaitPostgres();
		}
		else {
			log("freezing the soak's Redis connections for " + millis + " ms");
			this.proxy.freeze(true);
			try {
				Thread.sleep(millis);
			}
			finally {
				this.proxy.freeze(false);
			}
		}
	}

	private void restoreServices() {
		if (this.proxy != null) {
			this.proxy.freeze(false);
		}
		if (this.postgresStopped) {
			try {
				pgctl("start");
				awaitPostgres();
			}
			catch (Exception ex) {
				log("could not restart PostgreSQL: " + ex);
			}
		}
		for (Worker worker : this.workers) {
			if (worker.process.isAlive()) {
				try {
					worker.signal("CONT");
				}
				catch (Exception ex) {
					// gone already
				}
				worker.process.destroyForcibly();
			}
		}
		if (this.driverStores != null) {
			this.driverStores.close();
		}
		if (this.redisAdminClient != null) {
			this.redisAdmin.close();
			this.redisAdminClient.shutdown();
		}
		if (this.proxy != null) {
			this.proxy.close();
		}
	}

	/** Starts PostgreSQL when it does not answer; for callers that must never leave it stopped. */
	static void ensurePostgresRunning() {
		try (Connection connection = postgres()) {
			return;
		}
		catch (Exception notAnswering) {
			try {
				pgctl("start");
				awaitPostgres();
			}
			catch (Exception ex) {
				log("could not start PostgreSQL: " + ex);
			}
		}
	}

	private static void pgctl(String action) throws Exception {
		String version = command("ls", "/etc/postgresql").trim().split("\n")[0];
		command("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action);
	}

	private static void awaitPostgres() throws Exception {
		for (int i = 0; i < 300; i++) {
			try (Connection connection = postgres()) {
				return;
			}
			catch (Exception ex) {
				Thread.sleep(100);
			}
		}
		throw new IllegalStateException("PostgreSQL did not come back");
	}

	private static String command(String... command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (process.waitFor() != 0) {
			throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
		}
		return output;
	}

	private static Connection postgres() throws Exception {
		PGSimpleDataSource dataSource = new PGSimpleDataSource();
		dataSource.setURL(SoakStores.JDBC_URL);
		dataSource.setUser("postgres");
		dataSource.setConnectTimeout(2);
		return dataSource.getConnection();
	}

	// ---- drain and final state

	private long awaitDrain(List<JobId> ids) throws Exception {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(intOption("drainTimeoutSeconds"));
		int unfinished = -1;
		while (System.nanoTime() < deadline) {
			try {
				if (countFinished() < this.expectedKinds.size()) {
					// Cheap until it could be done: reading every job every few seconds loaded the
					// driver, whose relay carries every worker's Redis traffic, enough to stall it.
					Thread.sleep(1_000);
					continue;
				}
				Map<String, SoakAnalysis.StoredJob> stored = readStore();
				unfinished = 0;
				for (String id : this.expectedKinds.keySet()) {
					SoakAnalysis.StoredJob job = stored.get(id);
					if (job == null || !(job.status().equals("SUCCEEDED") || job.status().equals("DEAD"))) {
						unfinished++;
					}
				}
				if (unfinished == 0) {
					long at = Ledger.nowMicros();
					log("drained");
					return at;
				}
			}
			catch (RuntimeException ex) {
				log("store read failed while waiting for the drain: " + ex);
			}
			// Reading every job is cheap for the short soak, not for 100,000 jobs on a shared machine.
			Thread.sleep((this.expectedKinds.size() > 10_000) ? 5_000 : 1_000);
		}
		log("NOT drained: " + unfinished + " jobs unfinished at the deadline");
		return -1;
	}

	/**
	 * @return how many jobs of the soak's namespace are SUCCEEDED or DEAD, by one count: the
	 *         corrupted ones may be among them, so it is a hint that the drain may be over
	 */
	private long countFinished() throws Exception {
		if (this.store.equals("jdbc")) {
			try (Connection connection = postgres();
					PreparedStatement statement = connection.prepareStatement("SELECT count(*) FROM " + this.prefix
							+ "jobs WHERE status IN ('SUCCEEDED', 'DEAD')");
					ResultSet rows = statement.executeQuery()) {
				rows.next();
				return rows.getLong(1);
			}
		}
		// One script over the job index's per-pair counts: no job is read.
		return this.driverStores.store().count(JobQuery.all().status(JobStatus.SUCCEEDED, JobStatus.DEAD));
	}

	/**
	 * @return the driver's own connection to Redis, straight to its port rather than through the
	 *         relay, made once and closed with the services
	 */
	private StatefulRedisConnection<String, String> redisAdmin() {
		if (this.redisAdmin == null) {
			this.redisAdminClient = RedisClient.create("redis://127.0.0.1:6379");
			this.redisAdmin = this.redisAdminClient.connect();
		}
		return this.redisAdmin;
	}

	private Map<String, SoakAnalysis.StoredJob> readStore() throws Exception {
		Map<String, SoakAnalysis.StoredJob> jobs = new HashMap<>();
		if (this.store.equals("jdbc")) {
			try (Connection connection = postgres();
					PreparedStatement statement = connection.prepareStatement(
							"SELECT id, task, status, attempts, last_error FROM " + this.prefix + "jobs");
					ResultSet rows = statement.executeQuery()) {
				while (rows.next()) {
					jobs.put(rows.getString(1), new SoakAnalysis.StoredJob(rows.getString(2), rows.getString(3),
							rows.getInt(4), rows.getString(5)));
				}
			}
			return jobs;
		}
		String ns = ((RedisClaimStore) this.driverStores.store()).namespace();
		RedisAsyncCommands<String, String> redis = redisAdmin().async();
		List<String> ids = new ArrayList<>(this.expectedKinds.keySet());
		ids.addAll(this.corrupt.keySet());
		List<RedisFuture<List<io.lettuce.core.KeyValue<String, String>>>> futures = new ArrayList<>();
		for (String id : ids) {
			futures.add(redis.hmget(ns + "job:" + id, "task", "status", "attempts", "error"));
		}
		for (int i = 0; i < ids.size(); i++) {
			List<io.lettuce.core.KeyValue<String, String>> f = futures.get(i).get(30, TimeUnit.SECONDS);
			if (f.get(1).hasValue()) {
				jobs.put(ids.get(i), new SoakAnalysis.StoredJob(f.get(0).getValueOrElse(null), f.get(1).getValue(),
						Integer.parseInt(f.get(2).getValueOrElse("0")), f.get(3).getValueOrElse(null)));
			}
		}
		return jobs;
	}

	private void dropNamespace() {
		try {
			if (this.store.equals("jdbc")) {
				try (Connection connection = postgres(); Statement statement = connection.createStatement()) {
					for (String table : List.of("jobs", "claims", "instances", "queues", "rate_buckets")) {
						statement.executeUpdate("DROP TABLE IF EXISTS " + this.prefix + table);
					}
				}
			}
			else {
				String ns = ((RedisClaimStore) this.driverStores.store()).namespace();
				command("sh", "-c", "redis-cli -p 6379 --scan --pattern '" + ns.replace("{", "\\{").replace("}", "\\}")
						+ "*' | xargs -r -n 500 redis-cli -p 6379 DEL > /dev/null");
			}
		}
		catch (Exception ex) {
			log("could not drop the soak's namespace " + this.prefix + ": " + ex);
		}
	}

	static void log(String message) {
		System.out.println(Instant.now() + " soak: " + message);
		System.out.flush();
	}

}
