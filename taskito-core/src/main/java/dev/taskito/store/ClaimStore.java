package dev.taskito.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import dev.taskito.JobId;
import dev.taskito.JobView;

/**
 * Where jobs and their claims live, shared by every instance of an application. The
 * dispatcher's correctness rests on what these methods promise; every implementation
 * passes {@code ClaimStoreContractTest}.
 *
 * <p>Every state change is atomic: one transaction (JDBC) or one script (Redis). A
 * {@code RUNNING} job always has exactly one claim, and a job that leaves {@code RUNNING}
 * loses its claim in the same step. Every write made on behalf of a claim names its token
 * and changes nothing when the token is no longer the job's claim, so a worker that lost
 * its lease can never overwrite the new owner's work. Times (due times, leases) are on the
 * store's clock.
 *
 * <p>Methods throw {@link StoreUnavailableException} when the store cannot be reached;
 * the outcome is then unknown. {@link #finish}, {@link #rollback} and {@link #heartbeat}
 * are idempotent thanks to fencing and may simply be repeated; a {@link #claim} whose
 * outcome is unknown is resolved with {@link #recoverClaim}.
 *
 * <p>Listing, counting, bulk steps and awaiting, which the operations API
 * ({@link dev.taskito.TaskQueue}) and the dashboard use, are declared apart in
 * {@link JobAdminStore}; every store implements both.
 */
public interface ClaimStore extends JobAdminStore, AutoCloseable {

	/**
	 * Prepares the store: creates what is missing when allowed to, checks what it needs.
	 * Idempotent. Fails with a message naming the setting and the fix when the store cannot
	 * be used.
	 */
	void start();

	/**
	 * Stores new jobs as {@code PENDING}, all or none. A job whose unique key a
	 * {@code PENDING} or {@code RUNNING} job already holds (or an earlier job of the same
	 * call) is not stored; that job's id stands in its place in the answer.
	 * <p>With a JDBC store on a transaction-aware {@code DataSource}, this takes part in the
	 * caller's transaction.
	 * @param jobs the jobs, at least one
	 * @return the ids, in the order of {@code jobs}
	 */
	List<JobId> enqueue(List<NewJob> jobs);

	/**
	 * @param id a job id
	 * @return the job, or empty when unknown or purged
	 */
	Optional<JobView> find(JobId id);

	/**
	 * Reads a job's arguments, which {@link #find} leaves out since they may be large.
	 * @param id a job id
	 * @return the arguments as stored (a JSON array), or empty when the job is unknown or
	 *         purged
	 */
	Optional<String> payload(JobId id);

	/**
	 * Moves a {@code PENDING} job to {@code CANCELLED}. Takes part in the caller's
	 * transaction like {@link #enqueue}.
	 * @param id the job
	 * @return {@code true} if the job was pending and is now cancelled
	 */
	boolean cancel(JobId id);

	/**
	 * Moves a {@code DEAD} job back to {@code PENDING}, due now, with its attempts at 0 and
	 * its last error kept.
	 * @param id the job
	 * @return {@code true} if the job was dead and is now pending
	 * @throws UniqueKeyHeldException when another pending or running job holds the dead job's
	 *         unique key; the dead job stays {@code DEAD}
	 */
	boolean retry(JobId id);

	/**
	 * Records a periodic task's schedule as an instance that is starting declares it. With no
	 * schedule for the task yet, one is created whose last tick is the store's now (no tick
	 * before it is ever enqueued). With a different definition, the starting instance's
	 * replaces it (the instance started last wins) and the last tick becomes the store's now,
	 * so the old schedule's ticks are never caught up; the pause and the skipped count stay.
	 * With the same definition nothing changes. One atomic step.
	 * @param task the periodic task
	 * @param definition the instance's {@link dev.taskito.Schedule#definition()}
	 * @return the schedule as it is afterwards
	 */
	default ScheduleRecord registerSchedule(String task, String definition) {
		throw new UnsupportedOperationException(getClass().getName() + " keeps no schedules");
	}

	/**
	 * Reads every schedule and the store's now in one consistent moment. This default, for a
	 * store that keeps no schedules, answers none (with the JVM's now), so that listings work
	 * on it; registering a schedule there fails.
	 * @return the snapshot
	 */
	default ScheduleSnapshot schedules() {
		return new ScheduleSnapshot(Instant.now(), List.of());
	}

