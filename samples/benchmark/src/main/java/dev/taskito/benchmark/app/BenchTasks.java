package dev.taskito.benchmark.app;

import org.springframework.stereotype.Component;

import dev.taskito.Task;
import dev.taskito.benchmark.LatencyProducer;

/**
 * The benchmark's tasks, declared as an application declares its own.
 */
@Component
public class BenchTasks {

	/** The {@code capped} task's cap. */
	public static final int CAP = 2;

	/** How long a {@code capped} job runs. */
	public static final long CAPPED_MILLIS = 50;

	private final BenchRecorder recorder;

	BenchTasks(BenchRecorder recorder) {
		this.recorder = recorder;
	}

	/**
	 * Does nothing but record when it ran: the drain measures the queue's own cost per job.
	 */
	@Task(name = "noop")
	public void noop() {
		this.recorder.run().noopRan();
	}

	/**
	 * Sleeps; at most {@link #CAP} of it run at once across every instance.
	 * @throws InterruptedException when its instance stops or loses its lease
	 */
	@Task(name = "capped", maxConcurrent = CAP)
	public void capped() throws InterruptedException {
		BenchRecorder.Run run = this.recorder.run();
		long start = run.cappedStarted();
		try {
			Thread.sleep(CAPPED_MILLIS);
		}
		finally {
			run.cappedFinished(start);
		}
	}

	/**
	 * Records how long after its enqueue it started.
	 * @param sentMicros the wall-clock time just before the enqueue call, -1 for a warm-up job
	 */
	@Task(name = LatencyProducer.TASK)
	public void latency(long sentMicros) {
		this.recorder.run().latencyReceived(sentMicros);
	}

}
