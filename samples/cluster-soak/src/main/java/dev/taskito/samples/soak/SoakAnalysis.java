package dev.taskito.samples.soak;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

import dev.taskito.samples.soak.SoakWorker.Kind;

/**
 * Merges the ledgers of every worker with the faults the driver injected and the store's
 * final state, and evaluates each check of the soak with its figure.
 */
final class SoakAnalysis {

	/** A fault: kill, store-restart, sigterm, pause (end = SIGCONT), store-down; times in µs. */
	record Fault(String kind, String instance, long start, long end) {
	}

	/** A job as the store holds it at the end. */
	record StoredJob(String task, String status, int attempts, String lastError) {
	}

	/** The checks, printed, and whether they all passed. */
	record Report(String text, boolean passed) {
	}

	/** One execution of a handler, from its start and end records. */
	static final class Execution {

		final String job;

		final String instance;

		final int attempt;

		final String task;

		final long start;

		Long end;

		String outcome;

		boolean leaseLost;

		/** The end used for overlaps: the kill for an execution on a killed instance. */
		long effectiveEnd;

		boolean killed;

		Execution(Ledger.Entry start) {
			this.job = start.jobId();
			this.instance = start.instance();
			this.attempt = start.attempt();
			this.task = start.task();
			this.start = start.micros();
		}

		@Override
		public String toString() {
			return this.task + " " + this.job + " attempt " + this.attempt + " on " + this.instance + " [" + this.start
					+ ".." + this.end + " " + this.outcome + (this.leaseLost ? " lease-lost" : "") + "]";
		}

	}

	private final Map<String, String> options;

	private final Map<String, Kind> expected;

	private final Map<String, String> corrupt;

	private final List<Fault> faults;

	private final List<Ledger.Entry> entries;

	private final Map<String, StoredJob> stored;

	private final Map<String, Boolean> aliveAtEnd;

	private final long corruptedAt;

	private final List<String> startupFailures;

	/** jobId/instance the reaper took the job back from, to the times it did (from the workers' logs). */
	private final Map<String, List<Long>> takeBacks;

	private final StringBuilder out = new StringBuilder();

	private boolean passed = true;

	SoakAnalysis(Map<String, String> options, Map<String, Kind> expected, Map<String, String> corrupt,
			List<Fault> faults, List<Ledger.Entry> entries, Map<String, StoredJob> stored,
			Map<String, Boolean> aliveAtEnd, long corruptedAt, List<String> startupFailures,
			Map<String, List<Long>> takeBacks) {
		this.takeBacks = takeBacks;
		this.startupFailures = startupFailures;
		this.options = options;
		this.expected = expected;
		this.corrupt = corrupt;
		this.faults = faults;
		this.entries = entries;
		this.stored = stored;
		this.aliveAtEnd = aliveAtEnd;
		this.corruptedAt = corruptedAt;
	}

	private long ms(String key) {
		return Long.parseLong(this.options.get(key));
	}

	private void check(String name, boolean ok, String figure) {
		this.out.append(String.format("[%s] %-22s %s%n", ok ? "PASS" : "FAIL", name, figure));
		this.passed &= ok;
	}

	private void info(String line) {
		this.out.append("       ").append(line).append('\n');
	}

