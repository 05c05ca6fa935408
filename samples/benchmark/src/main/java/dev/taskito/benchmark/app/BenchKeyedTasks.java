package dev.taskito.benchmark.app;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

import dev.taskito.Task;

/**
 * The task of the drain with {@code --keys}, registered only then ({@code bench.keyed=true}),
 * so that the other runs' applications register the same three tasks as before.
 */
@Component
@ConditionalOnProperty(name = "bench.keyed", havingValue = "true")
public class BenchKeyedTasks {

	/** The cap per key: it never binds while the keys times 2 exceed the workers. */
	public static final int KEY_CAP = 2;

	private final BenchRecorder recorder;

	BenchKeyedTasks(BenchRecorder recorder) {
		this.recorder = recorder;
	}

	/**
	 * Does nothing but record that it ran, counted with the {@code noop} jobs: the drain
	 * measures what keeping the keys costs.
	 */
	@Task(name = "keyed", maxConcurrentPerKey = KEY_CAP)
	public void keyed() {
		this.recorder.run().noopRan();
	}

}
