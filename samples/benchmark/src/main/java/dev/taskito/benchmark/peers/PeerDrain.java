package dev.taskito.benchmark.peers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The drain of issue 11, run by one peer of Taskito in this JVM: N no-op jobs are enqueued
 * with the peer's batch API while none of its workers runs (not timed), then its workers start
 * and the handlers time first start to last finish. One warm-up drain, then the measured ones,
 * each on emptied tables. Diagnostics go to stderr; stdout gets one line,
 * {@code RESULT <median jobs/s> <run>,<run>,...}, which {@link Peers} reads.
 *
 * <p>The connection pool is HikariCP's default (at most 10 connections): neither peer's
 * documentation asks for another size.
 */
public final class PeerDrain {

	/** How long one drain may take before the peer is declared stuck. */
	static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(10);

	private PeerDrain() {
	}

	public static void main(String[] args) {
		PeerOptions options;
		try {
			options = PeerOptions.parse(args);
		}
		catch (PeerOptions.UsageException ex) {
			if (ex.getMessage() != null) {
				System.err.println(ex.getMessage());
			}
			System.err.print(PeerOptions.USAGE);
			System.exit(ex.getMessage() == null ? 0 : 2);
			return;
		}
		try {
			PeerResult result = run(options);
			System.out.println(result.line());
			System.out.flush();
		}
		catch (Exception ex) {
			System.err.println("[" + options.peer() + "] drain failed: " + ex);
			ex.printStackTrace();
			System.exit(1);
		}
		// A peer may leave non-daemon threads behind (pool housekeepers, timers): the figures are out.
		System.exit(0);
	}

	static PeerResult run(PeerOptions options) throws Exception {
		System.err.printf("[%s] drain of %,d jobs x %d runs after %,d warm-up jobs, %d workers, on %s%n",
				options.peer(), options.jobs(), options.runs(), options.warmupJobs(), options.workers(),
				options.jdbcUrl());
		try (HikariDataSource pool = pool(options); Peer peer = create(options, pool)) {
			peer.setUp();
			if (options.warmupJobs() > 0) {
				double warmup = drain(peer, options.warmupJobs());
				System.err.printf("[%s] warm-up: %,.0f jobs/s%n", peer.name(), warmup);
			}
			List<Double> runs = new ArrayList<>();
			for (int run = 1; run <= options.runs(); run++) {
				double rate = drain(peer, options.jobs());
				System.err.printf("[%s] run %d: %,.0f jobs/s%n", peer.name(), run, rate);
				runs.add(rate);
			}
			peer.clean();
			PeerResult result = PeerResult.of(runs);
			System.err.printf("[%s] drain 1x%d: %,.0f jobs/s (median of %s)%n", peer.name(), options.workers(),
					result.median(), runs.stream().map(Math::round).toList());
			return result;
		}
	}

	private static double drain(Peer peer, int jobs) throws Exception {
		peer.clean();
		long enqueueStart = System.nanoTime();
		peer.enqueue(jobs);
		System.err.printf("    [%s] %,d jobs enqueued in %.1f s (not timed)%n", peer.name(), jobs,
				(System.nanoTime() - enqueueStart) / 1e9);
		DrainSpan span = new DrainSpan();
		try {
			peer.start(span);
			span.await(jobs, DRAIN_TIMEOUT, peer.name() + " drain");
		}
		finally {
			peer.stop();
		}
		if (span.finished() != jobs) {
			// A job run twice would inflate the figure: the peers promise once, this checks it.
			throw new IllegalStateException(peer.name() + ": " + span.finished() + " handler runs for " + jobs + " jobs");
		}
		return span.jobsPerSecond(jobs);
	}

	private static Peer create(PeerOptions options, HikariDataSource pool) {
		return switch (options.peer()) {
			case "db-scheduler" -> new DbSchedulerPeer(pool, options.workers());
			case "jobrunr" -> new JobRunrPeer(pool, options.workers());
			default -> throw new IllegalArgumentException(options.peer());
		};
	}

	private static HikariDataSource pool(PeerOptions options) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(options.jdbcUrl());
		config.setUsername(options.jdbcUser());
		config.setPassword(options.jdbcPassword());
		config.setPoolName("peer-" + options.peer());
		return new HikariDataSource(config);
	}

}
