package dev.taskito.spring.boot.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobView;
import dev.taskito.store.BulkStep;
import dev.taskito.store.ClaimCounts;
import dev.taskito.store.ClaimRef;
import dev.taskito.store.ClaimRequest;
import dev.taskito.store.ClaimStore;
import dev.taskito.store.FinishedCounts;
import dev.taskito.store.ClaimedJob;
import dev.taskito.store.ClusterGauges;
import dev.taskito.store.Heartbeat;
import dev.taskito.store.HeartbeatResult;
import dev.taskito.store.InstanceView;
import dev.taskito.store.JobCounts;
import dev.taskito.store.NewJob;
import dev.taskito.store.Outcome;
import dev.taskito.store.ReapedJob;
import dev.taskito.store.Reschedule;
import dev.taskito.store.StrandedWork;
import dev.taskito.store.TokenRequest;

/**
 * A store that records what it is asked and claims nothing: enough to test the wiring.
 */
class RecordingClaimStore implements ClaimStore {

	final List<NewJob> enqueued = new CopyOnWriteArrayList<>();

	final Map<String, Boolean> paused = new ConcurrentHashMap<>();

	volatile boolean started;

	volatile boolean closed;

	@Override
	public void start() {
		this.started = true;
	}

	@Override
	public List<JobId> enqueue(List<NewJob> jobs) {
		this.enqueued.addAll(jobs);
		return jobs.stream().map(NewJob::id).toList();
	}

	@Override
	public Optional<JobView> find(JobId id) {
		return Optional.empty();
	}

	@Override
	public List<JobView> jobs(JobQuery query) {
		return List.of();
	}

	@Override
	public long count(JobQuery query) {
		return 0;
	}

	@Override
	public List<JobCounts> jobCounts() {
		return List.of();
	}

	@Override
	public Optional<String> payload(JobId id) {
		return Optional.empty();
	}

	@Override
	public List<FinishedCounts> finishedCounts(List<JobId> bounds) {
		return List.of();
	}

	@Override
	public BulkStep cancelStep(JobQuery query, JobId upTo) {
		return new BulkStep(0, 0, null);
	}

	@Override
	public BulkStep retryStep(JobQuery query, JobId upTo) {
		return new BulkStep(0, 0, null);
	}

	@Override
	public Optional<JobId> newestId(JobQuery query) {
		return Optional.empty();
	}

	@Override
	public boolean reschedule(JobId id, Instant runAt) {
		return false;
	}

	@Override
	public boolean delete(JobId id) {
		return false;
	}

	@Override
	public Optional<JobView> watch(JobId id) {
		return Optional.empty();
	}

	@Override
	public void addFinishedListener(Consumer<JobId> listener) {
	}

	@Override
	public boolean applyConfiguredPause(String queue, boolean paused) {
		this.paused.put(queue, paused);
		return true;
	}

	@Override
	public ClusterGauges gauges(int countLimit) {
		return new ClusterGauges(List.of(), List.of(), Instant.now());
	}

	@Override
	public List<InstanceView> liveInstances() {
		return List.of();
	}

	@Override
	public boolean cancel(JobId id) {
		return false;
	}

	@Override
	public boolean retry(JobId id) {
		return false;
	}

	@Override
	public void setQueuePaused(String queue, boolean paused) {
		this.paused.put(queue, paused);
	}

	@Override
	public dev.taskito.store.ScheduleSnapshot schedules() {
		return new dev.taskito.store.ScheduleSnapshot(java.time.Instant.now(), List.of());
	}

	@Override
	public boolean setSchedulePaused(String task, boolean paused) {
		return false;
	}

	@Override
	public Set<String> pausedQueues() {
		Set<String> result = new java.util.TreeSet<>();
		this.paused.forEach((queue, isPaused) -> {
			if (isPaused) {
				result.add(queue);
			}
		});
		return result;
	}

	@Override
	public List<ClaimedJob> claim(ClaimRequest request, UUID batchId) {
		return List.of();
	}

	@Override
	public List<ClaimedJob> recoverClaim(String instanceId, UUID batchId) {
		return List.of();
	}

	@Override
	public ClaimCounts countClaims(Set<String> tasks, Set<String> queues) {
		return new ClaimCounts(new HashMap<>(), new HashMap<>());
	}

	@Override
	public Set<ClaimRef> rollback(List<Reschedule> reschedules) {
		return Set.of();
	}

	@Override
	public Set<ClaimRef> finish(List<Outcome> outcomes, boolean wakeOthers) {
		return Set.of();
	}

	@Override
	public HeartbeatResult heartbeat(Heartbeat heartbeat) {
		return new HeartbeatResult(Set.of(), new ClaimCounts(Map.of(), Map.of()), java.time.Instant.now());
	}

	@Override
	public void removeInstance(String instanceId) {
	}

	@Override
	public List<StrandedWork> strandedWork(int countLimit) {
		return List.of();
	}

	@Override
	public Map<String, Integer> takeTokens(List<TokenRequest> requests) {
		Map<String, Integer> granted = new HashMap<>();
		requests.forEach((request) -> granted.put(request.bucket(), request.count()));
		return granted;
	}

	@Override
	public List<ReapedJob> reap(Duration grace, java.time.Instant reaperConnectedAt) {
		return new ArrayList<>();
	}

	@Override
	public int purge(Duration succeeded, Duration dead) {
		return 0;
	}

	@Override
	public void addWakeUpListener(Runnable listener) {
	}

	@Override
	public void close() {
		this.closed = true;
	}

}
