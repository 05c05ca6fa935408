package dev.taskito.store.redis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import dev.taskito.JobId;
import dev.taskito.JobStatus;
import dev.taskito.JobView;
import dev.taskito.store.NewJob;
import dev.taskito.store.StoredHeaders;
import dev.taskito.store.TokenRequest;
import dev.taskito.store.UniqueKeyHeldException;

/**
 * Everything outside the claim path: jobs as the {@link dev.taskito.TaskQueue} sees them
 * (enqueue, find, watch, cancel, retry, reschedule, delete), paused queues (set at runtime,
 * or as configured), and the rate-limit token buckets of tasks
 * and queues, refilled on the store's clock. Each change is one script ({@code enqueue.lua},
 * {@code cancel.lua}, {@code retry.lua}, {@code pause.lua}, {@code tokens.lua}, ...): an enqueue
 * stores all of its jobs or none, and a repeated one stores nothing twice. Cancel and retry
 * are not repeated after a dropped connection, since a second run would answer
 * {@code false}; a retry whose unique key another active job holds changes nothing and says
 * which job holds it; a take of tokens that fails with its outcome unknown may have taken them,
 * which only slows the rate down, and a give-back carries an id, so that a replay of it
 * credits nothing twice.
 */
final class RedisJobAdmin {

	private final RedisScripts scripts;

	private final RedisConnector connector;

	private final RedisKeys keys;

	RedisJobAdmin(RedisScripts scripts, RedisConnector connector, RedisKeys keys) {
		this.scripts = scripts;
		this.connector = connector;
		this.keys = keys;
	}

	List<JobId> enqueue(List<NewJob> jobs) {
		if (jobs.isEmpty()) {
			throw new IllegalArgumentException("enqueue needs at least one job");
		}
		List<String> args = new ArrayList<>(jobs.size() * 12);
		for (NewJob job : jobs) {
			args.add(job.id().toString());
			args.add(job.taskName());
			args.add(job.queue());
			args.add(job.payload());
			args.add(Integer.toString(job.priority()));
			args.add(Long.toString(Math.max(0, job.delay().toMillis())));
			args.add((job.runAt() != null) ? Long.toString(Math.max(0, job.runAt().toEpochMilli())) : "");
			args.add((job.uniqueKey() != null) ? job.uniqueKey() : "");
			args.add(Integer.toString(job.maxRetries()));
			args.add((job.timeout() != null) ? Long.toString(job.timeout().toMillis()) : "");
			// Empty for none: the job's hash then has no headers field.
			String headers = StoredHeaders.encode(job.headers());
			args.add((headers != null) ? headers : "");
			// Empty for none: an unkeyed job waits where every version's claim looks.
			args.add((job.concurrencyKey() != null) ? job.concurrencyKey() : "");
		}
		List<Object> reply = this.scripts.run("enqueue", "enqueue " + jobs.size() + " jobs", args);
		return reply.stream().map((id) -> JobId.parse(id.toString())).toList();
	}

	Optional<String> payload(JobId id) {
		return Optional.ofNullable(this.connector.call("read the arguments of job " + id, true,
				(commands) -> commands.hget(this.keys.job(id), "payload")));
	}

	Optional<JobView> find(JobId id) {
		Map<String, String> job = this.connector.call("find job " + id, true,
				(commands) -> commands.hgetall(this.keys.job(id)));
		if (job == null || job.isEmpty()) {
			return Optional.empty();
		}
		return Optional.of(view(id, job));
	}

	/**
	 * Marks a job as awaited and reads it, in one script ({@code watch.lua}): the finish
	 * scripts announce an awaited job on the finished channel, so one that finishes after
	 * the read is always told.
	 */
	Optional<JobView> watch(JobId id) {
		List<Object> fields = this.scripts.run("watch", "watch job " + id, List.of(id.toString()));
		return fields.isEmpty() ? Optional.empty() : Optional.of(view(id, fields, 0));
	}

	boolean reschedule(JobId id, Instant runAt) {
		return RedisScriptValues.number(this.scripts.run("reschedule", "reschedule job " + id,
				List.of(id.toString(), Long.toString(Math.max(0, runAt.toEpochMilli()))))) == 1;
	}

