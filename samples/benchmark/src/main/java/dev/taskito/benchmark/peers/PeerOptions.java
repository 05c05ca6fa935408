package dev.taskito.benchmark.peers;

import java.util.List;

/**
 * A peer drain's command line: which peer, the PostgreSQL it runs on, and the size of the
 * drain. The same record builds the command line back ({@link #args()}), so the orchestrator
 * and the peer's JVM cannot disagree on an option's spelling.
 *
 * @param peer {@code db-scheduler} or {@code jobrunr}
 * @param jdbcUrl the PostgreSQL database the peer's tables live in
 * @param jdbcUser its user
 * @param jdbcPassword its password (may be empty)
 * @param jobs jobs in each measured drain
 * @param warmupJobs jobs in the one drain run first and not measured
 * @param workers worker threads of the peer
 * @param runs measured drains; the median is reported
 */
public record PeerOptions(String peer, String jdbcUrl, String jdbcUser, String jdbcPassword, int jobs, int warmupJobs,
		int workers, int runs) {

	/** The peers this package can run, by the name {@code --peer} takes. */
	public static final List<String> PEERS = List.of("db-scheduler", "jobrunr");

	static final String USAGE = """
			Drain of N no-op jobs by a peer of Taskito on PostgreSQL, in this JVM.
			Prints one line to stdout: RESULT <median jobs/s> <each run's jobs/s, comma-separated>.

			  --peer=db-scheduler|jobrunr   (required)
			  --jdbc-url=URL          (default jdbc:postgresql://127.0.0.1:5432/test)
			  --jdbc-user=USER        (default postgres)   --jdbc-password=PASSWORD (default none)
			  --jobs=N                jobs per measured drain (default 100000)
			  --warmup-jobs=N         jobs in the unmeasured warm-up drain (default 10000; 0 for none)
			  --workers=N             the peer's worker threads (default 16)
			  --runs=N                measured drains, the median is reported (default 3)

			db-scheduler uses the table scheduled_tasks, JobRunr its jobrunr_* tables: both are
			emptied before each drain.
			""";

	public PeerOptions {
		if (!PEERS.contains(peer)) {
			throw new UsageException("Unknown peer '" + peer + "'; choose from " + PEERS);
		}
		if (jobs < 1 || warmupJobs < 0 || workers < 1 || runs < 1) {
			throw new UsageException("--jobs, --workers and --runs must be at least 1, --warmup-jobs at least 0");
		}
	}

	/**
	 * The drain (100,000 jobs after a warm-up of 10,000, 16 workers, median of 3) on
	 * the benchmark's default PostgreSQL.
	 * @param peer {@code db-scheduler} or {@code jobrunr}
	 * @return the options
	 */
	public static PeerOptions defaults(String peer) {
		return new PeerOptions(peer, "jdbc:postgresql://127.0.0.1:5432/test", "postgres", "", 100_000, 10_000, 16, 3);
	}

	/**
	 * @param jdbcUrl the PostgreSQL database
	 * @param jdbcUser its user
	 * @param jdbcPassword its password
	 * @return these options on another database
	 */
	public PeerOptions withDatabase(String jdbcUrl, String jdbcUser, String jdbcPassword) {
		return new PeerOptions(this.peer, jdbcUrl, jdbcUser, jdbcPassword, this.jobs, this.warmupJobs, this.workers,
				this.runs);
	}

	/**
	 * @param jobs jobs per measured drain
	 * @param warmupJobs jobs in the warm-up drain
	 * @param workers the peer's worker threads
	 * @param runs measured drains
	 * @return these options with another drain size
	 */
	public PeerOptions withDrain(int jobs, int warmupJobs, int workers, int runs) {
		return new PeerOptions(this.peer, this.jdbcUrl, this.jdbcUser, this.jdbcPassword, jobs, warmupJobs, workers,
				runs);
	}

	/**
	 * @return the command line that {@link #parse(String[])} reads back into these options
	 */
	public List<String> args() {
		return List.of("--peer=" + this.peer, "--jdbc-url=" + this.jdbcUrl, "--jdbc-user=" + this.jdbcUser,
				"--jdbc-password=" + this.jdbcPassword, "--jobs=" + this.jobs, "--warmup-jobs=" + this.warmupJobs,
				"--workers=" + this.workers, "--runs=" + this.runs);
	}

	static PeerOptions parse(String[] args) {
		String peer = null;
		String jdbcUrl = null;
		String jdbcUser = null;
		String jdbcPassword = null;
		Integer jobs = null;
		Integer warmupJobs = null;
		Integer workers = null;
		Integer runs = null;
		for (String arg : args) {
			if (arg.isBlank()) {
				continue;
			}
			String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
			String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : "";
			switch (name) {
				case "--peer" -> peer = value;
				case "--jdbc-url" -> jdbcUrl = value;
				case "--jdbc-user" -> jdbcUser = value;
				case "--jdbc-password" -> jdbcPassword = value;
				case "--jobs" -> jobs = number(name, value);
				case "--warmup-jobs" -> warmupJobs = number(name, value);
				case "--workers" -> workers = number(name, value);
				case "--runs" -> runs = number(name, value);
				case "--help", "-h" -> throw new UsageException(null);
				default -> throw new UsageException("Unknown option '" + arg + "'");
			}
		}
		if (peer == null) {
			throw new UsageException("--peer is required; choose from " + PEERS);
		}
		PeerOptions defaults = defaults(peer);
		return new PeerOptions(peer, (jdbcUrl != null) ? jdbcUrl : defaults.jdbcUrl(),
				(jdbcUser != null) ? jdbcUser : defaults.jdbcUser(),
				(jdbcPassword != null) ? jdbcPassword : defaults.jdbcPassword(),
				(jobs != null) ? jobs : defaults.jobs(), (warmupJobs != null) ? warmupJobs : defaults.warmupJobs(),
				(workers != null) ? workers : defaults.workers(), (runs != null) ? runs : defaults.runs());
	}

	private static int number(String name, String value) {
		try {
			return Integer.parseInt(value);
		}
		catch (NumberFormatException ex) {
			throw new UsageException(name + " takes a whole number, not '" + value + "'");
		}
	}

	/** A bad command line: the message, then the usage. */
	static final class UsageException extends IllegalArgumentException {

		UsageException(String message) {
			super(message);
		}

	}

}
