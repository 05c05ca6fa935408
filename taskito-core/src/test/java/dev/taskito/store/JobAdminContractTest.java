package dev.taskito.store;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import dev.taskito.JobId;
import dev.taskito.JobQuery;
import dev.taskito.JobStatus;
import dev.taskito.JobView;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The promises of the operations part of {@link ClaimStore} (listing, counting, bulk steps,
 * rescheduling, deleting, awaiting and configured pauses), for every store. A store's test
 * subclasses this (see {@link StoreContract}).
 */
public abstract class JobAdminContractTest extends StoreContract {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private static final Duration PATIENCE = Duration.ofSeconds(10);

	private static final String INSTANCE = "instance-1";

	// listing and counting

	@Test
	void listsJobsInIdOrderFilteredByStatusTaskAndQueue() {
		Fixture fixture = new Fixture();
		List<Job> all = fixture.jobs;
		assertThat(ids(this.store.jobs(JobQuery.all().limit(1000)))).containsExactlyElementsOf(ids(all, (job) -> true));
		for (JobStatus status : JobStatus.values()) {
			assertListed(JobQuery.all().status(status), all, (job) -> job.status == status);
		}
		assertListed(JobQuery.all().status(JobStatus.PENDING, JobStatus.DEAD), all,
				(job) -> job.status == JobStatus.PENDING || job.status == JobStatus.DEAD);
		assertListed(JobQuery.all().task("alpha"), all, (job) -> job.task.equals("alpha"));
		assertListed(JobQuery.all().queue("q2"), all, (job) -> job.queue.equals("q2"));
		assertListed(JobQuery.all().task("beta").queue("q1"), all,
				(job) -> job.task.equals("beta") && job.queue.equals("q1"));
		assertListed(JobQuery.all().status(JobStatus.SUCCEEDED).queue("q1"), all,
				(job) -> job.status == JobStatus.SUCCEEDED && job.queue.equals("q1"));
		assertListed(JobQuery.all().status(JobStatus.RUNNING).task("alpha"), all,
				(job) -> job.status == JobStatus.RUNNING && job.task.equals("alpha"));
		assertListed(JobQuery.all().task("nobody"), all, (job) -> false);
		assertListed(JobQuery.all().queue("nowhere").status(JobStatus.PENDING), all, (job) -> false);
	}

	@Test
	void listedJobsCarryWhatFindReturns() {
		Fixture fixture = new Fixture();
		for (JobView listed : this.store.jobs(JobQuery.all().limit(1000))) {
			assertThat(listed).isEqualTo(this.store.find(listed.id()).orElseThrow());
		}
		assertThat(fixture.jobs).isNotEmpty();
	}

	@Test
	void pagesFollowEachOtherWithAfterAndLimit() {
		Fixture fixture = new Fixture();
		List<JobId> expected = ids(fixture.jobs, (job) -> true);
		List<JobId> walked = new ArrayList<>();
		JobQuery query = JobQuery.all().limit(7);
		List<JobView> page = this.store.jobs(query);
		while (!page.isEmpty()) {
			assertThat(page).hasSizeLessThanOrEqualTo(7);
			walked.addAll(ids(page));
			page = this.store.jobs(query.after(page.get(page.size() - 1).id()));
		}
		assertThat(walked).containsExactlyElementsOf(expected);
		JobId middle = expected.get(expected.size() / 2);
		assertThat(ids(this.store.jobs(JobQuery.all().after(middle).limit(1000))))
			.containsExactlyElementsOf(expected.subList(expected.size() / 2 + 1, expected.size()));
	}