	/**
	 * Enqueues one tick of a periodic task, exactly once across the cluster. In one
	 * transaction (or script), the store checks that the schedule exists, is not paused, has
	 * the tick's definition and still has {@link ScheduleTick#expectedLastTick()} as its last
	 * tick (compare-and-set: of instances racing for one tick, one moves it and the others
	 * find it {@link ScheduleTick.Result#TAKEN}); then, when a job is asked for and the
	 * previous tick's job is still {@code PENDING}, it only counts a skipped tick; else it
	 * stores the job ({@code PENDING}, due now, with the tick as its scheduled time) and
	 * records it as the last job. The last tick becomes the tick in every case that changes
	 * something. Unlike a unique key, the last tick outlives the job, so an instance that
	 * reads the schedule late can never enqueue a tick again. Runs in a transaction of its
	 * own, never the caller's; wakes the dispatchers when a job was stored.
	 * @param tick the tick
	 * @return what was done
	 */
	default ScheduleTick.Result enqueueTick(ScheduleTick tick) {
		throw new UnsupportedOperationException(getClass().getName() + " keeps no schedules");
	}

	/**
	 * Pauses or resumes a schedule for every instance. The last tick is left as it is, so
	 * the ticks that passed while paused are missed ticks at the resume.
	 * @param task the periodic task
	 * @param paused {@code true} to pause
	 * @return {@code false} when the store has no schedule for the task (always, by this
	 *         default, for a store that keeps none)
	 */
	default boolean setSchedulePaused(String task, boolean paused) {
		return false;
	}

	/**
	 * Applies a queue's pause as an instance's configuration declares it: the pause is set
	 * to {@code paused} only when the value configured last (by any instance) differs, so a
	 * pause or resume made at runtime survives instances restarting with the configuration
	 * it overrode, and lasts until an instance starts with a changed value. The store keeps
	 * the configured value apart from the pause itself.
	 * @param queue the queue
	 * @param paused the configured value
	 * @return {@code true} if the pause was set, {@code false} if the configured value was
	 *         already the store's and the pause was left as it is
	 */
	boolean applyConfiguredPause(String queue, boolean paused);

	/**
	 * Reads the cluster's gauges in one call: pending (counted up to {@code countLimit}) and
	 * running jobs and the earliest due time of due pending jobs per queue, and running jobs
	 * per task. Cheap enough to call every few seconds on every instance: served by indexes
	 * and counters, never by reading every job.
	 * @param countLimit the most pending jobs counted per queue, at least 1
	 * @return the snapshot
	 */
	ClusterGauges gauges(int countLimit);

	/**
	 * Reads the gauges as {@link #gauges(int)} does, and for each task named, how many of its
	 * concurrency keys run at least its cap per key ({@link ClusterGauges.TaskGauge#keysAtCap}),
	 * in the same call: one count per task, never one per key. A store that keeps no
	 * concurrency keys has no key at its cap.
	 * @param countLimit the most pending jobs counted per queue, at least 1
	 * @param keyCaps the cap per key of each task that has one
	 * @return the snapshot
	 */
	default ClusterGauges gauges(int countLimit, Map<String, Integer> keyCaps) {
		return gauges(countLimit);
	}

	/**
	 * @return the instances whose heartbeat is current, by id
	 */
	List<InstanceView> liveInstances();

	/**
	 * Pauses or resumes a queue for every instance.
	 * @param queue the queue
	 * @param paused {@code true} to pause
	 */
	void setQueuePaused(String queue, boolean paused);

	/**
	 * @return the queues paused right now
	 */
	Set<String> pausedQueues();

	/**
	 * Claims due {@code PENDING} jobs within the request's limits, highest priority first,
	 * then earliest due, then oldest: in one atomic step each becomes {@code RUNNING}, its
	 * attempt count goes up by one, and a claim with a fresh token, the instance id and a
	 * lease of {@code request.lease()} is written. Never more than {@code request.limit()}
	 * jobs, nor more of a task or queue than its limit; jobs locked by a concurrent claim are
	 * skipped, not waited for.
	 * <p>A request with caps ({@link ClaimRequest#isCapped()}) is also gated: it takes no more
	 * of a capped task or queue than the cap minus the claims there are at that moment, and
	 * the count and the claim are atomic together with respect to every other capped claim
	 * (one Lua script on Redis; advisory locks held until the claim commits on PostgreSQL; a
	 * lock in the JVM on H2, which one process opens). Capped claimers may wait for each
	 * other for the length of one claim. A request without caps is not gated, and may take
	 * a capped task past its cap: the dispatcher's post-claim count is what admits a job.
	 * @param request the limits
	 * @param batchId an id the caller chose for this claim, written with every claim so that
	 *        {@link #recoverClaim} can find them when the answer is lost
	 * @return the claimed jobs in claim order, possibly none
	 */
	List<ClaimedJob> claim(ClaimRequest request, UUID batchId);

