package dev.taskito.samples.quickstart;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Component;

import dev.taskito.Task;

/**
 * A task that is expensive enough to need a cap: at most three thumbnails render at once,
 * however many workers and instances there are. It records how many of its jobs run at
 * once so the sample can show that the cap held.
 */
@Component
public class ThumbnailTasks {

	/** The cap, shared with the runner's report. */
	static final int CAP = 3;

	private final AtomicInteger running = new AtomicInteger();

	private final AtomicInteger maxRunning = new AtomicInteger();

	@Task(name = "render-thumbnail", maxConcurrent = CAP)
	public String render(int imageId) throws InterruptedException {
		int now = this.running.incrementAndGet();
		try {
			this.maxRunning.accumulateAndGet(now, Math::max);
			Thread.sleep(ThreadLocalRandom.current().nextInt(150, 300));
			return "thumbnail-" + imageId + ".png";
		}
		finally {
			this.running.decrementAndGet();
		}
	}

	/** @return jobs of this task running on this instance now */
	public int running() {
		return this.running.get();
	}

	/** @return the most that ever ran at once on this instance */
	public int maxRunning() {
		return this.maxRunning.get();
	}

}
