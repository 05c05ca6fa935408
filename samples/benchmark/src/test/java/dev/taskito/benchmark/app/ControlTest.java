package dev.taskito.benchmark.app;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import dev.taskito.BulkResult;
import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStats;
import dev.taskito.JobView;
import dev.taskito.TaskQueue;
import dev.taskito.Throughput;
import dev.taskito.benchmark.LatencyProducer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application's answers to the orchestrator, with a queue that only counts.
 */
class ControlTest {

	private final CountingQueue queue = new CountingQueue();

	private final BenchRecorder recorder = new BenchRecorder();

	private final Control producer = new Control(this.queue, null, this.recorder);

	@Test
	void enqueueSendsBatchesOfTheAskedSize() throws Exception {
		Reply reply = Reply.parse(this.producer.handle(Command.parse("ENQUEUE capped 1200 500")));
		assertThat(reply.number("jobs")).isEqualTo(1200);
		assertThat(this.queue.batches).containsExactly(500, 500, 200);
		assertThat(this.queue.tasks).containsOnly("capped");
	}

	@Test
	void enqueueSingleMakesOneCallPerJobOverTheThreads() throws Exception {
		Reply reply = Reply.parse(this.producer.handle(Command.parse("ENQUEUE_SINGLE 10 3")));
		assertThat(reply.number("jobs")).isEqualTo(10);
		assertThat(this.queue.singles.get()).isEqualTo(10);
	}

	@Test
	void statsAndResetReportWhatTheTasksRecorded() throws Exception {
		BenchTasks tasks = new BenchTasks(this.recorder);
		tasks.noop();
		tasks.noop();
		tasks.latency(-1);
		tasks.latency(LatencyProducer.nowMicros() - 1_000);
		Reply stats = Reply.parse(this.producer.handle(Command.parse("STATS")));
		assertThat(stats.number("noop")).isEqualTo(2);
		assertThat(stats.number("first")).isLessThanOrEqualTo(stats.number("last"));
		assertThat(stats.number("running")).isZero();
		long[] samples = Reply.parse(this.producer.handle(Command.parse("LATENCY"))).numbers("samples");
		assertThat(samples).hasSize(1);
		assertThat(samples[0]).isGreaterThanOrEqualTo(1_000);
		this.producer.handle(Command.parse("RESET"));
		assertThat(Reply.parse(this.producer.handle(Command.parse("STATS"))).number("noop")).isZero();
	}

	@Test
	void serveAnswersEveryLineUntilExitAndFailuresAreErrLines() throws Exception {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
		this.producer.serve(new BufferedReader(new StringReader("GO\nBOGUS\n\nRESET\nEXIT\nSTATS\n")), out);
		List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
		assertThat(lines).hasSize(4);
		assertThat(lines.get(0)).startsWith("ERR").contains("no dispatcher");
		assertThat(lines.get(1)).startsWith("ERR").contains("BOGUS");
		assertThat(lines.get(2)).isEqualTo("OK");
		assertThat(lines.get(3)).isEqualTo("OK");
	}

	/** Counts what it is asked to enqueue. */
	private static final class CountingQueue implements TaskQueue {

		final List<Integer> batches = new ArrayList<>();

		final List<String> tasks = new ArrayList<>();

		final AtomicInteger singles = new AtomicInteger();

		@Override
		public JobId enqueue(String taskName, Object... args) {
			this.singles.incrementAndGet();
			return null;
		}

		@Override
		public JobId enqueue(EnqueueRequest request) {
			this.singles.incrementAndGet();
			return null;
		}

		@Override
		public List<JobId> enqueueAll(Collection<EnqueueRequest> requests) {
			this.batches.add(requests.size());
			requests.forEach((request) -> this.tasks.add(request.taskName()));
			return List.of();
		}

		@Override
		public Optional<JobView> find(JobId id) {
			return Optional.empty();
		}

		@Override
		public boolean cancel(JobId id) {
			return false;
		}

		@Override
		public JobId retry(JobId id) {
			return null;
		}

		@Override
		public <T> Optional<T> resultOf(JobId id, Class<T> type) {
			throw new UnsupportedOperationException();
		}

		@Override
		public JobView awaitFinished(JobId id, Duration timeout) {
			throw new UnsupportedOperationException();
		}

		@Override
		public List<JobView> jobs(JobQuery query) {
			throw new UnsupportedOperationException();
		}

		@Override
		public long count(JobQuery query) {
			throw new UnsupportedOperationException();
		}

		@Override
		public JobStats stats() {
			throw new UnsupportedOperationException();
		}

		@Override
		public Optional<String> argumentsOf(JobId id) {
			throw new UnsupportedOperationException();
		}

		@Override
		public Throughput throughput(Duration window) {
			throw new UnsupportedOperationException();
		}

		@Override
		public BulkResult cancelAll(JobQuery query) {
			throw new UnsupportedOperationException();
		}

		@Override
		public BulkResult retryAll(JobQuery query) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean reschedule(JobId id, Instant runAt) {
			throw new UnsupportedOperationException();
		}

		@Override
		public boolean delete(JobId id) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void pauseQueue(String queue) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void resumeQueue(String queue) {
			throw new UnsupportedOperationException();
		}

		@Override
		public Set<String> pausedQueues() {
			throw new UnsupportedOperationException();
		}

		@Override
		public List<dev.taskito.ScheduleView> schedules() {
			throw new UnsupportedOperationException();
		}

		@Override
		public void pauseSchedule(String task) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void resumeSchedule(String task) {
			throw new UnsupportedOperationException();
		}

	}

}