	/**
	 * Finds the claims a {@link #claim} call wrote, when its answer was lost.
	 * @param instanceId the claiming instance
	 * @param batchId the id given to {@link #claim}
	 * @return the claimed jobs that still hold those claims, possibly none
	 */
	List<ClaimedJob> recoverClaim(String instanceId, UUID batchId);

	/**
	 * Counts the claims there are now, of every instance, expired ones included. The
	 * dispatcher calls this after its claim committed; the count must see every claim
	 * committed before the call (a separate statement, not part of the claim's step).
	 * @param tasks the tasks to count
	 * @param queues the queues to count
	 * @return the counts
	 */
	ClaimCounts countClaims(Set<String> tasks, Set<String> queues);

	/**
	 * Counts as {@link #countClaims(Set, Set)} does, and the claims of each (task,
	 * concurrency key) named, in the same call: the post-claim check of caps per key is one
	 * round trip per batch, never one per job. Served by an index or a set per key, never a
	 * scan across keys.
	 * @param tasks the tasks to count
	 * @param queues the queues to count
	 * @param keys the tasks and keys to count
	 * @return the counts
	 * @throws UnsupportedOperationException from a store that keeps no concurrency keys (it
	 *         refuses to enqueue keyed jobs, so it never claims one)
	 */
	default ClaimCounts countClaims(Set<String> tasks, Set<String> queues, Set<TaskKey> keys) {
		if (keys.isEmpty()) {
			return countClaims(tasks, queues);
		}
		throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no concurrency keys");
	}

	/**
	 * Gives claimed jobs back without consuming their attempts; see {@link Reschedule}.
	 * Each is atomic on its own; fenced by token.
	 * @param reschedules the claims to give back
	 * @return the claims that were given back (the others were no longer held)
	 */
	Set<ClaimRef> rollback(List<Reschedule> reschedules);

	/**
	 * Records outcomes, fenced by token: an outcome whose claim is no longer the job's
	 * changes nothing. The whole batch is one transaction or script.
	 * @param outcomes the outcomes
	 * @param wakeOthers whether to wake the other instances' dispatchers afterwards
	 *        (a capped slot was freed)
	 * @return the claims whose outcome was recorded
	 */
	Set<ClaimRef> finish(List<Outcome> outcomes, boolean wakeOthers);

	/**
	 * Whether this store can {@link #wakeOthers() wake the other instances} with nothing
	 * recorded. Only then does a dispatcher record outcomes that free a capped slot without
	 * waking them, when its own claim with those outcomes may refill every slot they free,
	 * and wake them afterwards if it did not: the others then claim nothing in vain.
	 * @return {@code true} when {@link #wakeOthers()} is supported; {@code false} by default
	 */
	default boolean wakesOthersAlone() {
		return false;
	}

	/**
	 * Wakes the other instances' dispatchers as {@link #finish} does with {@code wakeOthers}
	 * ({@link #addWakeUpListener}'s listeners, this instance's included), with nothing
	 * recorded: a dispatcher's claim with outcomes left a slot those outcomes freed empty.
	 * @throws UnsupportedOperationException when {@link #wakesOthersAlone()} is {@code false}
	 */
	default void wakeOthers() {
		throw new UnsupportedOperationException(getClass().getName() + " cannot wake the other instances alone; "
				+ "ask finish or finishAndClaim to wake them with the outcomes");
	}

	/**
	 * Records outcomes as {@link #finish} does, then claims as {@link #claim} does, in one
	 * round trip where the store can: the claim sees the claims the outcomes released, so a
	 * capped slot that an outcome frees can be refilled without a round trip of its own.
	 * The outcomes are recorded as durably as {@link #finish} records them, whatever the
	 * claim does. This default makes the two calls one after the other.
	 * <p>A failure to record the outcomes is thrown as {@link #finish} throws it, and then
	 * nothing is known to have been claimed either: a {@link StoreUnavailableException} is
	 * resolved as after a failed {@link #finish} and a failed {@link #claim}. A claim that
	 * fails once the outcomes are recorded claims nothing, and the result says why.
	 * @param outcomes the outcomes, at least one
	 * @param wakeOthers as for {@link #finish}
	 * @param request the claim to make once the outcomes are recorded
	 * @param batchId as for {@link #claim}
	 * @return the recorded outcomes and the claimed jobs
	 */
	default FinishAndClaim finishAndClaim(List<Outcome> outcomes, boolean wakeOthers, ClaimRequest request,
			UUID batchId) {
		Set<ClaimRef> recorded = finish(outcomes, wakeOthers);
		try {
			return new FinishAndClaim(recorded, claim(request, batchId), null);
		}
		catch (RuntimeException ex) {
			return new FinishAndClaim(recorded, List.of(), ex);
		}
	}

