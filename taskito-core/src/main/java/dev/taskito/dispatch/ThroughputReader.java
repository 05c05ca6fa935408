package dev.taskito.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.taskito.JobId;
import dev.taskito.TaskQueue;
import dev.taskito.Throughput;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.FinishedCounts;

/**
 * Reads the throughput of a window ({@link DefaultTaskQueue#throughput}): cuts the window
 * into {@value TaskQueue#THROUGHPUT_SLICES} slices of whole seconds, asks the store for the
 * jobs finished in each slice by task, and sums them per slice and per task.
 */
final class ThroughputReader {

	private final ClaimStore store;

	ThroughputReader(ClaimStore store) {
		this.store = store;
	}

	Throughput read(Duration window) {
		int count = TaskQueue.THROUGHPUT_SLICES;
		long sliceSeconds = Math.max(1, (window.toSeconds() + count - 1) / count);
		// Bounds on whole slices since the epoch, so that a page polled every few seconds sees
		// the same slices move by one, not a window that shifts its bounds at every poll. Ids
		// are made on the enqueuing instance's clock, which is the clock read here.
		long end = (Instant.now().getEpochSecond() / sliceSeconds + 1) * sliceSeconds;
		Instant from = Instant.ofEpochSecond(end - count * sliceSeconds);
		List<JobId> bounds = new ArrayList<>(count + 1);
		for (int i = 0; i <= count; i++) {
			bounds.add(JobId.lowestAt(from.plusSeconds(i * sliceSeconds)));
		}
		long[][] slices = new long[count][2];
		Map<String, long[]> byTask = new TreeMap<>();
		for (FinishedCounts counts : this.store.finishedCounts(bounds)) {
			slices[counts.slice()][0] += counts.succeeded();
			slices[counts.slice()][1] += counts.dead();
			long[] task = byTask.computeIfAbsent(counts.task(), (key) -> new long[2]);
			task[0] += counts.succeeded();
			task[1] += counts.dead();
		}
		List<Throughput.Slice> sliceList = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			sliceList.add(new Throughput.Slice(from.plusSeconds(i * sliceSeconds), slices[i][0], slices[i][1]));
		}
		List<Throughput.TaskThroughput> tasks = new ArrayList<>();
		byTask.forEach((task, n) -> tasks.add(new Throughput.TaskThroughput(task, n[0], n[1])));
		return new Throughput(from, Duration.ofSeconds(sliceSeconds), sliceList, tasks);
	}

}