	@Test
	void dueTimeRangeKeepsJobsDueAtOrAfterFromAndBeforeBefore() {
		Instant base = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
		List<NewJob> jobs = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			jobs.add(new NewJob(JobId.newId(), "timed", "default", "[]", 0, Duration.ZERO, base.plusSeconds(i * 60L),
					null, 3, null));
		}
		this.store.enqueue(jobs);
		JobQuery inRange = JobQuery.all().dueFrom(base.plusSeconds(60)).dueBefore(base.plusSeconds(240));
		assertThat(ids(this.store.jobs(inRange))).containsExactly(jobs.get(1).id(), jobs.get(2).id(), jobs.get(3).id());
		assertThat(this.store.count(inRange)).isEqualTo(3);
		assertThat(ids(this.store.jobs(JobQuery.all().dueFrom(base.plusSeconds(300))))).containsExactly(jobs.get(5).id());
		assertThat(this.store.count(JobQuery.all().dueBefore(base))).isZero();
		assertThat(ids(this.store.jobs(inRange.after(jobs.get(1).id()).limit(1)))).containsExactly(jobs.get(2).id());
	}

	@Test
	void countsWhatTheFilterMatchesFromAfterIgnoringTheLimit() {
		Fixture fixture = new Fixture();
		List<Job> all = fixture.jobs;
		assertThat(this.store.count(JobQuery.all().limit(1))).isEqualTo(all.size());
		for (JobStatus status : JobStatus.values()) {
			assertThat(this.store.count(JobQuery.all().status(status))).as("%s", status)
				.isEqualTo(all.stream().filter((job) -> job.status == status).count());
		}
		assertThat(this.store.count(JobQuery.all().task("alpha").queue("q2")))
			.isEqualTo(all.stream().filter((job) -> job.task.equals("alpha") && job.queue.equals("q2")).count());
		List<JobId> sorted = ids(all, (job) -> true);
		assertThat(this.store.count(JobQuery.all().after(sorted.get(4)))).isEqualTo(all.size() - 5);
	}

	@Test
	void payloadReadsTheStoredArgumentsVerbatim() {
		String args = "[\"<img src=x onerror=alert(1)>\",42,{\"nested\":\"é\"}]";
		JobId id = JobId.newId();
		this.store.enqueue(List.of(new NewJob(id, "args", "default", args, 0, Duration.ZERO, null, null, 0, null)));
		assertThat(this.store.payload(id)).contains(args);
		assertThat(this.store.payload(JobId.newId())).isEmpty();
	}

	@Test
	void finishedCountsCountSucceededAndDeadJobsPerPairAndIdSlice() {
		Instant before = Instant.now().minusSeconds(60);
		Fixture fixture = new Fixture();
		List<JobId> sorted = ids(fixture.jobs, (job) -> true);
		JobId middle = sorted.get(sorted.size() / 2);
		JobId end = JobId.lowestAt(Instant.now().plusSeconds(60));
		List<FinishedCounts> counts = this.store.finishedCounts(List.of(JobId.lowestAt(before), middle, end));
		Map<List<Object>, List<Long>> actual = new HashMap<>();
		counts.forEach((c) -> actual.put(List.of(c.task(), c.queue(), c.slice()), List.of(c.succeeded(), c.dead())));
		Map<List<Object>, long[]> expected = new HashMap<>();
		for (Job job : fixture.jobs) {
			if (job.status == JobStatus.SUCCEEDED || job.status == JobStatus.DEAD) {
				int slice = (job.id.compareTo(middle) < 0) ? 0 : 1;
				long[] n = expected.computeIfAbsent(List.of(job.task, job.queue, slice), (key) -> new long[2]);
				n[(job.status == JobStatus.SUCCEEDED) ? 0 : 1]++;
			}
		}
		Map<List<Object>, List<Long>> expectedLists = new HashMap<>();
		expected.forEach((key, n) -> expectedLists.put(key, List.of(n[0], n[1])));
		assertThat(actual).isEqualTo(expectedLists);
		assertThat(counts).hasSize(expected.size());
		assertThat(this.store.finishedCounts(List.of(JobId.lowestAt(before.minusSeconds(60)), JobId.lowestAt(before))))
			.as("a slice before every job").isEmpty();
		assertThat(this.store.finishedCounts(List.of(JobId.lowestAt(before), end)).stream()
			.mapToLong((c) -> c.succeeded() + c.dead())
			.sum()).as("one slice of every job").isEqualTo(16);
	}

	@Test
	void pagingThroughTenThousandJobsSeesEachOnceWhileOthersChangeState() throws Exception {
		int jobs = 10_000;
		List<NewJob> moving = new ArrayList<>();
		List<NewJob> staying = new ArrayList<>();
		for (int i = 0; i < jobs; i++) {
			// Interleaved ids: the jobs that change state sit between the ones that do not.
			if (i % 2 == 0) {
				moving.add(new NewJob(JobId.newId(), "moving", (i % 4 == 0) ? "q1" : "q2", "[]", 0, Duration.ZERO, null,
						null, 0, null));
			}
			else {
				staying.add(new NewJob(JobId.newId(), "staying", (i % 4 == 1) ? "q1" : "q2", "[]", 0, Duration.ZERO,
						null, null, 0, null));
			}
		}
		List<NewJob> everything = new ArrayList<>(moving);
		everything.addAll(staying);
		for (int from = 0; from < everything.size(); from += 1000) {
			this.store.enqueue(everything.subList(from, Math.min(from + 1000, everything.size())));
		}
		AtomicBoolean walking = new AtomicBoolean(true);
		ExecutorService churn = Executors.newSingleThreadExecutor();
		Future<Integer> changed = churn.submit(() -> {
			// Claims the moving jobs and finishes them, half succeeded and half dead, while the
			// walks below page through the store.
			int done = 0;
			while (walking.get()) {
				List<ClaimedJob> claimed = this.store.claim(new ClaimRequest(INSTANCE, LEASE, 50, Set.of("q1", "q2"),
						Map.of("moving", 50), Map.of()), UUID.randomUUID());
				if (claimed.isEmpty()) {
					break;
				}
				List<Outcome> outcomes = new ArrayList<>();
				for (ClaimedJob job : claimed) {
					outcomes.add(((done++ % 2) == 0) ? new Outcome.Succeeded(job.claim(), null)
							: new Outcome.Failed(job.claim(), "boom", null));
				}
				this.store.finish(outcomes, false);
			}
			return done;
		});
		try {
			List<JobId> everyJob = walk(JobQuery.all().limit(100));
			List<JobId> pending = walk(JobQuery.all().status(JobStatus.PENDING).limit(100));
			List<JobId> stayingInQ1 = walk(JobQuery.all().status(JobStatus.PENDING).queue("q1").limit(100));
			walking.set(false);
			assertThat(changed.get(60, TimeUnit.SECONDS)).as("jobs that changed state during the walks").isPositive();

			assertThat(everyJob).doesNotHaveDuplicates().hasSize(jobs);
			assertThat(everyJob).isSortedAccordingTo(Comparator.naturalOrder());
			assertThat(pending).doesNotHaveDuplicates().containsAll(staying.stream().map(NewJob::id).toList());
			assertThat(pending).isSortedAccordingTo(Comparator.naturalOrder());
			assertThat(stayingInQ1).doesNotHaveDuplicates()
				.containsAll(staying.stream().filter((job) -> job.queue().equals("q1")).map(NewJob::id).toList());
		}
		finally {
			walking.set(false);
			churn.shutdownNow();
		}
	}

	private List<JobId> walk(JobQuery query) {
		List<JobId> seen = new ArrayList<>();
		List<JobView> page = this.store.jobs(query);
		while (!page.isEmpty()) {
			seen.addAll(ids(page));
			page = this.store.jobs(query.after(page.get(page.size() - 1).id()));
		}
		return seen;
	}

	@Test
	void jobCountsArePerTaskAndQueue() {
		Fixture fixture = new Fixture();
		Map<String, long[]> expected = new HashMap<>();
		for (Job job : fixture.jobs) {
			long[] counts = expected.computeIfAbsent(job.task + "/" + job.queue, (key) -> new long[3]);
			switch (job.status) {
				case PENDING -> counts[0]++;
				case RUNNING -> counts[1]++;
				case DEAD -> counts[2]++;
				default -> {
				}
			}
		}
		expected.values().removeIf((counts) -> counts[0] + counts[1] + counts[2] == 0);
		List<JobCounts> counts = this.store.jobCounts();
		assertThat(counts).hasSize(expected.size());
		for (JobCounts pair : counts) {
			long[] want = expected.get(pair.task() + "/" + pair.queue());
			assertThat(want).as("pair %s/%s", pair.task(), pair.queue()).isNotNull();
			assertThat(new long[] { pair.pending(), pair.running(), pair.dead() }).as("%s/%s", pair.task(), pair.queue())
				.containsExactly(want);
		}
		assertThat(counts).isSortedAccordingTo(Comparator.comparing(JobCounts::task).thenComparing(JobCounts::queue));
	}

	// bulk steps

	@Test
	void cancelStepCancelsPendingJobsUpToTheBoundInIdOrder() {
		Fixture fixture = new Fixture();
		List<JobId> pending = ids(fixture.jobs, (job) -> job.status == JobStatus.PENDING && job.task.equals("alpha"));
		assertThat(pending).hasSizeGreaterThanOrEqualTo(4);
		JobQuery query = JobQuery.all().status(JobStatus.PENDING).task("alpha").limit(2);
		assertThat(this.store.newestId(query)).contains(pending.get(pending.size() - 1));
		JobId upTo = pending.get(pending.size() - 2);

		BulkStep first = this.store.cancelStep(query, upTo);
		assertThat(first.changed()).isEqualTo(2);
		assertThat(first.last()).isEqualTo(pending.get(1));
		assertThat(first.changedJobs()).extracting(BulkStep.ChangedJob::id).containsExactlyInAnyOrderElementsOf(
				pending.subList(0, 2));
		assertThat(first.changedJobs()).extracting(BulkStep.ChangedJob::taskName).containsOnly("alpha");
		List<JobId> cancelled = new ArrayList<>(pending.subList(0, 2));
		BulkStep step = first;
		while (step.last() != null && step.last().compareTo(upTo) < 0) {
			step = this.store.cancelStep(query.after(step.last()), upTo);
			cancelled.addAll(pending.subList(cancelled.size(), cancelled.size() + step.changed()));
		}
		assertThat(cancelled).containsExactlyElementsOf(pending.subList(0, pending.size() - 1));
		for (JobId id : pending.subList(0, pending.size() - 1)) {
			assertThat(this.store.find(id).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
		}
		assertThat(this.store.find(pending.get(pending.size() - 1)).orElseThrow().status())
			.as("the job past the bound").isEqualTo(JobStatus.PENDING);
		for (Job other : fixture.jobs) {
			if (!(other.task.equals("alpha") && other.status == JobStatus.PENDING)) {
				assertThat(this.store.find(other.id).orElseThrow().status()).as("%s", other).isEqualTo(other.status);
			}
		}
		assertThat(this.store.cancelStep(query.after(pending.get(pending.size() - 2)), upTo).changed()).isZero();
	}

	@Test
	void retryStepRetriesDeadJobsAndSkipsThoseWhoseUniqueKeyIsHeld() {
		NewJob keyedA = keyed("held");
		NewJob keyedB = keyed("twice");
		NewJob keyedC = keyed("twice");
		NewJob plain = job("retried", "default");
		this.store.enqueue(List.of(keyedA, plain));
		killAll("retried");
		this.store.enqueue(List.of(keyedB));
		killAll("retried");
		this.store.enqueue(List.of(keyedC));
		killAll("retried");
		NewJob holder = keyed("held");
		assertThat(this.store.enqueue(List.of(holder))).containsExactly(holder.id());

		JobQuery query = JobQuery.all().status(JobStatus.DEAD).task("retried").limit(10);
		JobId upTo = this.store.newestId(query).orElseThrow();
		BulkStep step = this.store.retryStep(query, upTo);
		assertThat(step.changed()).isEqualTo(2);
		assertThat(step.skipped()).isEqualTo(2);
		assertThat(this.store.find(plain.id()).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		assertThat(this.store.find(plain.id()).orElseThrow().attempts()).isZero();
		assertThat(this.store.find(keyedA.id()).orElseThrow().status()).as("its key is held").isEqualTo(JobStatus.DEAD);
		assertThat(this.store.find(keyedB.id()).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		assertThat(this.store.find(keyedC.id()).orElseThrow().status()).as("the earlier job took its key")
			.isEqualTo(JobStatus.DEAD);
		assertThat(this.store.retryStep(query.after(step.last()), upTo).changed()).isZero();
	}

	@Test
	void newestIdIsEmptyWhenNothingMatches() {
		assertThat(this.store.newestId(JobQuery.all().status(JobStatus.DEAD))).isEmpty();
		new Fixture();
		assertThat(this.store.newestId(JobQuery.all().task("nobody"))).isEmpty();
	}

	// single jobs

	@Test
	void rescheduleMovesOnlyAPendingJobsDueTime() {
		NewJob job = job("moved", "default");
		this.store.enqueue(List.of(job));
		Instant later = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
		assertThat(this.store.reschedule(job.id(), later)).isTrue();
		assertThat(this.store.find(job.id()).orElseThrow().runAt()).isEqualTo(later);
		assertThat(claim("moved")).as("not due any more").isEmpty();
		assertThat(this.store.jobs(JobQuery.all().dueFrom(later))).extracting(JobView::id).containsExactly(job.id());

		assertThat(this.store.reschedule(job.id(), Instant.now().minusSeconds(5))).isTrue();
		List<ClaimedJob> claimed = claim("moved");
		assertThat(claimed).extracting(ClaimedJob::id).containsExactly(job.id());
		assertThat(this.store.reschedule(job.id(), later)).as("running").isFalse();
		this.store.finish(List.of(new Outcome.Succeeded(claimed.get(0).claim(), null)), false);
		assertThat(this.store.reschedule(job.id(), later)).as("succeeded").isFalse();
		assertThat(this.store.reschedule(JobId.newId(), later)).as("unknown").isFalse();
	}

	@Test
	void deleteRemovesOnlyAFinishedJob() {
		Fixture fixture = new Fixture();
		for (Job job : fixture.jobs) {
			boolean finished = job.status.isFinished();
			assertThat(this.store.delete(job.id)).as("%s", job).isEqualTo(finished);
			assertThat(this.store.find(job.id).isPresent()).as("%s", job).isEqualTo(!finished);
		}
		assertThat(this.store.jobs(JobQuery.all().limit(1000))).extracting(JobView::status)
			.allMatch((status) -> !status.isFinished());
		assertThat(this.store.count(JobQuery.all().status(JobStatus.SUCCEEDED, JobStatus.DEAD, JobStatus.CANCELLED)))
			.isZero();
		assertThat(this.store.delete(JobId.newId())).isFalse();
	}

	// awaiting

	@Test
	void aWatchedJobThatFinishesIsToldToEveryInstance() {
		ClaimStore other = newStartedStore();
		List<JobId> told = new CopyOnWriteArrayList<>();
		other.addFinishedListener(told::add);
		this.store.addFinishedListener(told::add);
		NewJob succeeds = job("awaited", "default");
		NewJob dies = job("awaited", "default");
		NewJob cancelled = job("awaited", "default");
		NewJob unwatched = job("awaited", "default");
		this.store.enqueue(List.of(succeeds, dies, cancelled, unwatched));
		for (NewJob job : List.of(succeeds, dies, cancelled)) {
			assertThat(other.watch(job.id()).orElseThrow().status()).isEqualTo(JobStatus.PENDING);
		}
		assertThat(this.store.cancel(cancelled.id())).isTrue();
		List<ClaimedJob> claimed = claim("awaited");
		List<Outcome> outcomes = new ArrayList<>();
		for (ClaimedJob job : claimed) {
			outcomes.add(job.id().equals(dies.id()) ? new Outcome.Failed(job.claim(), "boom", null)
					: new Outcome.Succeeded(job.claim(), "42"));
		}
		this.store.finish(outcomes, false);
		await().atMost(PATIENCE).untilAsserted(() -> assertThat(told).containsOnly(succeeds.id(), dies.id(),
				cancelled.id()).contains(succeeds.id(), dies.id(), cancelled.id()));
		assertThat(Collections.frequency(told, succeeds.id())).as("once per listener").isEqualTo(2);
		assertThat(told).doesNotContain(unwatched.id());
	}

	@Test
	void watchingReturnsTheJobAsItIsAndNothingForAnUnknownJob() {
		assertThat(this.store.watch(JobId.newId())).isEmpty();
		NewJob job = job("watched", "default");
		this.store.enqueue(List.of(job));
		ClaimedJob claimed = claim("watched").get(0);
		this.store.finish(List.of(new Outcome.Succeeded(claimed.claim(), "\"done\"")), false);
		JobView view = this.store.watch(job.id()).orElseThrow();
		assertThat(view.status()).isEqualTo(JobStatus.SUCCEEDED);
		assertThat(view.result()).isEqualTo("\"done\"");
	}

	// pauses

	@Test
	void aConfiguredPauseAppliesOnlyWhenTheConfiguredValueChanged() {
		assertThat(this.store.applyConfiguredPause("mail", false)).as("first configured").isTrue();
		assertThat(this.store.pausedQueues()).doesNotContain("mail");
		this.store.setQueuePaused("mail", true);
		assertThat(this.store.applyConfiguredPause("mail", false)).as("same configured value again").isFalse();
		assertThat(this.store.pausedQueues()).as("the runtime pause survives").contains("mail");
		assertThat(this.store.applyConfiguredPause("mail", true)).as("a changed configured value").isTrue();
		assertThat(this.store.pausedQueues()).contains("mail");
		this.store.setQueuePaused("mail", false);
		assertThat(this.store.applyConfiguredPause("mail", true)).isFalse();
		assertThat(this.store.pausedQueues()).as("the runtime resume survives").doesNotContain("mail");
		assertThat(this.store.applyConfiguredPause("mail", false)).isTrue();
		assertThat(this.store.pausedQueues()).doesNotContain("mail");

		this.store.setQueuePaused("other", true);
		assertThat(this.store.applyConfiguredPause("other", true)).as("never configured before").isTrue();
		assertThat(this.store.pausedQueues()).contains("other");
	}

	// helpers

	/**
	 * Jobs of two tasks in two queues in every status: per (task, queue) pair, 3 pending (one
	 * of them delayed), 2 running, 2 succeeded, 2 dead and 1 cancelled.
	 */
	private final class Fixture {

		final List<Job> jobs = new ArrayList<>();

		Fixture() {
			for (String task : List.of("alpha", "beta")) {
				for (String queue : List.of("q1", "q2")) {
					List<NewJob> batch = new ArrayList<>();
					for (int i = 0; i < 10; i++) {
						batch.add((i == 9) ? new NewJob(JobId.newId(), task, queue, "[]", 0, Duration.ofHours(1), null,
								null, 0, null) : job(task, queue));
					}
					store.enqueue(batch);
					List<ClaimedJob> claimed = store.claim(new ClaimRequest(INSTANCE, LEASE, 6, Set.of(queue),
							Map.of(task, 6), Map.of()), UUID.randomUUID());
					assertThat(claimed).hasSize(6);
					Map<JobId, JobStatus> status = new HashMap<>();
					batch.forEach((job) -> status.put(job.id(), JobStatus.PENDING));
					List<Outcome> outcomes = new ArrayList<>();
					for (int i = 0; i < claimed.size(); i++) {
						ClaimedJob job = claimed.get(i);
						if (i < 2) {
							status.put(job.id(), JobStatus.RUNNING);
						}
						else if (i < 4) {
							outcomes.add(new Outcome.Succeeded(job.claim(), "\"ok\""));
							status.put(job.id(), JobStatus.SUCCEEDED);
						}
						else {
							outcomes.add(new Outcome.Failed(job.claim(), "boom", null));
							status.put(job.id(), JobStatus.DEAD);
						}
					}
					store.finish(outcomes, false);
					JobId toCancel = batch.stream().map(NewJob::id)
						.filter((id) -> status.get(id) == JobStatus.PENDING)
						.findFirst()
						.orElseThrow();
					assertThat(store.cancel(toCancel)).isTrue();
					status.put(toCancel, JobStatus.CANCELLED);
					batch.forEach((job) -> this.jobs.add(new Job(job.id(), task, queue, status.get(job.id()))));
				}
			}
		}

	}

	private record Job(JobId id, String task, String queue, JobStatus status) {

	}

	private void assertListed(JobQuery query, List<Job> all, Predicate<Job> filter) {
		List<JobId> expected = ids(all, filter);
		assertThat(ids(this.store.jobs(query.limit(1000)))).as("%s", query).containsExactlyElementsOf(expected);
		assertThat(this.store.count(query)).as("count of %s", query).isEqualTo(expected.size());
		if (expected.size() > 2) {
			assertThat(ids(this.store.jobs(query.limit(2)))).as("first page of %s", query)
				.containsExactlyElementsOf(expected.subList(0, 2));
			assertThat(ids(this.store.jobs(query.after(expected.get(1)).limit(1000)))).as("after, %s", query)
				.containsExactlyElementsOf(expected.subList(2, expected.size()));
		}
		if (!expected.isEmpty()) {
			assertThat(this.store.newestId(query)).as("newest of %s", query).contains(expected.get(expected.size() - 1));
		}
		else {
			assertThat(this.store.newestId(query)).as("newest of %s", query).isEmpty();
		}
	}

	private static List<JobId> ids(List<Job> jobs, Predicate<Job> filter) {
		return jobs.stream().filter(filter).map(Job::id).sorted().toList();
	}

	private static List<JobId> ids(List<JobView> views) {
		return views.stream().map(JobView::id).toList();
	}

	private static NewJob job(String task, String queue) {
		return new NewJob(JobId.newId(), task, queue, "[]", 0, Duration.ZERO, null, null, 0, null);
	}

	private static NewJob keyed(String key) {
		return new NewJob(JobId.newId(), "retried", "default", "[]", 0, Duration.ZERO, null, key, 0, null);
	}

	private List<ClaimedJob> claim(String task) {
		return this.store.claim(new ClaimRequest(INSTANCE, LEASE, 100, Set.of("default"), Map.of(task, 100), Map.of()),
				UUID.randomUUID());
	}

	private void killAll(String task) {
		List<Outcome> outcomes = new ArrayList<>();
		for (ClaimedJob job : claim(task)) {
			outcomes.add(new Outcome.Failed(job.claim(), "boom", null));
		}
		assertThat(this.store.finish(outcomes, false)).hasSize(outcomes.size());
	}

}