	Report analyse(long startedAt, long drainedAt) {
		this.out.append("==== cluster soak on ").append(this.options.get("store")).append(": ").append(this.expected.size())
			.append(" jobs, ").append(this.options.get("workers")).append(" workers x ").append(this.options.get("concurrency"))
			.append(", lease ").append(ms("leaseMs")).append(" ms, heartbeat ").append(ms("heartbeatMs")).append(" ms ====\n");
		for (Fault fault : this.faults) {
			info(String.format("fault %-13s %-14s at +%.3f s for %.3f s", fault.kind(),
					Objects.toString(fault.instance(), ""), (fault.start() - startedAt) / 1e6,
					(fault.end() - fault.start()) / 1e6));
		}
		List<Execution> executions = executions();
		Map<String, List<Execution>> byJob = executions.stream()
			.collect(Collectors.groupingBy((e) -> e.job, HashMap::new, Collectors.toList()));
		byJob.values().forEach((list) -> list.sort(Comparator.comparingLong((Execution e) -> e.start)));
		check("drain", drainedAt > 0, (drainedAt > 0)
				? String.format("drained in %.1f s, %d executions recorded", (drainedAt - startedAt) / 1e6, executions.size())
				: "the queue did not drain before the deadline");
		check("replacement-startup", this.startupFailures.isEmpty(), String.format("%d replacement instances failed to "
				+ "start while the cluster ran", this.startupFailures.size()));
		this.startupFailures.forEach(this::info);
		checkFinalStates(byJob);
		checkReruns(byJob);
		checkOverlaps(byJob);
		checkCaps(executions);
		checkStranded(byJob);
		checkSigterm(byJob);
		checkLedgerAgreesWithStore(byJob);
		checkBadInput(byJob);
		this.out.append("==== ").append(this.passed ? "ALL CHECKS PASSED" : "SOME CHECKS FAILED").append(" ====\n");
		return new Report(this.out.toString(), this.passed);
	}