	/**
	 * Records that an instance is alive with its declared caps, and renews the leases of the
	 * named claims that it still holds, in one step.
	 * @param heartbeat the instance, its caps and its claims
	 * @return the renewed claims and the smallest caps live instances declare
	 */
	HeartbeatResult heartbeat(Heartbeat heartbeat);

	/**
	 * Removes an instance's record, so its caps no longer count. Its claims are not touched.
	 * @param instanceId the instance
	 */
	void removeInstance(String instanceId);

	/**
	 * Finds pending work that no live instance can run: the {@code PENDING} jobs (due or
	 * delayed) of each task and queue that no instance with a current heartbeat serves (see
	 * {@link Heartbeat#served()}), counted. An instance whose record predates
	 * {@link ServedWork} counts as serving everything, so a rolling deploy raises no false
	 * alarm. The answer is a snapshot for operators, not a lock: it may be stale by the time
	 * it is read, and nothing is changed but the store's own bookkeeping of which pairs have
	 * pending jobs.
	 * <p>Cheap enough to run every minute on every instance, however many jobs there are: the
	 * store finds the distinct pairs of pending jobs without reading each job, and counts each
	 * unserved pair's jobs only up to {@code countLimit}.
	 * @param countLimit the most jobs counted per pair, at least 1; a pair with more reports
	 *        exactly this many
	 * @return the stranded pairs, ordered by task then queue, possibly none
	 */
	List<StrandedWork> strandedWork(int countLimit);

	/**
	 * Takes tokens from (or gives them back to) cluster-wide token buckets, atomically per
	 * bucket.
	 * @param requests the buckets and counts
	 * @return the tokens granted per bucket, between 0 and the count asked (0 for a give-back)
	 */
	Map<String, Integer> takeTokens(List<TokenRequest> requests);

	/**
	 * Takes back every {@code RUNNING} job whose lease expired at least {@code grace} ago,
	 * or that has no claim at all: the claim goes, and the job is {@code PENDING}, due now,
	 * when it has retries left (its attempt stays consumed), else {@code DEAD} with the reason.
	 * <p>Only leases that expired before {@code reaperConnectedAt} are taken back: the store
	 * time of the reaper's last heartbeat whose answer it received
	 * ({@link HeartbeatResult#storeTime()}). The reaper so proves it reached the store after
	 * the lease ran out, while the lease's owner did not renew. A reap (or a heartbeat) held
	 * up in the network during an outage and delivered after it, when every lease looks
	 * expired, takes back only what had expired before the outage.
	 * @param grace how long after expiry a lease is taken back
	 * @param reaperConnectedAt the store time of the reaper's last acknowledged heartbeat
	 * @return the jobs taken back
	 */
	List<ReapedJob> reap(Duration grace, Instant reaperConnectedAt);

	/**
	 * Deletes finished jobs older than their retention, in bounded steps that each hold the
	 * store briefly, and a bounded number per call: a large backlog takes several calls. A
	 * store where instances can take turns (PostgreSQL) lets one purge at a time; a call
	 * that finds another instance purging deletes nothing. {@code PENDING} and
	 * {@code RUNNING} jobs are never touched.
	 * @param succeeded how long {@code SUCCEEDED} and {@code CANCELLED} jobs are kept
	 * @param dead how long {@code DEAD} jobs are kept
	 * @return how many jobs were deleted
	 */
	int purge(Duration succeeded, Duration dead);

	/**
	 * Registers a listener called (on a store thread; it must return quickly) when another
	 * instance freed a capped slot or enqueued jobs, so idle dispatchers need not poll.
	 * Stores that cannot signal across instances call it never; the dispatcher polls anyway.
	 * @param listener the listener
	 */
	void addWakeUpListener(Runnable listener);

	/**
	 * Releases connections and threads. Stored data is untouched.
	 */
	@Override
	void close();

	/**
	 * A helper for implementations and tests: the ids of a collection of claims.
	 * @param claims claims
	 * @return their job ids
	 */
	static List<JobId> jobIds(Collection<ClaimRef> claims) {
		return claims.stream().map(ClaimRef::jobId).toList();
	}

}
