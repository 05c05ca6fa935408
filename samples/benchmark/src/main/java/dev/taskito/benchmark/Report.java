package dev.taskito.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one table: a row per figure, a column per store, and the target; its header
 * says which path (starter or core) the figures come from.
 */
final class Report {

	private record Row(String key, String label, String target) {
	}

	private static final List<Row> ROWS = List.of(
			new Row("drain1", "drain, 1 instance x 16 workers (jobs/s)", "pg >= 10,000; redis >= 20,000"),
			new Row("drain2", "drain, 2 instances x 16 workers (jobs/s)", ">= 0.9 x 1 instance"),
			new Row("peer-db-scheduler-drain1", "db-scheduler drain, 1 x 16 (jobs/s)", ""),
			new Row("peer-db-scheduler-ratio", "  Taskito's drain / db-scheduler's", "pg >= 2.5"),
			new Row("peer-jobrunr-drain1", "JobRunr drain, 1 x 16 (jobs/s)", ""),
			new Row("peer-jobrunr-ratio", "  Taskito's drain / JobRunr's", ""),
			new Row("enqueue1", "enqueue, 1 thread (jobs/s)", ""),
			new Row("enqueue8", "enqueue, 8 threads (jobs/s)", ""),
			new Row("enqueueAll", "enqueueAll, batches of 500 (jobs/s)", "pg >= 30,000"),
			new Row("latencyP50", "latency p50 at 200 jobs/s (ms)", "pg <= 5; redis <= 1"),
			new Row("latencyP99", "latency p99 (ms)", "pg <= 20; redis <= 5"),
			new Row("latencyMax", "latency max (ms)", ""),
			new Row("latencyEnqueueCallP50", "  of which the enqueue call, p50 (ms)", ""),
			new Row("latencyEnqueueCallP99", "  of which the enqueue call, p99 (ms)", ""),
			new Row("latencyProducer", "latency: the producer ran in", ""),
			new Row("capInstances", "cap 2: instances (JVMs)", ""),
			new Row("capMaxRunning", "cap 2: highest running seen", "exactly 2"),
			new Row("capUtilisation", "cap 2: utilisation", ">= 0.95"),
			new Row("idleHeapMiB", "idle instance: heap used (MiB)", ""),
			new Row("idleRssMiB", "idle instance: RSS (MiB)", ""),
			new Row("drainEndHeapMiB", "end of drain: heap used (MiB)", ""),
			new Row("drainEndRssMiB", "end of drain: RSS (MiB)", ""),
			new Row("drainJobsAfterEachRun", "jobs drained by then, per run", ""),
			new Row("drainHeapMiBAfterEachRun", "heap after each drain (MiB)", "no growth"),
			new Row("drainHeapCommittedMiBAfterEachRun", "heap committed after each drain (MiB)", ""),
			new Row("drainRssMiBAfterEachRun", "RSS after each drain (MiB)", ""),
			new Row("dashboardJobs", "dashboard: jobs stored", ""),
			new Row("dashboardOverviewMs", "dashboard overview, uncached (ms)", ""),
			new Row("dashboardJobsPageMs", "dashboard: 2 pages of a task's dead jobs (ms)", ""),
			new Row("dashboardJobMs", "dashboard: one job's detail (ms)", ""),
			new Row("seconds", "wall time of this store (s)", ""));

	private Report() {
	}

	static String table(Map<String, Map<String, Object>> results, Options options) {
		List<String> stores = new ArrayList<>(results.keySet());
		List<List<String>> cells = new ArrayList<>();
		List<String> header = new ArrayList<>();
		header.add("figure (" + options.path() + " path" + (options.quick() ? ", --quick" : "") + ", median of "
				+ options.runs() + ")");
		header.addAll(stores);
		header.add("target");
		cells.add(header);
		for (Row row : ROWS) {
			if (results.values().stream().noneMatch((figures) -> figures.containsKey(row.key))) {
				continue;
			}
			List<String> line = new ArrayList<>();
			line.add(row.label);
			for (String store : stores) {
				Object value = results.get(store).get(row.key);
				line.add((value == null) ? (results.get(store).containsKey("error") ? "error" : "-") : format(value));
			}
			line.add(row.target);
			cells.add(line);
		}
		int[] widths = new int[header.size()];
		for (List<String> line : cells) {
			for (int i = 0; i < line.size(); i++) {
				widths[i] = Math.max(widths[i], line.get(i).length());
			}
		}
		StringBuilder out = new StringBuilder();
		for (int r = 0; r < cells.size(); r++) {
			List<String> line = cells.get(r);
			out.append('|');
			for (int i = 0; i < line.size(); i++) {
				String cell = line.get(i);
				boolean left = i == 0 || i == line.size() - 1;
				out.append(' ').append(left ? pad(cell, widths[i], true) : pad(cell, widths[i], false)).append(" |");
			}
			out.append('\n');
			if (r == 0) {
				out.append('|');
				for (int i = 0; i < widths.length; i++) {
					boolean left = i == 0 || i == widths.length - 1;
					out.append(left ? "-" : "-").append("-".repeat(widths[i])).append(left ? "-|" : ":|");
				}
				out.append('\n');
			}
		}
		results.forEach((store, figures) -> {
			if (figures.containsKey("error")) {
				out.append(store).append(" failed: ").append(figures.get("error")).append('\n');
			}
		});
		return out.toString();
	}

	static String format(Object value) {
		if (value instanceof List<?> values) {
			return String.join(" / ", values.stream().map(Report::format).toList());
		}
		if (value instanceof Long || value instanceof Integer) {
			return String.format(Locale.ROOT, "%,d", ((Number) value).longValue());
		}
		if (value instanceof Double number) {
			return (Math.abs(number) >= 100) ? String.format(Locale.ROOT, "%,.0f", number)
					: String.format(Locale.ROOT, "%.2f", number);
		}
		return String.valueOf(value);
	}

	private static String pad(String text, int width, boolean left) {
		String spaces = " ".repeat(Math.max(0, width - text.length()));
		return left ? text + spaces : spaces + text;
	}

}