	private List<Execution> executions() {
		Map<String, Fault> kills = new HashMap<>();
		this.faults.stream().filter((f) -> f.kind().equals("kill")).forEach((f) -> kills.put(f.instance(), f));
		List<Execution> all = new ArrayList<>();
		Map<String, List<Execution>> open = new HashMap<>();
		List<Ledger.Entry> sorted = new ArrayList<>(this.entries);
		sorted.sort(Comparator.comparingLong(Ledger.Entry::micros));
		for (Ledger.Entry entry : sorted) {
			String key = entry.jobId() + "/" + entry.instance() + "/" + entry.attempt();
			if (entry.start()) {
				Execution execution = new Execution(entry);
				all.add(execution);
				open.computeIfAbsent(key, (k) -> new ArrayList<>()).add(execution);
			}
			else {
				List<Execution> candidates = open.get(key);
				if (candidates != null && !candidates.isEmpty()) {
					Execution execution = candidates.remove(candidates.size() - 1);
					execution.end = entry.micros();
					execution.outcome = entry.outcome();
					execution.leaseLost = entry.leaseLost();
				}
			}
		}
		long last = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1).micros();
		for (Execution execution : all) {
			Fault kill = kills.get(execution.instance);
			if (execution.end == null && kill != null) {
				execution.killed = true;
				// One that started while kill was being forked ran until the signal landed.
				execution.effectiveEnd = (execution.start < kill.start()) ? kill.start() : kill.end();
			}
			else {
				execution.effectiveEnd = (execution.end != null) ? execution.end : last;
			}
		}
		return all;
	}

	private static boolean expectedDead(Kind kind) {
		return kind == Kind.DOOMED;
	}

	private void checkFinalStates(Map<String, List<Execution>> byJob) {
		Map<String, Integer> wrong = new TreeMap<>();
		int missing = 0;
		Map<String, Integer> counts = new TreeMap<>();
		List<String> examples = new ArrayList<>();
		for (Map.Entry<String, Kind> job : this.expected.entrySet()) {
			StoredJob stored = this.stored.get(job.getKey());
			if (stored == null) {
				missing++;
				continue;
			}
			String want = expectedDead(job.getValue()) ? "DEAD" : "SUCCEEDED";
			counts.merge(job.getValue().task + "->" + stored.status(), 1, Integer::sum);
			if (!stored.status().equals(want)) {
				wrong.merge(job.getValue().task + "->" + stored.status(), 1, Integer::sum);
				if (examples.size() < 5) {
					examples.add(job.getKey() + " " + stored + " executions " + byJob.get(job.getKey()));
				}
			}
		}
		check("final-states", missing == 0 && wrong.isEmpty(),
				String.format("%d jobs: %s; missing %d, unexpected %s", this.expected.size(), counts, missing, wrong));
		examples.forEach(this::info);
	}

	/** An instance can meet the same fault in several cycles (a pause in cycle 3 and again in 4). */
	private List<Fault> faultsOf(String kind, String instance) {
		return this.faults.stream()
			.filter((f) -> f.kind().equals(kind) && f.instance() != null && f.instance().equals(instance))
			.toList();
	}

	private Fault faultOf(String kind, String instance) {
		List<Fault> all = faultsOf(kind, instance);
		return all.isEmpty() ? null : all.get(0);
	}

	private boolean duringPause(Execution e) {
		return faultsOf("pause", e.instance).stream().anyMatch((p) -> e.start < p.end() && e.effectiveEnd > p.start());
	}

	/**
	 * @return whether, between two executions, the reaper took the job back from an instance
	 *         that was killed or paused, or during a store fault: an attempt that was claimed
	 *         (on a claim whose answer was lost, or just before the instance stopped) and
	 *         never started
	 */
	private boolean claimLostBeforeStart(Execution previous, Execution next) {
		for (Map.Entry<String, List<Long>> takeBack : this.takeBacks.entrySet()) {
			if (!takeBack.getKey().startsWith(previous.job + "/")) {
				continue;
			}
			String instance = takeBack.getKey().substring(previous.job.length() + 1);
			boolean faulted = !faultsOf("kill", instance).isEmpty() || !faultsOf("pause", instance).isEmpty();
			for (long at : takeBack.getValue()) {
				if (at > previous.effectiveEnd && at < next.start && (faulted || inStoreFault(at))) {
					return true;
				}
			}
		}
		return false;
	}

	private boolean inStoreFault(long micros) {
		long lease = ms("leaseMs") * 1000;
		return this.faults.stream()
			.anyMatch((f) -> (f.kind().equals("store-down") || f.kind().equals("store-restart"))
					&& micros >= f.start() - lease && micros <= f.end() + 2 * lease);
	}

	/** Why a previous execution was followed by another one that the handler did not ask for. */
	private String rerunCause(Execution previous, Execution next) {
		if ("failed".equals(previous.outcome) && !previous.leaseLost && next.attempt > previous.attempt + 1
				&& claimLostBeforeStart(previous, next)) {
			// The retry was claimed, but its handler never started: the claim was taken back.
			return "claimed-then-lost";
		}
		if (previous.killed) {
			return "killed";
		}
		Fault kill = faultOf("kill", previous.instance);
		if (kill != null && previous.effectiveEnd <= kill.start()) {
			// It returned, but its outcome was still waiting for the completer's next batch.
			return "killed-before-commit";
		}
		if (duringPause(previous)) {
			return "paused";
		}
		long window = ms("heartbeatMs") * 1000;
		if (faultsOf("pause", previous.instance).stream()
			.anyMatch((p) -> previous.effectiveEnd <= p.start() && previous.effectiveEnd > p.start() - window
					&& next.start > p.start())) {
			// It returned just before SIGSTOP, its outcome still waiting for the completer's next
			// batch, and the pause outlasted the lease.
			return "paused-before-commit";
		}
		if (faultsOf("sigterm", previous.instance).stream()
			.anyMatch((t) -> previous.effectiveEnd >= t.start() && "interrupted".equals(previous.outcome))) {
			return "sigterm-released";
		}
		if (inStoreFault(previous.effectiveEnd)) {
			return "store-outage";
		}
		return "unexplained";
	}

	private void checkReruns(Map<String, List<Execution>> byJob) {
		Map<String, Integer> causes = new TreeMap<>();
		Map<String, Integer> jobsByCause = new TreeMap<>();
		List<String> unexplained = new ArrayList<>();
		for (List<Execution> list : byJob.values()) {
			Map<String, Boolean> seen = new HashMap<>();
			for (int i = 1; i < list.size(); i++) {
				Execution previous = list.get(i - 1);
				boolean handlerAsked = "failed".equals(previous.outcome) && !previous.leaseLost
						&& list.get(i).attempt == previous.attempt + 1;
				if (!handlerAsked) {
					String cause = rerunCause(previous, list.get(i));
					causes.merge(cause, 1, Integer::sum);
					if (seen.put(cause, true) == null) {
						jobsByCause.merge(cause, 1, Integer::sum);
					}
					if (cause.equals("unexplained") && unexplained.size() < 5) {
						unexplained.add(list.toString());
					}
				}
			}
		}
		int openAtKill = openAt("kill") + endedUncommittedAt("kill");
		int openAtPause = openAt("pause");
		boolean ok = causes.getOrDefault("unexplained", 0) == 0
				&& jobsByCause.getOrDefault("killed", 0) + jobsByCause.getOrDefault("killed-before-commit", 0) <= openAtKill
				&& jobsByCause.getOrDefault("paused", 0) <= openAtPause
				&& jobsByCause.getOrDefault("paused-before-commit", 0) <= endedUncommittedAt("pause");
		check("re-runs", ok, String.format("re-runs by cause %s (jobs %s); bound: %d jobs running (or returned, outcome uncommitted) on killed instances, "
				+ "%d on paused ones", causes, jobsByCause, openAtKill, openAtPause));
		if (causes.containsKey("store-outage")) {
			info("store-outage re-runs: jobs whose instance could not renew for lease - heartbeat and interrupted "
					+ "them itself (DESIGN.md), then taken back by the reaper");
		}
		unexplained.forEach((e) -> info("unexplained: " + e));
	}

	/**
	 * @return executions that returned within a heartbeat before a fault of this kind on their
	 *         instance (a kill or a pause), whose outcomes may still have been uncommitted
	 */
	private int endedUncommittedAt(String kind) {
		long window = ms("heartbeatMs") * 1000;
		int n = 0;
		for (Fault fault : this.faults.stream().filter((f) -> f.kind().equals(kind)).toList()) {
			n += (int) executions().stream()
				.filter((e) -> e.instance.equals(fault.instance()) && e.end != null && e.end <= fault.start()
						&& e.end > fault.start() - window)
				.count();
		}
		return n;
	}

	/** @return executions running on the fault's instance when the fault began, over all faults of that kind */
	private int openAt(String kind) {
		int open = 0;
		for (Fault fault : this.faults) {
			if (fault.kind().equals(kind)) {
				open += openExecutions(fault).size();
			}
		}
		return open;
	}

	/**
	 * @return executions running on the fault's instance at some time between the driver's
	 *         timestamp before the signal and its timestamp after it: a handler can still start
	 *         while {@code kill} is being forked, before the signal lands
	 */
	private List<Execution> openExecutions(Fault fault) {
		return executions().stream()
			.filter((e) -> e.instance.equals(fault.instance()) && e.start < Math.max(fault.end(), fault.start() + 1)
					&& (e.end == null || e.end > fault.start()))
			.toList();
	}

	/**
	 * @return whether the job's last attempt ended with its instance (killed, or its lease lost)
	 *         and the reaper made the job DEAD for having no retries left
	 */
	private static boolean reapedWithoutRetries(Execution last, StoredJob stored) {
		return (last.killed || last.leaseLost || "interrupted".equals(last.outcome)) && stored.status().equals("DEAD")
				&& stored.lastError() != null && stored.lastError().contains("no retries were left");
	}

	/** @return whether it returned within a heartbeat before its instance was paused (outcome maybe uncommitted) */
	private boolean endedJustBeforePause(Execution e) {
		long window = ms("heartbeatMs") * 1000;
		return faultsOf("pause", e.instance).stream()
			.anyMatch((p) -> e.effectiveEnd <= p.start() && e.effectiveEnd > p.start() - window);
	}

	private boolean isStale(Execution execution) {
		return duringPause(execution) || execution.leaseLost;
	}

	private void checkOverlaps(Map<String, List<Execution>> byJob) {
		int allowed = 0;
		int bad = 0;
		List<String> examples = new ArrayList<>();
		for (List<Execution> list : byJob.values()) {
			for (int i = 0; i < list.size(); i++) {
				for (int j = i + 1; j < list.size(); j++) {
					Execution a = list.get(i);
					Execution b = list.get(j);
					if (a.start < b.effectiveEnd && b.start < a.effectiveEnd) {
						if (isStale(a) || isStale(b)) {
							allowed++;
						}
						else {
							bad++;
							if (examples.size() < 5) {
								examples.add(a + " overlaps " + b);
							}
						}
					}
				}
			}
		}
		check("no-double-run", bad == 0,
				String.format("%d overlapping executions of one job outside a pause; %d involving a paused instance", bad, allowed));
		examples.forEach(this::info);
	}

	private void checkCaps(List<Execution> executions) {
		Map<String, Integer> caps = new LinkedHashMap<>();
		caps.put("task:solo", 1);
		caps.put("task:trio", 3);
		caps.put("task:poison", 1);
		caps.put("queue:" + SoakWorker.BOUNDED_QUEUE, SoakWorker.BOUNDED_CAP);
		long heartbeat = ms("heartbeatMs") * 1000;
		for (Map.Entry<String, Integer> cap : caps.entrySet()) {
			List<Execution> group = executions.stream().filter((e) -> inGroup(e, cap.getKey())).toList();
			List<long[]> events = new ArrayList<>();
			for (int i = 0; i < group.size(); i++) {
				events.add(new long[] { group.get(i).start, 1, i });
				events.add(new long[] { group.get(i).effectiveEnd, -1, i });
			}
			// Ends before starts at the same microsecond: a slot freed and taken is not an overlap.
			events.sort(Comparator.comparingLong((long[] e) -> e[0]).thenComparingLong((e) -> e[1]));
			java.util.Set<Integer> active = new java.util.HashSet<>();
			int max = 0;
			int maxFresh = 0;
			long excessMicros = 0;
			long excessSince = -1;
			int violations = 0;
			String example = null;
			for (long[] event : events) {
				if (event[1] > 0) {
					active.add((int) event[2]);
				}
				else {
					active.remove((int) event[2]);
				}
				long fresh = active.stream().filter((i) -> !isStaleAt(group.get(i), event[0])).count();
				max = Math.max(max, active.size());
				maxFresh = (int) Math.max(maxFresh, fresh);
				if (fresh > cap.getValue()) {
					violations++;
					if (example == null) {
						example = active.stream().map(group::get).map(Object::toString).collect(Collectors.joining("; "));
					}
				}
				if (active.size() > cap.getValue() && excessSince < 0) {
					excessSince = event[0];
				}
				else if (active.size() <= cap.getValue() && excessSince >= 0) {
					excessMicros += event[0] - excessSince;
					excessSince = -1;
				}
			}
			check("cap " + cap.getKey() + "<=" + cap.getValue(), violations == 0 && maxFresh <= cap.getValue(),
					String.format("max overlapping %d (%d without stale executions), %d executions; excess time from "
							+ "stale executions %.1f ms", max, maxFresh, group.size(), excessMicros / 1e3));
			if (example != null) {
				info("over the cap: " + example);
			}
		}
		long worst = 0;
		for (Fault pause : this.faults.stream().filter((f) -> f.kind().equals("pause")).toList()) {
			for (Execution e : openExecutions(pause)) {
				if (e.effectiveEnd > pause.end()) {
					worst = Math.max(worst, e.effectiveEnd - pause.end());
				}
			}
		}
		long bound = heartbeat + 250_000;
		check("stale-after-SIGCONT", worst <= bound, String.format("paused executions ran on at most %.1f ms after SIGCONT "
				+ "(bound one heartbeat %d ms + 250 ms measuring slack)", worst / 1e3, heartbeat / 1000));
	}

	/** Stale at a moment: a paused instance's execution after SIGSTOP (its lease is lost by then, or soon). */
	private boolean isStaleAt(Execution execution, long micros) {
		if (faultsOf("pause", execution.instance).stream()
			.anyMatch((p) -> execution.start < p.end() && execution.effectiveEnd > p.start() && micros >= p.start())) {
			return true;
		}
		return execution.leaseLost;
	}

	private static boolean inGroup(Execution e, String group) {
		if (group.equals("queue:" + SoakWorker.BOUNDED_QUEUE)) {
			return e.task.equals(Kind.BULK.task);
		}
		return group.equals("task:" + e.task);
	}

	private void checkStranded(Map<String, List<Execution>> byJob) {
		long bound = (ms("leaseMs") + ms("reaperGraceMs") + ms("heartbeatMs") + ms("pollMs")) * 1000;
		// The reaper runs with a fixed delay after the heartbeat on one thread, and the take-back
		// is logged after its statement returns: the same 250 ms measuring slack as after SIGCONT.
		long slack = 250_000;
		long worstTakeBack = 0;
		long worstStart = 0;
		int stranded = 0;
		int never = 0;
		int notTakenBack = 0;
		int startedWithinBound = 0;
		int deadAtReap = 0;
		for (Fault kill : this.faults.stream().filter((f) -> f.kind().equals("kill")).toList()) {
			for (Execution e : openExecutions(kill)) {
				stranded++;
				long takenBack = this.takeBacks.getOrDefault(e.job + "/" + e.instance, List.of()).stream()
					.filter((t) -> t >= kill.start()).min(Long::compare).orElse(-1L);
				if (takenBack < 0) {
					notTakenBack++;
				}
				else {
					worstTakeBack = Math.max(worstTakeBack, takenBack - kill.start());
				}
				List<Execution> list = byJob.get(e.job);
				Execution next = list.stream().filter((x) -> x.start > kill.start()).findFirst().orElse(null);
				StoredJob stored = this.stored.get(e.job);
				if (next == null && stored != null && reapedWithoutRetries(e, stored)) {
					// Its last attempt died with the instance: the reaper made it DEAD, as it should.
					deadAtReap++;
				}
				else if (next == null) {
					never++;
				}
				else {
					worstStart = Math.max(worstStart, next.start - kill.start());
					startedWithinBound += (next.start - kill.start() <= bound) ? 1 : 0;
				}
			}
		}
		check("stranded-pickup", never == 0 && notTakenBack == 0 && worstTakeBack <= bound + slack, String.format("%d "
				+ "jobs stranded by kill -9: the reaper took every one back within %.0f ms of the kill (%d not taken "
				+ "back; bound lease + reaper grace + reaper interval + poll = %d ms + %d ms measuring slack); %d ran "
				+ "again within the bound, the slowest %.0f ms after the kill (behind the due backlog), %d DEAD with no "
				+ "retries left, %d never",
				stranded, worstTakeBack / 1e3, notTakenBack, bound / 1000, slack / 1000, startedWithinBound,
				worstStart / 1e3, deadAtReap, never));
	}

	private void checkSigterm(Map<String, List<Execution>> byJob) {
		int finished = 0;
		int released = 0;
		int consumed = 0;
		int lost = 0;
		List<String> examples = new ArrayList<>();
		for (Fault term : this.faults.stream().filter((f) -> f.kind().equals("sigterm")).toList()) {
			for (Execution e : openExecutions(term)) {
				if ("ok".equals(e.outcome) || ("failed".equals(e.outcome) && !e.leaseLost)) {
					finished++;
					continue;
				}
				List<Execution> list = byJob.get(e.job);
				Execution next = list.stream().filter((x) -> x.start > e.start && x != e).findFirst().orElse(null);
				if (next == null) {
					lost++;
					examples.add("never ran again: " + e);
				}
				else if (next.attempt == e.attempt) {
					released++;
				}
				else {
					consumed++;
					if (examples.size() < 5) {
						examples.add("attempt consumed: " + e + " then " + next);
					}
				}
			}
		}
		check("sigterm", consumed == 0 && lost == 0, String.format("jobs running at SIGTERM: %d finished there, %d released "
				+ "and run again with the same attempt, %d released with an attempt consumed, %d never run again",
				finished, released, consumed, lost));
		examples.forEach(this::info);
	}

	private void checkLedgerAgreesWithStore(Map<String, List<Execution>> byJob) {
		int agree = 0;
		int statusMismatch = 0;
		int attemptsBelowLedger = 0;
		int attemptsWithoutExecution = 0;
		int doubleSuccess = 0;
		int doubleSuccessUnexplained = 0;
		List<String> examples = new ArrayList<>();
		for (Map.Entry<String, Kind> job : this.expected.entrySet()) {
			StoredJob stored = this.stored.get(job.getKey());
			List<Execution> list = byJob.getOrDefault(job.getKey(), List.of());
			if (stored == null) {
				continue;
			}
			Execution last = list.isEmpty() ? null : list.stream().max(Comparator.comparingLong((Execution e) -> e.start)).get();
			long oks = list.stream().filter((e) -> "ok".equals(e.outcome) && !e.leaseLost).count();
			long freshOks = list.stream().filter((e) -> "ok".equals(e.outcome) && !isStale(e) && !endedJustBeforePause(e)
					&& faultOf("kill", e.instance) == null).count();
			if (oks > 1) {
				doubleSuccess++;
			}
			if (freshOks > 1) {
				doubleSuccessUnexplained++;
				if (examples.size() < 5) {
					examples.add("succeeded twice: " + list);
				}
			}
			boolean statusOk = switch (stored.status()) {
				case "SUCCEEDED" -> oks >= 1;
				case "DEAD" -> last != null && ("failed".equals(last.outcome) || reapedWithoutRetries(last, stored));
				default -> false;
			};
			int maxAttempt = list.stream().mapToInt((e) -> e.attempt).max().orElse(0);
			if (!statusOk) {
				statusMismatch++;
				if (examples.size() < 5) {
					examples.add(job.getKey() + " " + stored + " ledger " + list);
				}
			}
			else if (stored.attempts() < maxAttempt) {
				attemptsBelowLedger++;
				if (examples.size() < 5) {
					examples.add("attempts below ledger: " + job.getKey() + " " + stored + " ledger " + list);
				}
			}
			else {
				agree++;
				if (stored.attempts() > maxAttempt) {
					attemptsWithoutExecution++;
				}
			}
		}
		check("store-agrees-with-ledger", statusMismatch == 0 && attemptsBelowLedger == 0 && doubleSuccessUnexplained == 0,
				String.format("%d jobs agree; %d status mismatches, %d with fewer attempts than the ledger shows; "
						+ "%d consumed an attempt no handler started (claimed on an instance that then died or lost "
						+ "its lease before the handler ran); %d handlers succeeded more than once for one job (%d of them not "
						+ "explained by a kill or a pause)", agree, statusMismatch,
						attemptsBelowLedger, attemptsWithoutExecution, doubleSuccess, doubleSuccessUnexplained));
		examples.forEach(this::info);
	}

	private void checkBadInput(Map<String, List<Execution>> byJob) {
		List<String> figures = new ArrayList<>();
		boolean ok = true;
		for (Map.Entry<String, String> job : this.corrupt.entrySet()) {
			StoredJob stored = this.stored.get(job.getKey());
			int runs = byJob.getOrDefault(job.getKey(), List.of()).size();
			String status = (stored != null) ? stored.status() : "MISSING";
			String error = (stored != null && stored.lastError() != null)
					? stored.lastError().replaceAll("\\s+", " ") : null;
			if (error != null && error.length() > 140) {
				error = error.substring(0, 140) + "...";
			}
			boolean good = switch (job.getValue()) {
				case "payload-not-json" -> status.equals("DEAD") && error != null && runs == 0;
				case "unknown-task" -> status.equals("PENDING") && runs == 0;
				default -> (status.equals("DEAD") && error != null) || status.equals("SUCCEEDED");
			};
			ok &= good;
			figures.add(job.getValue() + " -> " + status + ((error != null) ? " (" + error + ")" : "") + ", " + runs
					+ " executions" + (good ? "" : " <-- WRONG"));
		}
		List<String> dead = new ArrayList<>();
		List<String> idle = new ArrayList<>();
		for (Map.Entry<String, Boolean> worker : this.aliveAtEnd.entrySet()) {
			boolean faulted = this.faults.stream().anyMatch((f) -> worker.getKey().equals(f.instance())
					&& (f.kind().equals("kill") || f.kind().equals("sigterm")));
			if (faulted || this.startupFailures.stream().anyMatch((f) -> f.startsWith(worker.getKey() + ":"))) {
				continue;
			}
			if (!worker.getValue()) {
				dead.add(worker.getKey());
			}
			boolean workedAfter = this.entries.stream()
				.anyMatch((e) -> !e.start() && e.instance().equals(worker.getKey()) && e.micros() > this.corruptedAt);
			if (!workedAfter) {
				idle.add(worker.getKey());
			}
		}
		check("bad-input", ok && dead.isEmpty() && idle.isEmpty(), String.join("; ", figures)
				+ String.format("; dispatchers died %s, dispatchers that ran nothing after the corruption %s", dead, idle));
	}

}