	boolean delete(JobId id) {
		return RedisScriptValues.number(this.scripts.run("delete", "delete job " + id, List.of(id.toString()))) == 1;
	}

	boolean applyConfiguredPause(String queue, boolean paused) {
		return RedisScriptValues.number(this.scripts.run("configured_pause",
				"apply the configured pause of queue " + queue, List.of(queue, paused ? "1" : "0"))) == 1;
	}

	boolean cancel(JobId id) {
		return RedisScriptValues.number(this.scripts.run("cancel", "cancel job " + id, List.of(id.toString()))) == 1;
	}

	boolean retry(JobId id) {
		List<Object> reply = this.scripts.run("retry", "retry job " + id, List.of(id.toString()));
		long answer = RedisScriptValues.number(reply);
		if (answer == 2) {
			throw new UniqueKeyHeldException(id, reply.get(1).toString(), JobId.parse(reply.get(2).toString()));
		}
		return answer == 1;
	}

	void setQueuePaused(String queue, boolean paused) {
		this.scripts.run("pause", (paused ? "pause" : "resume") + " queue " + queue, List.of(queue, paused ? "1" : "0"));
	}

	Set<String> pausedQueues() {
		return Set.copyOf(
				this.connector.call("read paused queues", true, (commands) -> commands.smembers(this.keys.pausedQueues())));
	}

	Map<String, Integer> takeTokens(List<TokenRequest> requests) {
		if (requests.isEmpty()) {
			return Map.of();
		}
		List<String> args = new ArrayList<>();
		// A give-back carries an id so that a replay after a dropped connection credits nothing twice.
		args.add(requests.stream().anyMatch((request) -> request.count() < 0) ? UUID.randomUUID().toString() : "");
		for (TokenRequest request : requests) {
			args.add(request.bucket());
			args.add(Integer.toString(request.limit().permits()));
			args.add(Long.toString(Math.max(1, request.limit().period().toMillis())));
			args.add(Integer.toString(request.count()));
		}
		List<Object> reply = this.scripts.run("tokens", "take rate-limit tokens", args);
		Map<String, Integer> granted = new LinkedHashMap<>();
		for (int i = 0; i < requests.size(); i++) {
			granted.merge(requests.get(i).bucket(), (int) RedisScriptValues.number(reply.get(i)), Integer::sum);
		}
		return granted;
	}

	/**
	 * The fields of a job that a {@link JobView} shows, in the order the scripts answer with
	 * them ({@code VIEW_FIELDS} in {@code lib.lua}).
	 */
	static final List<String> VIEW_FIELDS = List.of("task", "queue", "status", "attempts", "max_retries", "priority",
			"created", "run_at", "started", "finished", "error", "result", "unique_key", "ckey", "scheduled");

	/**
	 * Reads a job from a script's answer.
	 * @param id the job's id
	 * @param reply the answer holding the job's {@link #VIEW_FIELDS}
	 * @param offset where they start in it
	 * @return the job
	 */
	static JobView view(JobId id, List<Object> reply, int offset) {
		Map<String, String> job = new HashMap<>();
		for (int i = 0; i < VIEW_FIELDS.size(); i++) {
			Object value = reply.get(offset + i);
			if (value != null) {
				job.put(VIEW_FIELDS.get(i), value.toString());
			}
		}
		return view(id, job);
	}

	private static JobView view(JobId id, Map<String, String> job) {
		return new JobView(id, job.get("task"), job.get("queue"), JobStatus.valueOf(job.get("status")),
				Integer.parseInt(job.get("attempts")), Integer.parseInt(job.get("max_retries")),
				Integer.parseInt(job.get("priority")), instant(job.get("created")), instant(job.get("run_at")),
				instant(job.get("started")), instant(job.get("finished")), job.get("error"), job.get("result"),
				job.get("unique_key"), job.get("ckey"), instant(job.get("scheduled")));
	}

	private static Instant instant(String millis) {
		return (millis == null || millis.isEmpty()) ? null : Instant.ofEpochMilli(Long.parseLong(millis));
	}

}
