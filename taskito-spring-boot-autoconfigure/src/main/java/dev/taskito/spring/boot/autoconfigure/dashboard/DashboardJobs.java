package dev.taskito.spring.boot.autoconfigure.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import dev.taskito.JobStatus;
import dev.taskito.JobView;

/**
 * Jobs as the dashboard's pages show them. Every text here comes from the store and may hold
 * anything a job's producer or handler wrote (markup, script): the page sets it as text only.
 */
public final class DashboardJobs {

	private DashboardJobs() {
	}

	static JobRow row(JobView job) {
		return new JobRow(job.id().toString(), job.taskName(), job.queue(), job.status(), job.attempts(),
				job.maxRetries(), text(job.createdAt()), text(job.runAt()), text(job.finishedAt()),
				firstLine(job.lastError()), job.concurrencyKey(), text(job.scheduledFor()));
	}

	static JobDetail detail(JobView job, @Nullable String arguments) {
		List<TimelineEntry> timeline = new ArrayList<>();
		timeline.add(new TimelineEntry("enqueued", job.createdAt().toString()));
		if (job.scheduledFor() != null) {
			timeline.add(new TimelineEntry("scheduled for", job.scheduledFor().toString()));
		}
		timeline.add(new TimelineEntry((job.status() == JobStatus.PENDING) ? "due" : "last due",
				job.runAt().toString()));
		if (job.startedAt() != null) {
			timeline.add(new TimelineEntry("attempt " + job.attempts() + " started", job.startedAt().toString()));
		}
		if (job.finishedAt() != null) {
			timeline.add(new TimelineEntry(job.status().name().toLowerCase(Locale.ROOT),
					job.finishedAt().toString()));
		}
		return new JobDetail(row(job), job.priority(), arguments, job.result(), job.lastError(), job.uniqueKey(),
				job.concurrencyKey(), timeline);
	}

	private static @Nullable String text(@Nullable Object value) {
		return (value != null) ? value.toString() : null;
	}

	private static @Nullable String firstLine(@Nullable String error) {
		if (error == null) {
			return null;
		}
		int end = error.indexOf('\n');
		String line = (end >= 0) ? error.substring(0, end) : error;
		return (line.length() > 300) ? line.substring(0, 300) + "…" : line;
	}

	/**
	 * A job in a list.
	 *
	 * @param id its id
	 * @param task its task
	 * @param queue its queue
	 * @param status its status
	 * @param attempts the attempts that started
	 * @param maxRetries the retries it gets after its first attempt
	 * @param createdAt when it was enqueued
	 * @param runAt when it is (or was last) due
	 * @param finishedAt when it finished, or {@code null}
	 * @param error the first line of its last error, or {@code null}
	 * @param concurrencyKey the key whose own cap it counts against, or {@code null}
	 * @param scheduledFor the tick of its periodic task's schedule that enqueued it, or
	 *        {@code null}
	 */
	public record JobRow(String id, String task, String queue, JobStatus status, int attempts, int maxRetries,
			@Nullable String createdAt, @Nullable String runAt, @Nullable String finishedAt, @Nullable String error,
			@Nullable String concurrencyKey, @Nullable String scheduledFor) {

	}

	/**
	 * One job with all the store knows of it.
	 *
	 * @param job what its row shows
	 * @param priority its priority
	 * @param arguments its arguments' JSON, or {@code null} when purged meanwhile
	 * @param result its result's JSON, or {@code null}
	 * @param error its last error with the stack trace, or {@code null}
	 * @param uniqueKey its unique key, or {@code null}
	 * @param concurrencyKey the key whose own cap it counts against, or {@code null}
	 * @param timeline what happened to it, in order
	 */
	public record JobDetail(JobRow job, int priority, @Nullable String arguments, @Nullable String result,
			@Nullable String error, @Nullable String uniqueKey, @Nullable String concurrencyKey,
			List<TimelineEntry> timeline) {

	}

	/**
	 * One moment of a job's life.
	 *
	 * @param what what happened
	 * @param at when
	 */
	public record TimelineEntry(String what, String at) {

	}

	/**
	 * A page of jobs.
	 *
	 * @param jobs the jobs, oldest first
	 * @param next the id the next page starts after, {@code null} when this page is the last
	 */
	public record JobPage(List<JobRow> jobs, @Nullable String next) {

	}

}
