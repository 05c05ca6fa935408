package dev.taskito.samples.quickstart;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.stereotype.Component;

import dev.taskito.EnqueueRequest;
import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.TaskQueue;
import dev.taskito.spring.boot.autoconfigure.TaskitoEmbeddedDatabase;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.jdbc.JdbcClaimStore;
import dev.taskito.store.redis.RedisClaimStore;

/**
 * Enqueues the jobs, prints progress while they run, and reports whether the cap held.
 * The application's tests turn it off ({@code quickstart.runner.enabled=false}) and
 * enqueue jobs of their own.
 */
@Component
@ConditionalOnBooleanProperty(name = "quickstart.runner.enabled", matchIfMissing = true)
public class QuickstartRunner implements ApplicationRunner, ExitCodeGenerator {

	private static final int JOBS = 36;

	private static final Duration TIMEOUT = Duration.ofMinutes(2);

	private final TaskQueue tasks;

	private final ThumbnailTasks thumbnails;

	private final String storeDescription;

	private int exitCode = 1;

	public QuickstartRunner(TaskQueue tasks, ThumbnailTasks thumbnails, ClaimStore store,
			ObjectProvider<TaskitoEmbeddedDatabase> embedded, ObjectProvider<DataSource> dataSource) {
		this.tasks = tasks;
		this.thumbnails = thumbnails;
		TaskitoEmbeddedDatabase file = embedded.getIfAvailable();
		if (file != null) {
			this.storeDescription = "the embedded H2 file in " + file.getDirectory() + " (taskito.jdbc.embedded-path)";
		}
		else if (store instanceof JdbcClaimStore && dataSource.getIfUnique() instanceof HikariDataSource hikari) {
			this.storeDescription = "the application's DataSource, " + hikari.getJdbcUrl();
		}
		else if (store instanceof RedisClaimStore redis) {
			this.storeDescription = "Redis, under the keys " + redis.namespace() + "*";
		}
		else {
			this.storeDescription = store.toString();
		}
	}

	@Override
	public void run(ApplicationArguments args) throws InterruptedException {
		System.out.println();
		System.out.println("Taskito keeps its jobs in " + this.storeDescription);
		List<EnqueueRequest> requests = new ArrayList<>();
		for (int image = 1; image <= JOBS; image++) {
			requests.add(EnqueueRequest.of("render-thumbnail", image));
		}
		long start = System.nanoTime();
		List<JobId> ids = this.tasks.enqueueAll(requests);
		System.out.printf("Enqueued %d render-thumbnail jobs (@Task maxConcurrent = %d, 8 worker threads)%n", JOBS,
				ThumbnailTasks.CAP);
		int done = 0;
		int failed = 0;
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (done + failed < JOBS && System.nanoTime() < deadline) {
			Thread.sleep(300);
			done = 0;
			failed = 0;
			for (JobId id : ids) {
				JobStatus status = this.tasks.find(id).map(JobView::status).orElse(JobStatus.PENDING);
				if (status == JobStatus.SUCCEEDED) {
					done++;
				}
				else if (status == JobStatus.DEAD || status == JobStatus.CANCELLED) {
					failed++;
				}
			}
			System.out.printf("  done %2d/%d   running %d of cap %d   %s%n", done, JOBS, this.thumbnails.running(),
					ThumbnailTasks.CAP, "#".repeat(done));
		}
		double seconds = (System.nanoTime() - start) / 1e9;
		int max = this.thumbnails.maxRunning();
		boolean capHeld = max <= ThumbnailTasks.CAP;
		System.out.printf("%d/%d jobs done in %.1f s; at most %d ran at once (cap %d): %s%n", done, JOBS, seconds,
				max, ThumbnailTasks.CAP, capHeld ? "the cap held" : "THE CAP WAS EXCEEDED");
		System.out.println(this.tasks.find(ids.get(0)).map((job) -> "First job's result: " + job.result()).orElse(""));
		System.out.println();
		this.exitCode = (capHeld && done == JOBS) ? 0 : 1;
	}

	@Override
	public int getExitCode() {
		return this.exitCode;
	}

}
