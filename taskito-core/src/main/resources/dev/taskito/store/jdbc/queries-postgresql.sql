-- The PostgreSQL store's statements, one per "-- name:" block, with ${prefix} replaced by
-- the table prefix once when the store is built. Times are clock_timestamp(): the store's
-- clock, never an instance's, and the real time even inside a longer transaction.
-- Lists travel as arrays so that a batch is one statement, not one per row.

-- name: count-schema-objects
-- How many of the schema's tables, indexes and triggers (the second list holds both) and
-- added columns ("table.column") exist, and how many of the indexes it drops still do, read
-- from the catalog without taking any lock on the tables: a running cluster is not disturbed
-- by an instance that starts.
WITH names AS (SELECT ?::text[] AS tables, ?::text[] AS objects, ?::text[] AS columns, ?::text[] AS dropped)
SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND (c.relname = ANY(names.tables) OR c.relname = ANY(names.objects)))
	+ (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND t.tgname = ANY(names.objects))
	+ (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND NOT a.attisdropped AND a.attnum > 0
			AND c.relname || '.' || a.attname = ANY(names.columns)) AS present,
	(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relname = ANY(names.dropped)) AS obsolete
FROM names;

-- name: check-tables
-- The tables of the first version; tables added since are checked with the added columns.
SELECT 1 FROM ${prefix}jobs, ${prefix}claims, ${prefix}instances, ${prefix}queues, ${prefix}rate_buckets WHERE 1 = 0;

-- name: schema-lock
SELECT pg_advisory_xact_lock(?);

-- name: enqueue
-- A conflicting unique key (or a repeated id) skips its row without failing the batch;
-- the notification is sent once, and only when something was stored, and PostgreSQL
-- delivers it when the caller's transaction commits.
WITH now AS (SELECT clock_timestamp() AS ts),
inserted AS (
	INSERT INTO ${prefix}jobs (id, task, queue, payload, priority, status, attempts, max_retries, timeout_ms,
			unique_key, created_at, run_at, headers, concurrency_key)
	SELECT n.id, n.task, n.queue, n.payload, n.priority, CASE WHEN n.concurrency_key IS NULL THEN 'PENDING' ELSE 'KEYED' END,
			0, n.max_retries, n.timeout_ms, n.unique_key, now.ts,
			CASE WHEN n.run_at_us IS NOT NULL THEN timestamptz 'epoch' + n.run_at_us * interval '1 microsecond'
				ELSE now.ts + n.delay_us * interval '1 microsecond' END,
			n.headers, n.concurrency_key
	FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::int[], ?::int[], ?::bigint[], ?::text[], ?::bigint[],
			?::bigint[], ?::text[], ?::text[])
		AS n(id, task, queue, payload, priority, max_retries, timeout_ms, unique_key, delay_us, run_at_us, headers,
			concurrency_key)
	CROSS JOIN now
	ON CONFLICT DO NOTHING
	RETURNING id
)
SELECT id, (SELECT pg_notify('${prefix}wakeup', '')) AS notified FROM inserted;

-- name: enqueue-existing
SELECT id, unique_key FROM ${prefix}jobs
WHERE (unique_key = ANY(?::text[]) AND status IN ('PENDING', 'KEYED', 'RUNNING')) OR id = ANY(?::uuid[]);

-- name: find
SELECT id, task, queue, status, attempts, max_retries, priority, created_at, run_at, started_at, finished_at,
		last_error, result, unique_key, scheduled_for, concurrency_key
FROM ${prefix}jobs WHERE id = ?;

-- name: payload
SELECT payload FROM ${prefix}jobs WHERE id = ?;

-- name: cancel-jobs
-- The given jobs that are PENDING become CANCELLED; an awaited one is announced on the
-- finished channel, delivered when the transaction (possibly the caller's) commits.
WITH cancelled AS (
	UPDATE ${prefix}jobs SET status = 'CANCELLED', finished_at = clock_timestamp()
	WHERE id = ANY(?::uuid[]) AND status IN ('PENDING', 'KEYED')
	RETURNING id, task, queue, awaited
)
SELECT id, task, queue, awaited, CASE WHEN awaited THEN pg_notify('${prefix}finished', id::text) END AS notified FROM cancelled;

-- name: retry
UPDATE ${prefix}jobs SET status = CASE WHEN concurrency_key IS NULL THEN 'PENDING' ELSE 'KEYED' END, attempts = 0,
		run_at = clock_timestamp(), finished_at = NULL
WHERE id = ? AND status = 'DEAD';

-- name: retry-key-holder
-- The active job that holds a dead job's unique key now, if any: a retry must not make a
-- second active job with that key.
SELECT dead.unique_key, holder.id FROM ${prefix}jobs dead
JOIN ${prefix}jobs holder ON holder.unique_key = dead.unique_key AND holder.status IN ('PENDING', 'KEYED', 'RUNNING')
WHERE dead.id = ? AND dead.status = 'DEAD' AND holder.id <> dead.id;

-- name: pause
INSERT INTO ${prefix}queues (queue, paused) VALUES (?, ?)
ON CONFLICT (queue) DO UPDATE SET paused = EXCLUDED.paused;

-- name: apply-configured-pause
-- Sets the pause only when the configured value differs from the one configured last; a row
-- comes back when it did.
INSERT INTO ${prefix}queues (queue, paused, configured_paused)
SELECT v.queue, v.paused, v.paused FROM (VALUES (?::text, ?::boolean)) AS v(queue, paused)
ON CONFLICT (queue) DO UPDATE SET paused = EXCLUDED.paused, configured_paused = EXCLUDED.configured_paused
WHERE ${prefix}queues.configured_paused IS DISTINCT FROM EXCLUDED.configured_paused
RETURNING queue;

-- name: paused-queues
SELECT queue FROM ${prefix}queues WHERE paused;

-- name: plan-settings
-- A claim is three statements sent in one round trip, which the driver runs as one
-- transaction: plan-settings, claim-locks and claim-jobs (PostgresDialect joins them).
-- The first lets the claim reuse its cached plan: planning this statement anew for every
-- claim costs more than running it for a batch of 16 jobs. A cached plan is made once, from
-- the statistics of that moment, which say little about a queue table (a claims table of a
-- few live rows and many dead ones looks cheapest to scan whole), so it is made with every
-- join a nested loop and every table read through an index: the plan that suits small
-- batches against tables of any size. The settings end with the transaction.
-- The second takes the advisory lock of every cap the claim must respect (none for an
-- uncapped claim), in the caller's fixed order so claimers never wait for each other in a
-- cycle. The lock is held until commit, so the third statement, whose snapshot is taken
-- once the lock is held, counts every claim that another capped claimer committed before
-- it, and claims no more than the cap leaves room for. A cap's lock is taken only when one
-- of the (task, queue) pairs it gates has a PENDING job (one probe of jobs_pending per
-- pair): a capped task with nothing to claim must not make every claimer in the cluster,
-- uncapped work included, take turns behind its lock. The probe is a LATERAL with LIMIT 1,
-- so that the cached plan probes the index once per pair (an EXISTS was planned as a scan of
-- every pending job), and it reads a column outside the index, so that it is a plain index
-- scan, which marks the entries of claimed jobs dead as it passes them (an index-only scan
-- would visit them again on every claim until a vacuum). A capped job enqueued between the
-- probe and the claim may then be claimed without the lock; the post-claim count, which
-- alone admits a job, gives it back if that passed the cap.
-- The third statement: lock up to a quota of due jobs per task and queue (skipping rows
-- other claimers hold), keep those within the queue limits, then within the task limits,
-- then the best "limit" of them, and move exactly those to RUNNING with their claims.
-- MATERIALIZED keeps the picked set from being re-evaluated, which could otherwise claim
-- more rows than the limit. Rows locked but not picked are unlocked at commit.
-- A claim on its own (claim-jobs' parameter 'off'; NULL keeps the server's setting) does
-- not wait for the WAL flush (synchronous_commit off for this transaction only): it is
-- visible to every other session at once, which is all the post-claim count needs. A server crash (not a clean restart) can lose the claims of its
-- last moments (at most 3 x wal_writer_delay): their jobs are PENDING again, attempt
-- unspent, while their handlers may still run until the claiming instance's next heartbeat
-- finds the claim gone, so such a job can run twice and a cap be passed until then. A durable
-- claim cost a quarter of the two-instance drain; docs/performance.md has the figures and
-- the decision. Outcomes keep the server's durable commit, and so does a claim made in the
-- same transaction as outcomes (finish-jobs).
SELECT set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_seqscan', 'off', true),
		set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true);

-- name: claim-locks
SELECT pg_advisory_xact_lock(locks.k) FROM (
	SELECT DISTINCT l.k FROM unnest(?::bigint[], ?::text[], ?::text[]) AS l(k, task, queue)
	CROSS JOIN LATERAL (
		SELECT j.attempts FROM ${prefix}jobs j
		WHERE j.task = l.task AND j.queue = l.queue AND j.status = 'PENDING'
		LIMIT 1
	) pending
	ORDER BY l.k
) locks;

-- name: claim-jobs
WITH now AS (SELECT clock_timestamp() AS ts,
		set_config('synchronous_commit', COALESCE(?, current_setting('synchronous_commit')), true) AS durability),
task_limits AS MATERIALIZED (
	SELECT l.task, CASE WHEN l.cap IS NULL THEN l.n
		ELSE GREATEST(LEAST(l.n, l.cap - (SELECT count(*) FROM ${prefix}claims c WHERE c.task = l.task)), 0) END AS n
	FROM unnest(?::text[], ?::int[], ?::int[]) AS l(task, n, cap)
),
queue_limits AS MATERIALIZED (
	SELECT l.queue, CASE WHEN l.cap IS NULL THEN l.n
		ELSE GREATEST(LEAST(l.n, l.cap - (SELECT count(*) FROM ${prefix}claims c WHERE c.queue = l.queue)), 0) END AS n
	FROM unnest(?::text[], ?::int[], ?::int[]) AS l(queue, n, cap)
),
candidates AS MATERIALIZED (
	SELECT j.id, j.task, j.queue, j.priority, j.run_at
	FROM unnest(?::text[], ?::text[], ?::int[]) AS quota(task, queue, n)
	JOIN task_limits tl ON tl.task = quota.task
	LEFT JOIN queue_limits ql ON ql.queue = quota.queue
	CROSS JOIN LATERAL (
		SELECT id, task, queue, priority, run_at FROM ${prefix}jobs
		WHERE task = quota.task AND queue = quota.queue AND status = 'PENDING'
			AND run_at <= (SELECT ts FROM now)
		ORDER BY priority DESC, run_at, id
		LIMIT LEAST(quota.n, tl.n, ql.n)
		FOR UPDATE SKIP LOCKED
	) j
),
queue_ranked AS (
	SELECT c.*, row_number() OVER (PARTITION BY c.queue ORDER BY c.priority DESC, c.run_at, c.id) AS queue_rank
	FROM candidates c
),
within_queue_limits AS (
	SELECT r.id, r.task, r.priority, r.run_at FROM queue_ranked r
	LEFT JOIN queue_limits ql ON ql.queue = r.queue
	WHERE ql.n IS NULL OR r.queue_rank <= ql.n
),
task_ranked AS (
	SELECT w.*, row_number() OVER (PARTITION BY w.task ORDER BY w.priority DESC, w.run_at, w.id) AS task_rank
	FROM within_queue_limits w
),
picked AS MATERIALIZED (
	SELECT t.id FROM task_ranked t
	JOIN task_limits tl ON tl.task = t.task
	WHERE t.task_rank <= tl.n
	ORDER BY t.priority DESC, t.run_at, t.id
	LIMIT ?
),
claimed AS (
	-- A single-table update by "id = ANY(the picked ids)", never a join a plan could turn
	-- into a scan of every running job's index entry (see finish-jobs).
	UPDATE ${prefix}jobs j SET status = 'RUNNING', attempts = j.attempts + 1, started_at = (SELECT ts FROM now)
	WHERE j.id = ANY(ARRAY(SELECT id FROM picked))
	RETURNING j.id, j.task, j.queue, j.payload, j.attempts, j.max_retries, j.timeout_ms, j.priority, j.run_at,
		j.headers, j.scheduled_for, j.concurrency_key
),
claims AS (
	INSERT INTO ${prefix}claims (job_id, task, queue, instance_id, claim_token, batch_id, claimed_at, lease_expires_at)
	SELECT c.id, c.task, c.queue, ?, gen_random_uuid(), ?, now.ts, now.ts + ? * interval '1 millisecond'
	FROM claimed c CROSS JOIN now
	RETURNING job_id, claim_token, lease_expires_at
)
SELECT c.id, c.task, c.queue, c.payload, c.attempts, c.max_retries, c.timeout_ms, c.priority,
		cl.claim_token, cl.lease_expires_at, c.run_at, c.headers, c.scheduled_for, c.concurrency_key
FROM claimed c JOIN claims cl ON cl.job_id = c.id
ORDER BY c.priority DESC, c.run_at, c.id;

-- name: recover-claim
SELECT j.id, j.task, j.queue, j.payload, j.attempts, j.max_retries, j.timeout_ms, j.priority,
		c.claim_token, c.lease_expires_at, j.run_at, j.headers, j.scheduled_for, j.concurrency_key
FROM ${prefix}claims c JOIN ${prefix}jobs j ON j.id = c.job_id
WHERE c.instance_id = ? AND c.batch_id = ?
ORDER BY j.priority DESC, j.run_at, j.id;

-- name: count-claims
SELECT 'T' AS kind, task AS name, count(*) AS claims FROM ${prefix}claims WHERE task = ANY(?::text[]) GROUP BY task
UNION ALL
SELECT 'Q', queue, count(*) FROM ${prefix}claims WHERE queue = ANY(?::text[]) GROUP BY queue;

-- name: delete-claims
-- The fence: a claim goes only when both its job and its token match. Like every statement
-- that changes several claims, it locks them in job id order first, so that two of them
-- (a heartbeat and a finish, say) never wait for each other in a cycle.
-- The claims table is never a side of a join that a plan could turn around. A claim is
-- looked up by its job id from the given list (a LATERAL, so the list is always the outer
-- side, sorted so that the locks are taken in job id order), and the change is a
-- single-table statement on "job_id = ANY(the locked ids)": an ANALYZE that finds the table
-- empty (autovacuum does, whenever the queue is idle) once made a cached plan scan the
-- whole table as the outer side of a join and re-run the locking for every row it met.
-- (Bounding both sides of a join instead, "job_id = x AND job_id = ANY(list)", makes the
-- index probe every element of the list for every row: quadratic in the batch.)
WITH locked AS MATERIALIZED (
	SELECT h.job_id FROM (SELECT * FROM unnest(?::uuid[], ?::uuid[]) AS r(job_id, token) ORDER BY r.job_id) r
	CROSS JOIN LATERAL (
		SELECT held.job_id FROM ${prefix}claims held
		WHERE held.job_id = r.job_id AND held.claim_token = r.token
		FOR UPDATE
	) h
)
DELETE FROM ${prefix}claims c
WHERE c.job_id = ANY(ARRAY(SELECT job_id FROM locked))
RETURNING c.job_id, c.claim_token;

-- name: rollback-jobs
-- The claim counted an attempt that never happened: take it back.
-- A single-table update by "id = ANY(the given ids)", as the claim's (see finish-jobs).
WITH a AS MATERIALIZED (SELECT ?::uuid[] AS ids, ?::bigint[] AS delays, clock_timestamp() AS ts)
UPDATE ${prefix}jobs j SET status = CASE WHEN j.concurrency_key IS NULL THEN 'PENDING' ELSE 'KEYED' END,
		attempts = GREATEST(j.attempts - 1, 0),
		run_at = (SELECT a.ts + a.delays[array_position(a.ids, j.id)] * interval '1 microsecond' FROM a)
WHERE j.id = ANY((SELECT ids FROM a)::uuid[]) AND j.status = 'RUNNING';

-- fragment: finish-outcomes
-- Records outcomes in one round trip (plan-settings, then this), committed durably as it
-- completes (auto-commit), or with a claim after it in the same round trip and transaction
-- (plan-settings, finish-jobs, claim-locks, claim-jobs with NULL: the server's durability):
-- removes the claims whose job and token both match (the fence; locked in job id order, as
-- delete-claims does), moves their jobs on, sends the wake-up when asked to and a claim
-- was released, and announces the awaited jobs that finished.
-- kind: S succeeded (body = result), R failed with a retry (body = error), D dead (body = error).
-- The claims are locked and removed without joining the claims table, as delete-claims
-- does; each outcome travels with its locked claim to its job, found by primary key.
WITH locked AS MATERIALIZED (
	SELECT h.job_id, o.kind, o.body, o.delay_us
	FROM (SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::bigint[])
			AS o(id, token, kind, body, delay_us) ORDER BY o.id) o
	CROSS JOIN LATERAL (
		SELECT held.job_id FROM ${prefix}claims held
		WHERE held.job_id = o.id AND held.claim_token = o.token
		FOR UPDATE
	) h
),
released AS (
	DELETE FROM ${prefix}claims c
	WHERE c.job_id = ANY(ARRAY(SELECT job_id FROM locked))
	RETURNING c.job_id, c.claim_token
),
v AS MATERIALIZED (
	SELECT array_agg(job_id) AS ids, array_agg(kind) AS kinds, array_agg(body) AS bodies,
			array_agg(delay_us) AS delays, clock_timestamp() AS ts
	FROM locked
),
finished AS (
	-- A single-table update by "id = ANY(the locked ids)": as a join with the locked claims,
	-- a plan could scan the whole index of running jobs, dead entries and all, as its outer
	-- side. Each job's outcome is found by its place in the locked ids.
	UPDATE ${prefix}jobs j SET (status, result, last_error, run_at, finished_at) = (
		SELECT CASE o.kind WHEN 'S' THEN 'SUCCEEDED'
					WHEN 'R' THEN CASE WHEN j.concurrency_key IS NULL THEN 'PENDING' ELSE 'KEYED' END ELSE 'DEAD' END,
				CASE WHEN o.kind = 'S' THEN o.body ELSE j.result END,
				CASE WHEN o.kind = 'S' THEN j.last_error ELSE o.body END,
				CASE WHEN o.kind = 'R' THEN o.ts + o.delay_us * interval '1 microsecond' ELSE j.run_at END,
				CASE WHEN o.kind = 'R' THEN NULL ELSE o.ts END
		FROM (SELECT v.kinds[p.n] AS kind, v.bodies[p.n] AS body, v.delays[p.n] AS delay_us, v.ts
				FROM v, (SELECT array_position(v2.ids, j.id) AS n FROM v v2) p) o
	)
	WHERE j.id = ANY((SELECT ids FROM v)::uuid[]) AND j.status = 'RUNNING'
	-- Each awaited job that finished (not one retried) is announced on the finished channel as
	-- the row is written, and no notification at all is sent when nobody awaits. The
	-- statement never reads this CTE (only finish-jobs-requeueing does), so PostgreSQL runs
	-- it to completion after the answer, RETURNING and all: read from the answer's query
	-- (a scan for awaited jobs), it cost the finish about 1.5 to 3 us per job more, measured
	-- with cached generic plans on tables of 160,000 running jobs.
	RETURNING j.id, j.status, j.task, j.queue, j.concurrency_key,
		CASE WHEN j.awaited AND j.status NOT IN ('PENDING', 'KEYED')
			THEN pg_notify('${prefix}finished', j.id::text) END AS finished_notified
)

-- fragment: finish-answer
SELECT r.job_id, r.claim_token, (SELECT pg_notify('${prefix}wakeup', '') WHERE ?) AS notified
FROM released r;

-- name: finish-jobs
-- Outcomes none of which is a retry (see finish-jobs-requeueing): no job becomes KEYED
-- again, so the statement has no write to job_keys, whose setting up every execution pays.
${fragment:finish-outcomes}
${fragment:finish-answer};

-- name: finish-jobs-requeueing
-- Outcomes among which are retries: a keyed job retried goes back in its key's round.
${fragment:finish-outcomes},
rekeyed AS (
	-- A keyed job retried waits in its key's round again (see requeue-keys).
	INSERT INTO ${prefix}job_keys (task, queue, concurrency_key, last_served)
	SELECT d.task, d.queue, d.concurrency_key, clock_timestamp()
	FROM (SELECT DISTINCT f.task, f.queue, f.concurrency_key FROM finished f WHERE f.status = 'KEYED') d
	ON CONFLICT (task, queue, concurrency_key) DO UPDATE SET last_served = ${prefix}job_keys.last_served
)
${fragment:finish-answer};

-- name: notify
SELECT pg_notify('${prefix}wakeup', '');

-- name: listen-finished
LISTEN ${prefix}finished;

-- name: listen
LISTEN ${prefix}wakeup;

-- name: unlisten
UNLISTEN *;

-- name: upsert-instance
INSERT INTO ${prefix}instances (instance_id, heartbeat_at, task_caps, queue_caps, served_tasks, served_queues,
		expires_at, running)
VALUES (?, clock_timestamp(), ?, ?, ?, ?, clock_timestamp() + ? * interval '1 millisecond', ?)
ON CONFLICT (instance_id) DO UPDATE
SET heartbeat_at = EXCLUDED.heartbeat_at, task_caps = EXCLUDED.task_caps, queue_caps = EXCLUDED.queue_caps,
	served_tasks = EXCLUDED.served_tasks, served_queues = EXCLUDED.served_queues, expires_at = EXCLUDED.expires_at,
	running = EXCLUDED.running;

-- name: renew-claims
-- Finds each claim by its job id and checks its token; locks in job id order, and never
-- joins the claims table, as delete-claims does.
WITH r AS MATERIALIZED (SELECT ?::bigint AS lease_ms),
locked AS MATERIALIZED (
	SELECT h.job_id FROM (SELECT * FROM unnest(?::uuid[], ?::uuid[]) AS p(job_id, token) ORDER BY p.job_id) p
	CROSS JOIN LATERAL (
		SELECT held.job_id FROM ${prefix}claims held
		WHERE held.job_id = p.job_id AND held.claim_token = p.token
		FOR UPDATE
	) h
)
UPDATE ${prefix}claims c SET lease_expires_at = clock_timestamp() + (SELECT lease_ms FROM r) * interval '1 millisecond'
WHERE c.job_id = ANY(ARRAY(SELECT job_id FROM locked))
RETURNING c.job_id, c.claim_token;

-- name: live-instance-caps
-- Also the store's time, which the instance passes to its reaper as proof it was connected.
SELECT task_caps, queue_caps, clock_timestamp() AS store_time FROM ${prefix}instances
WHERE heartbeat_at > clock_timestamp() - ? * interval '1 millisecond';

-- name: live-instance-served
-- What each live instance serves; NULL for an instance of an older version, whose row has
-- no expiry either: it counts as live for the default lease (?) after its heartbeat.
SELECT served_tasks, served_queues FROM ${prefix}instances
WHERE COALESCE(expires_at, heartbeat_at + ? * interval '1 millisecond') > clock_timestamp();

-- name: pending-pairs
-- The distinct (task, queue) pairs of PENDING jobs, without reading every pending job: a
-- "loose index scan" that jumps through jobs_pending (whose leading columns are task and
-- queue, for PENDING rows only) from one pair to the next, one index probe per pair.
WITH RECURSIVE pairs(task, queue) AS (
	(SELECT task, queue FROM ${prefix}jobs WHERE status = 'PENDING' ORDER BY task, queue LIMIT 1)
	UNION ALL
	SELECT next.task, next.queue FROM pairs p
	CROSS JOIN LATERAL (
		SELECT j.task, j.queue FROM ${prefix}jobs j
		WHERE j.status = 'PENDING' AND (j.task, j.queue) > (p.task, p.queue)
		ORDER BY j.task, j.queue
		LIMIT 1
	) next
)
SELECT task, queue FROM pairs;

-- name: count-pending
-- One pair's PENDING jobs, counted no further than the limit (?3) through jobs_pending.
SELECT count(*) FROM (
	SELECT 1 FROM ${prefix}jobs WHERE task = ? AND queue = ? AND status = 'PENDING' LIMIT ?
) capped;

-- name: keyed-pairs
-- The distinct (task, queue) pairs of KEYED jobs, as pending-pairs finds those of PENDING
-- jobs: a loose index scan through jobs_keyed, whose leading columns are task and queue (for
-- KEYED rows only), one index probe per pair whatever its keys and jobs.
WITH RECURSIVE pairs(task, queue) AS (
	(SELECT task, queue FROM ${prefix}jobs WHERE status = 'KEYED' ORDER BY task, queue LIMIT 1)
	UNION ALL
	SELECT next.task, next.queue FROM pairs p
	CROSS JOIN LATERAL (
		SELECT j.task, j.queue FROM ${prefix}jobs j
		WHERE j.status = 'KEYED' AND (j.task, j.queue) > (p.task, p.queue)
		ORDER BY j.task, j.queue
		LIMIT 1
	) next
)
SELECT task, queue FROM pairs;

-- name: count-keyed
-- One pair's KEYED jobs, counted no further than the limit (?3) through jobs_keyed: in the
-- index's order, so that no plan reads the table instead (a generic plan that expects the
-- limit to be met early chose to scan the whole table for the pair's rows).
SELECT count(*) FROM (
	SELECT 1 FROM ${prefix}jobs WHERE task = ? AND queue = ? AND status = 'KEYED'
	ORDER BY concurrency_key, priority DESC, run_at, id
	LIMIT ?
) capped;

-- name: gauges
-- The cluster's gauges in one statement, each part bounded by an index or by the claims
-- table (one row per RUNNING job), never by the PENDING jobs:
-- levels walks jobs_pending (task, queue, priority DESC, run_at, id) as a "loose index
-- scan" from one (task, queue, priority) to the next, one probe per distinct priority of
-- each pair (the next priority of the same pair, else the first of the next pair); each
-- pair's PENDING jobs are then counted no further than the limit, and each level's earliest
-- run_at is read with one probe (the first entry of that priority, if due). The earliest due
-- job of a pair is the earliest of its levels', since the index orders by run_at only within
-- a priority. Keyed jobs (status KEYED) are read from jobs_keyed_queue_due (queue COLLATE "C", run_at):
-- keyed_queues walks it from one queue to the next, one probe per queue, whose first entry is
-- the queue's earliest keyed run_at (its oldest keyed due time if it has come), and keyed
-- counts each queue's keyed jobs no further than the limit: never a walk across keys, which
-- jobs_keyed (ordered by key first) would need. Running jobs are counted from the claims table.
-- Rows: 'Q' per queue (pending, keyed or not, capped at the limit, running, oldest due), 'T'
-- per task with running jobs, and one 'S' row with the store's time.
WITH RECURSIVE q AS MATERIALIZED (SELECT ?::int AS n, clock_timestamp() AS ts),
levels(task, queue, priority) AS (
	(SELECT task, queue, priority FROM ${prefix}jobs WHERE status = 'PENDING'
		ORDER BY task, queue, priority DESC LIMIT 1)
	UNION ALL
	SELECT nxt.task, nxt.queue, nxt.priority FROM levels l
	CROSS JOIN LATERAL (
		(SELECT j.task, j.queue, j.priority FROM ${prefix}jobs j
			WHERE j.status = 'PENDING' AND j.task = l.task AND j.queue = l.queue AND j.priority < l.priority
			ORDER BY j.priority DESC LIMIT 1)
		UNION ALL
		(SELECT j.task, j.queue, j.priority FROM ${prefix}jobs j
			WHERE j.status = 'PENDING' AND (j.task, j.queue) > (l.task, l.queue)
			ORDER BY j.task, j.queue, j.priority DESC LIMIT 1)
		LIMIT 1
	) nxt
),
pending AS (
	SELECT p.queue, LEAST(sum(c.n), (SELECT n FROM q)) AS pending
	FROM (SELECT DISTINCT task, queue FROM levels) p CROSS JOIN q
	CROSS JOIN LATERAL (
		-- In the index's order, so that no plan reads the table instead: without it, a plan that
		-- expects the limit to be met early scans the whole table for the pair's rows.
		SELECT count(*) AS n FROM (
			SELECT 1 FROM ${prefix}jobs j
			WHERE j.task = p.task AND j.queue = p.queue AND j.status = 'PENDING'
			ORDER BY j.priority DESC, j.run_at, j.id
			LIMIT q.n
		) capped
	) c
	GROUP BY p.queue
),
due AS (
	SELECT l.queue, min(d.run_at) AS oldest FROM levels l CROSS JOIN q
	CROSS JOIN LATERAL (
		SELECT j.run_at FROM ${prefix}jobs j
		WHERE j.task = l.task AND j.queue = l.queue AND j.status = 'PENDING' AND j.priority = l.priority
			AND j.run_at <= q.ts
		ORDER BY j.run_at LIMIT 1
	) d
	GROUP BY l.queue
),
keyed_queues(queue, run_at) AS (
	-- "run_at > '-infinity'" is jobs_keyed_queue_due's predicate, which no other statement says.
	(SELECT queue COLLATE "C", run_at FROM ${prefix}jobs WHERE status = 'KEYED' AND run_at > '-infinity'
		ORDER BY queue COLLATE "C", run_at LIMIT 1)
	UNION ALL
	SELECT nxt.queue, nxt.run_at FROM keyed_queues k
	CROSS JOIN LATERAL (
		SELECT j.queue COLLATE "C", j.run_at FROM ${prefix}jobs j
		WHERE j.status = 'KEYED' AND j.run_at > '-infinity' AND j.queue COLLATE "C" > k.queue
		ORDER BY j.queue COLLATE "C", j.run_at LIMIT 1
	) nxt
),
keyed AS (
	SELECT k.queue, c.n AS pending, CASE WHEN k.run_at <= q.ts THEN k.run_at END AS oldest
	FROM keyed_queues k CROSS JOIN q
	CROSS JOIN LATERAL (
		-- In the index's order, as pending's count, so that no plan reads the table instead.
		SELECT count(*) AS n FROM (
			SELECT 1 FROM ${prefix}jobs j
			WHERE j.status = 'KEYED' AND j.run_at > '-infinity' AND j.queue COLLATE "C" = k.queue
			ORDER BY j.run_at
			LIMIT q.n
		) capped
	) c
),
running AS (
	SELECT queue, count(*) AS running FROM ${prefix}claims GROUP BY queue
),
queues AS (
	SELECT queue FROM pending UNION SELECT queue FROM keyed UNION SELECT queue FROM running
)
-- LEAST ignores a NULL: a queue's oldest due job is the earlier of its unkeyed and keyed ones.
SELECT 'Q' AS kind, qs.queue AS name,
		LEAST(COALESCE(p.pending, 0) + COALESCE(k.pending, 0), (SELECT n FROM q)) AS pending,
		COALESCE(r.running, 0) AS running, LEAST(d.oldest, k.oldest) AS oldest_due_at
FROM queues qs
LEFT JOIN pending p ON p.queue = qs.queue
LEFT JOIN keyed k ON k.queue = qs.queue
LEFT JOIN running r ON r.queue = qs.queue
LEFT JOIN due d ON d.queue = qs.queue
UNION ALL
SELECT 'T', task, 0, count(*), NULL FROM ${prefix}claims GROUP BY task
UNION ALL
SELECT 'S', NULL, 0, 0, ts FROM q;

-- name: live-instances
-- The instances whose record has not expired; one of an older version has no expiry and
-- counts as live for the default lease (?) after its heartbeat.
SELECT instance_id, heartbeat_at, COALESCE(expires_at, heartbeat_at + ? * interval '1 millisecond') AS expires_at,
		task_caps, queue_caps, served_tasks, served_queues, running
FROM ${prefix}instances
WHERE COALESCE(expires_at, heartbeat_at + ? * interval '1 millisecond') > clock_timestamp()
ORDER BY instance_id;

-- name: remove-instance
DELETE FROM ${prefix}instances WHERE instance_id = ?;

-- name: ensure-bucket
-- A bucket starts full.
INSERT INTO ${prefix}rate_buckets (bucket, tokens, updated_at) VALUES (?, ?, clock_timestamp())
ON CONFLICT (bucket) DO NOTHING;

-- name: lock-bucket
SELECT tokens, now.ts AS now, (extract(epoch FROM now.ts - updated_at) * 1000000)::bigint AS elapsed_us
FROM ${prefix}rate_buckets, (SELECT clock_timestamp() AS ts) now
WHERE bucket = ?
FOR UPDATE OF ${prefix}rate_buckets;

-- name: update-bucket
UPDATE ${prefix}rate_buckets SET tokens = ?, updated_at = ? WHERE bucket = ?;

-- name: reap-candidates
-- Running jobs whose lease expired a grace period ago and before the reaper's last
-- acknowledged heartbeat (so a reap held up in the network during an outage takes back only
-- what had expired before it), and running jobs without a claim (which only corruption can
-- make). It locks nothing: the reap then locks claims before jobs, in the order every finish
-- does, so a reap and a late finish of the same job never wait for each other in a cycle;
-- the next statements check again.
SELECT j.id, j.task, c.instance_id, c.claim_token
FROM ${prefix}jobs j LEFT JOIN ${prefix}claims c ON c.job_id = j.id
WHERE j.status = 'RUNNING'
	AND (c.job_id IS NULL OR (c.lease_expires_at <= clock_timestamp() - ? * interval '1 millisecond'
		AND c.lease_expires_at < ?));

-- name: reap-delete-claims
-- Checks expiry again: a heartbeat may have renewed the lease since the candidates were read.
-- Locks in job id order, as delete-claims does; a claim a finishing worker holds is left
-- for next time.
-- Never joins the claims table, as delete-claims does.
WITH locked AS MATERIALIZED (
	SELECT h.job_id FROM (SELECT * FROM unnest(?::uuid[], ?::uuid[]) AS p(job_id, token) ORDER BY p.job_id) p
	CROSS JOIN LATERAL (
		SELECT held.job_id FROM ${prefix}claims held
		WHERE held.job_id = p.job_id AND held.claim_token = p.token
			AND held.lease_expires_at <= clock_timestamp() - ? * interval '1 millisecond'
			AND held.lease_expires_at < ?
		FOR UPDATE SKIP LOCKED
	) h
)
DELETE FROM ${prefix}claims c
WHERE c.job_id = ANY(ARRAY(SELECT job_id FROM locked))
RETURNING c.job_id;

-- name: reap-jobs
-- An attempt was consumed by the claim; PENDING when retries are left, else DEAD, and an
-- awaited job that is DEAD is announced on the finished channel.
UPDATE ${prefix}jobs j SET
		status = CASE WHEN j.attempts > j.max_retries THEN 'DEAD' WHEN j.concurrency_key IS NULL THEN 'PENDING'
			ELSE 'KEYED' END,
		run_at = CASE WHEN j.attempts <= j.max_retries THEN now.ts ELSE j.run_at END,
		finished_at = CASE WHEN j.attempts <= j.max_retries THEN NULL ELSE now.ts END,
		last_error = CASE WHEN j.attempts <= j.max_retries THEN r.reason ELSE r.reason || '; no retries were left' END
FROM unnest(?::uuid[], ?::text[]) AS r(id, reason), (SELECT clock_timestamp() AS ts) now
WHERE j.id = r.id AND j.status = 'RUNNING'
	AND NOT EXISTS (SELECT 1 FROM ${prefix}claims c WHERE c.job_id = j.id)
RETURNING j.id, j.status, j.awaited,
	CASE WHEN j.awaited AND j.status = 'DEAD' THEN pg_notify('${prefix}finished', j.id::text) END AS notified;

-- name: purge-lock
-- One instance purges at a time: the others skip their round instead of deleting the same
-- rows. A session lock, held across the purge's chunks and released when it ends (or when
-- its connection closes).
SELECT pg_try_advisory_lock(?);

-- name: purge-unlock
SELECT pg_advisory_unlock(?);

-- name: purge
-- One bounded chunk of finished jobs past their retention, in a short transaction of its own;
-- rows a concurrent statement holds are left for the next chunk. Served by
-- jobs_listing_not_running, so that finished jobs need no index of their own (every index costs every job's row
-- versions, and the drain measured one more as 4 % with two instances): the (status, task,
-- queue) triples of finished jobs are found by the same loose index scan as the listing,
-- then each triple's jobs are read in id order up to the highest id a job created by the
-- cutoff can have (a UUIDv7 starts with its creation time in milliseconds, and no job
-- finishes before it was created). Jobs created before the cutoff that finished after it
-- (they waited or ran long) are passed over until they too are past their retention.
WITH RECURSIVE q AS MATERIALIZED (
	SELECT clock_timestamp() - ? * interval '1 millisecond' AS done_before,
		clock_timestamp() - ? * interval '1 millisecond' AS dead_before, ?::int AS n
),
cut AS MATERIALIZED (
	SELECT s.status, s.before,
		(substr(x.h, 1, 8) || '-' || substr(x.h, 9, 4) || '-ffff-ffff-ffffffffffff')::uuid AS last_id
	FROM q CROSS JOIN LATERAL (VALUES ('SUCCEEDED', q.done_before), ('CANCELLED', q.done_before),
			('DEAD', q.dead_before)) AS s(status, before)
	CROSS JOIN LATERAL (SELECT lpad(to_hex(floor(extract(epoch FROM s.before) * 1000)::bigint), 12, '0') AS h) x
),
pairs(status, task, queue) AS (
	SELECT f.status, f.task, f.queue FROM cut
	CROSS JOIN LATERAL (
		SELECT j.status, j.task, j.queue FROM ${prefix}jobs j
		WHERE j.status COLLATE "C" = cut.status AND j.status <> 'RUNNING'
		ORDER BY j.task COLLATE "C", j.queue COLLATE "C" LIMIT 1
	) f
	UNION ALL
	SELECT f.status, f.task, f.queue FROM pairs p
	CROSS JOIN LATERAL (
		SELECT j.status, j.task, j.queue FROM ${prefix}jobs j
		WHERE j.status COLLATE "C" = p.status AND j.status <> 'RUNNING'
			AND (j.task COLLATE "C", j.queue COLLATE "C") > (p.task, p.queue)
		ORDER BY j.task COLLATE "C", j.queue COLLATE "C" LIMIT 1
	) f
),
doomed AS MATERIALIZED (
	SELECT d.id FROM pairs p JOIN cut ON cut.status = p.status CROSS JOIN q
	CROSS JOIN LATERAL (
		SELECT j.id FROM ${prefix}jobs j
		WHERE j.status COLLATE "C" = p.status AND j.status <> 'RUNNING' AND j.task COLLATE "C" = p.task
			AND j.queue COLLATE "C" = p.queue AND j.id <= cut.last_id
			AND j.finished_at < cut.before
		ORDER BY j.id LIMIT q.n
		FOR UPDATE SKIP LOCKED
	) d
	LIMIT (SELECT n FROM q)
)
DELETE FROM ${prefix}jobs WHERE id = ANY(ARRAY(SELECT id FROM doomed));

-- The operations API: listing, counting and bulk steps over jobs_listing_not_running (status,
-- task, queue, id), and jobs_running (id) for RUNNING jobs. Their parameters, in this order, describe a JobQuery:
--   statuses text[] (the statuses asked for, all five when none), task text and queue text
--   (NULL for all), the id range id_from .. id_to (both inclusive: the id after the page's
--   start, and the highest id to touch), due_from / due_before on run_at (NULL for none), and
--   the page size n.
-- None of them run with the claim's plan settings, but each is safe as a generic plan: the
-- index conditions never depend on whether a filter is given. For each status, a recursive
-- "loose index scan" finds the (task, queue) pairs present, one probe per pair, starting at
-- the task when one is given and ending when the task changes; then each pair's jobs are
-- read in id order from the page's start, at most n, and the pages merged. The queue and the
-- due range filter what the probes find. The work is bounded by pairs x page size, whatever
-- other statuses, tasks and queues hold.

-- fragment: query-pairs
-- The query's parameters as one row q, and the (status, task, queue) triples present that
-- the query may match, found by the loose index scan described above.
q AS MATERIALIZED (
	SELECT ?::text[] AS statuses, ?::text AS task, ?::text AS queue, ?::uuid AS id_from, ?::uuid AS id_to,
		?::timestamptz AS due_from, ?::timestamptz AS due_before, ?::int AS n
),
pairs(status, task, queue) AS (
	SELECT f.status, f.task, f.queue
	FROM q CROSS JOIN unnest(q.statuses) AS s(status)
	CROSS JOIN LATERAL (
		SELECT j.status, j.task, j.queue FROM ${prefix}jobs j
		WHERE j.status COLLATE "C" = s.status AND j.status <> 'RUNNING' AND j.task COLLATE "C" >= COALESCE(q.task, '')
		ORDER BY j.task COLLATE "C", j.queue COLLATE "C" LIMIT 1
	) f
	WHERE q.task IS NULL OR f.task = q.task
	UNION ALL
	SELECT f.status, f.task, f.queue
	FROM pairs p CROSS JOIN q
	CROSS JOIN LATERAL (
		SELECT j.status, j.task, j.queue FROM ${prefix}jobs j
		WHERE j.status COLLATE "C" = p.status AND j.status <> 'RUNNING'
			AND (j.task COLLATE "C", j.queue COLLATE "C") > (p.task, p.queue)
		ORDER BY j.task COLLATE "C", j.queue COLLATE "C" LIMIT 1
	) f
	WHERE q.task IS NULL OR f.task = q.task
)

-- fragment: query-match
-- One pair's jobs within the query's id range and due range (j is the jobs table, p the
-- pair, q the parameters).
WHERE j.status COLLATE "C" = p.status AND j.status <> 'RUNNING' AND j.task COLLATE "C" = p.task
	AND j.queue COLLATE "C" = p.queue AND j.id >= q.id_from AND j.id <= q.id_to
	AND (q.due_from IS NULL OR j.run_at >= q.due_from) AND (q.due_before IS NULL OR j.run_at < q.due_before)

-- fragment: query-running
-- The query's RUNNING jobs within its id range, task, queue and due range (j is the jobs
-- table, q the parameters), read in id order from jobs_running: running jobs have no entry in
-- jobs_listing_not_running, and they are as many as the jobs running, so no loose index scan
-- is needed to find their pairs. Nothing is read unless the query asks for RUNNING.
WHERE 'RUNNING' = ANY(q.statuses) AND j.status = 'RUNNING' AND j.id >= q.id_from AND j.id <= q.id_to
	AND (q.task IS NULL OR j.task = q.task) AND (q.queue IS NULL OR j.queue = q.queue)
	AND (q.due_from IS NULL OR j.run_at >= q.due_from) AND (q.due_before IS NULL OR j.run_at < q.due_before)

-- fragment: query-page
-- One page of the jobs the query matches, in id order (ids and unique keys): each pair's
-- jobs from the page's start, at most n, merged with the running ones, and the first n of all.
SELECT m.id, m.unique_key FROM (
	SELECT j.id, j.unique_key FROM pairs p CROSS JOIN q
	CROSS JOIN LATERAL (
		SELECT j.id, j.unique_key FROM ${prefix}jobs j
		${fragment:query-match}
		ORDER BY j.id LIMIT q.n
	) j
	WHERE q.queue IS NULL OR p.queue = q.queue
	UNION ALL
	SELECT j.id, j.unique_key FROM q
	CROSS JOIN LATERAL (
		SELECT j.id, j.unique_key FROM ${prefix}jobs j
		${fragment:query-running}
		ORDER BY j.id LIMIT q.n
	) j
) m
ORDER BY m.id LIMIT (SELECT n FROM q)

-- name: list-jobs
WITH RECURSIVE ${fragment:query-pairs},
page AS MATERIALIZED (
	${fragment:query-page}
)
SELECT id, task, queue, status, attempts, max_retries, priority, created_at, run_at, started_at, finished_at,
		last_error, result, unique_key, scheduled_for, concurrency_key
FROM ${prefix}jobs WHERE id = ANY(ARRAY(SELECT id FROM page))
ORDER BY id;

-- name: list-step
-- The jobs a bulk step looks at, as list-jobs finds them: their ids and unique keys.
WITH RECURSIVE ${fragment:query-pairs}
${fragment:query-page};

-- name: count-jobs
-- Each pair's matching jobs counted through the index, and the running ones through
-- jobs_running (n is not used).
WITH RECURSIVE ${fragment:query-pairs}
SELECT COALESCE((
		SELECT sum(c.n) FROM pairs p CROSS JOIN q
		CROSS JOIN LATERAL (
			SELECT count(*) AS n FROM ${prefix}jobs j
			${fragment:query-match}
		) c
		WHERE q.queue IS NULL OR p.queue = q.queue), 0)
	+ (SELECT count(*) FROM q CROSS JOIN ${prefix}jobs j
		${fragment:query-running}) AS n;

-- name: newest-job
-- Each pair's highest matching id, read backwards through the index, the highest running one,
-- and the highest of them.
WITH RECURSIVE ${fragment:query-pairs}
SELECT m.id FROM (
	SELECT j.id FROM pairs p CROSS JOIN q
	CROSS JOIN LATERAL (
		SELECT j.id FROM ${prefix}jobs j
		${fragment:query-match}
		ORDER BY j.id DESC LIMIT 1
	) j
	WHERE q.queue IS NULL OR p.queue = q.queue
	UNION ALL
	SELECT j.id FROM q
	CROSS JOIN LATERAL (
		SELECT j.id FROM ${prefix}jobs j
		${fragment:query-running}
		ORDER BY j.id DESC LIMIT 1
	) j
) m
ORDER BY m.id DESC LIMIT 1;

-- name: job-counts
-- Pending and dead jobs per (task, queue), counted from jobs_listing_not_running, and the
-- running ones from jobs_running.
SELECT task, queue, sum(pending)::bigint AS pending, sum(running)::bigint AS running, sum(dead)::bigint AS dead
FROM (
	SELECT task, queue, count(*) FILTER (WHERE status <> 'DEAD') AS pending, 0 AS running,
			count(*) FILTER (WHERE status = 'DEAD') AS dead
	FROM ${prefix}jobs WHERE status COLLATE "C" IN ('PENDING', 'KEYED', 'DEAD') AND status <> 'RUNNING'
	GROUP BY task, queue
	UNION ALL
	SELECT task, queue, 0, count(*), 0 FROM ${prefix}jobs WHERE status = 'RUNNING'
	GROUP BY task, queue
) c
GROUP BY task, queue
ORDER BY task, queue;

-- name: active-keys
-- Which of the unique keys a waiting or running job holds now (through jobs_held_unique_key).
SELECT unique_key FROM ${prefix}jobs WHERE unique_key = ANY(?::text[]) AND status IN ('PENDING', 'KEYED', 'RUNNING');

-- name: retry-jobs
-- As retry, for the chosen dead jobs of a bulk step.
UPDATE ${prefix}jobs SET status = CASE WHEN concurrency_key IS NULL THEN 'PENDING' ELSE 'KEYED' END, attempts = 0,
		run_at = clock_timestamp(), finished_at = NULL
WHERE id = ANY(?::uuid[]) AND status = 'DEAD'
RETURNING id;

-- name: reschedule
UPDATE ${prefix}jobs SET run_at = ? WHERE id = ? AND status IN ('PENDING', 'KEYED')
RETURNING run_at <= clock_timestamp() AS due;

-- name: delete-job
DELETE FROM ${prefix}jobs WHERE id = ? AND status IN ('SUCCEEDED', 'DEAD', 'CANCELLED');

-- name: watch
-- Marks the job as awaited, and reads it as it is after the mark.
UPDATE ${prefix}jobs SET awaited = true WHERE id = ?
RETURNING id, task, queue, status, attempts, max_retries, priority, created_at, run_at, started_at, finished_at,
		last_error, result, unique_key, scheduled_for, concurrency_key;

-- name: schedules
-- Every schedule and the store's now, in one statement (a row with NULLs when there is none).
SELECT n.store_time, s.task, s.definition, s.defined_at, s.last_tick, s.last_job_id, s.paused, s.skipped_ticks
FROM (SELECT clock_timestamp() AS store_time) n LEFT JOIN ${prefix}schedules s ON 1 = 1
ORDER BY s.task;

-- name: lock-schedule
-- Held until the tick's (or the registration's) transaction ends: instances racing for one
-- schedule take turns, and each then compares what it read with what it finds.
SELECT task, definition, defined_at, last_tick, last_job_id, paused, skipped_ticks
FROM ${prefix}schedules WHERE task = ? FOR UPDATE;

-- name: insert-schedule
-- A new schedule starts now: no tick before its registration is ever enqueued. One reading of
-- the clock for both columns (clock_timestamp() moves between two calls in one statement).
INSERT INTO ${prefix}schedules (task, definition, defined_at, last_tick, last_job_id, paused, skipped_ticks)
SELECT ?, ?, n.t, n.t, NULL, false, 0 FROM (SELECT clock_timestamp() AS t) n;

-- name: redefine-schedule
-- The definition of the instance started last; the old definition's ticks are never caught up.
UPDATE ${prefix}schedules SET definition = ?, defined_at = n.t, last_tick = n.t
FROM (SELECT clock_timestamp() AS t) n WHERE task = ?;

-- name: schedule-job-status
SELECT status FROM ${prefix}jobs WHERE id = ?;

-- name: insert-tick-job
-- A tick's job, due now, with the tick as its scheduled time.
INSERT INTO ${prefix}jobs (id, task, queue, payload, priority, status, attempts, max_retries, timeout_ms,
		created_at, run_at, headers, scheduled_for)
VALUES (?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, clock_timestamp(), clock_timestamp(), ?, ?);

-- name: advance-schedule
-- Moves the last tick on, with the latest tick's job and the ticks skipped so far.
UPDATE ${prefix}schedules SET last_tick = ?, last_job_id = ?, skipped_ticks = ?
WHERE task = ?;

-- name: pause-schedule
UPDATE ${prefix}schedules SET paused = ? WHERE task = ?;

-- name: finished-counts
-- SUCCEEDED and DEAD jobs per (task, queue) pair and slice of ids (?1 the slices' lowest ids,
-- ?2 the ids they end before): the triples found by the loose index scan of query-pairs,
-- then each slice counted as one id range of the triple's entries in jobs_listing_not_running.
WITH RECURSIVE s AS MATERIALIZED (
	SELECT b.lo, b.hi, (b.i - 1)::int AS slice FROM unnest(?::uuid[], ?::uuid[]) WITH ORDINALITY AS b(lo, hi, i)
),
pairs(status, task, queue) AS (
	SELECT f.status, f.task, f.queue
	FROM unnest(ARRAY['SUCCEEDED', 'DEAD']::text[]) AS st(status)
	CROSS JOIN LATERAL (
		SELECT j.status, j.task, j.queue FROM ${prefix}jobs j
		WHERE j.status COLLATE "C" = st.status AND j.status <> 'RUNNING'
		ORDER BY j.task COLLATE "C", j.queue COLLATE "C" LIMIT 1
	) f
	UNION ALL
	SELECT f.status, f.task, f.queue
	FROM pairs p
	CROSS JOIN LATERAL (
		SELECT j.status, j.task, j.queue FROM ${prefix}jobs j
		WHERE j.status COLLATE "C" = p.status AND j.status <> 'RUNNING'
			AND (j.task COLLATE "C", j.queue COLLATE "C") > (p.task, p.queue)
		ORDER BY j.task COLLATE "C", j.queue COLLATE "C" LIMIT 1
	) f
)
SELECT p.status, p.task, p.queue, s.slice, c.n
FROM pairs p CROSS JOIN s
CROSS JOIN LATERAL (
	SELECT count(*) AS n FROM ${prefix}jobs j
	WHERE j.status COLLATE "C" = p.status AND j.status <> 'RUNNING' AND j.task COLLATE "C" = p.task
		AND j.queue COLLATE "C" = p.queue AND j.id >= s.lo AND j.id < s.hi
) c
WHERE c.n > 0;

-- Caps per key. Keyed jobs wait as 'KEYED' (see the schema); the claim of keyed jobs is a
-- transaction of its own after the claim of unkeyed ones (JdbcKeyedClaims.claimKeyed):
-- keyed-claim-locks, count-claims (when the claim respects task or queue caps), one
-- keyed-round per (task, queue) pair, one keyed-jobs per key served, then keyed-claim-jobs,
-- keyed-claim-insert, lock-job-keys, serve-job-keys and drop-job-keys, and recover-claim.

-- name: requeue-keys
-- The keys of the given jobs that are KEYED join (or stay in) their round. The update of an
-- existing row changes nothing but holds its lock until commit, so that a claim cannot drop
-- the row (drop-job-keys) while the job that needs it is not yet visible to it.
INSERT INTO ${prefix}job_keys (task, queue, concurrency_key, last_served)
SELECT d.task, d.queue, d.concurrency_key, clock_timestamp() FROM (
	SELECT DISTINCT task, queue, concurrency_key FROM ${prefix}jobs WHERE id = ANY(?::uuid[]) AND status = 'KEYED'
	ORDER BY task, queue, concurrency_key
) d
ON CONFLICT (task, queue, concurrency_key) DO UPDATE SET last_served = ${prefix}job_keys.last_served;

-- name: keyed-claim-locks
-- The gate: the advisory locks of the caps (per key, per task, per queue) this claim must
-- respect, in ascending order, held until commit. Every counted claim below was committed
-- before the lock was granted, or is this transaction's own.
-- Like a claim of unkeyed jobs on its own (see plan-settings), the transaction does not wait
-- for the WAL flush: what the post-claim count needs is visibility, which comes at commit,
-- and the gate's locks are not held through a flush.
-- The locks are taken only when the (task, queue) pair has keys in its round: a capped task
-- without keyed work must not make every claimer take turns behind its lock.
SELECT set_config('synchronous_commit', 'off', true),
	(SELECT count(pg_advisory_xact_lock(l.k)) FROM (SELECT k FROM unnest(?::bigint[]) AS k ORDER BY k) l
		WHERE EXISTS (SELECT 1 FROM ${prefix}job_keys jk WHERE jk.task = ? AND jk.queue = ?));

-- name: keyed-round
-- One (task, queue) pair's keys with room, least lately served first: read in the order of
-- job_keys_round, each key's claims counted through claims_keyed. Keys at their cap are passed
-- over; there are at most (claims of the task / cap) of them, so the walk is bounded by the
-- running jobs, not by the keys. Parameters: task, queue, cap per key (NULL: uncapped), the
-- same cap again, and how many keys.
SELECT k.concurrency_key,
		(SELECT count(*) FROM ${prefix}claims c WHERE c.task = k.task AND c.concurrency_key = k.concurrency_key) AS running
FROM ${prefix}job_keys k
WHERE k.task = ? AND k.queue = ?
	AND (?::int IS NULL OR (SELECT count(*) FROM ${prefix}claims c
		WHERE c.task = k.task AND c.concurrency_key = k.concurrency_key) < ?::int)
ORDER BY k.last_served
LIMIT ?;

-- name: keyed-jobs
-- One key's due jobs in claim order (through jobs_keyed), skipping rows others hold.
SELECT id FROM ${prefix}jobs
WHERE task = ? AND queue = ? AND concurrency_key = ? AND status = 'KEYED' AND run_at <= clock_timestamp()
ORDER BY priority DESC, run_at, id
LIMIT ?
FOR UPDATE SKIP LOCKED;

-- name: keyed-claim-jobs
UPDATE ${prefix}jobs SET status = 'RUNNING', attempts = attempts + 1, started_at = clock_timestamp()
WHERE id = ANY(?::uuid[]) AND status = 'KEYED'
RETURNING id;

-- name: keyed-claim-insert
INSERT INTO ${prefix}claims (job_id, task, queue, instance_id, claim_token, batch_id, claimed_at, lease_expires_at,
		concurrency_key)
SELECT j.id, j.task, j.queue, ?, gen_random_uuid(), ?, clock_timestamp(),
		clock_timestamp() + ? * interval '1 millisecond', j.concurrency_key
FROM ${prefix}jobs j WHERE j.id = ANY(?::uuid[]);

-- name: lock-job-keys
-- The keys the claim visited, locked in a stable order; a key an enqueue holds (until its
-- caller commits) is skipped this time.
SELECT k.task, k.queue, k.concurrency_key FROM ${prefix}job_keys k
JOIN unnest(?::text[], ?::text[], ?::text[]) AS v(task, queue, ckey)
	ON k.task = v.task AND k.queue = v.queue AND k.concurrency_key = v.ckey
ORDER BY k.task, k.queue, k.concurrency_key
FOR UPDATE OF k SKIP LOCKED;

-- name: serve-job-keys
-- The keys served move to the back of the round, in the order served (ord microseconds apart).
UPDATE ${prefix}job_keys k SET last_served = clock_timestamp() + v.ord * interval '1 microsecond'
FROM unnest(?::text[], ?::text[], ?::text[], ?::int[]) AS v(task, queue, ckey, ord)
WHERE k.task = v.task AND k.queue = v.queue AND k.concurrency_key = v.ckey;

-- name: drop-job-keys
-- Keys left without KEYED jobs leave the round: nothing of a key is kept once its jobs are
-- running or done.
DELETE FROM ${prefix}job_keys k
USING unnest(?::text[], ?::text[], ?::text[]) AS v(task, queue, ckey)
WHERE k.task = v.task AND k.queue = v.queue AND k.concurrency_key = v.ckey
	AND NOT EXISTS (SELECT 1 FROM ${prefix}jobs j WHERE j.task = k.task AND j.queue = k.queue
		AND j.concurrency_key = k.concurrency_key AND j.status = 'KEYED');

-- name: count-claims-keys
-- count-claims with the post-claim count per (task, key) beside it, through claims_keyed: one
-- statement per batch.
SELECT 'T' AS kind, task AS name, NULL::text AS ckey, count(*) AS claims FROM ${prefix}claims
WHERE task = ANY(?::text[]) GROUP BY task
UNION ALL
SELECT 'Q', queue, NULL, count(*) FROM ${prefix}claims WHERE queue = ANY(?::text[]) GROUP BY queue
UNION ALL
SELECT 'K', c.task, c.concurrency_key, count(*) FROM ${prefix}claims c
JOIN unnest(?::text[], ?::text[]) AS k(task, ckey) ON c.task = k.task AND c.concurrency_key = k.ckey
GROUP BY c.task, c.concurrency_key;

-- name: keys-at-cap
-- Per task, how many keys have at least their cap of claims: read from the claims (one row
-- per running job), never from one figure per key.
SELECT t.task, count(*) AS keys FROM unnest(?::text[], ?::int[]) AS t(task, cap)
JOIN LATERAL (
	SELECT c.concurrency_key FROM ${prefix}claims c
	WHERE c.task = t.task AND c.concurrency_key IS NOT NULL
	GROUP BY c.concurrency_key HAVING count(*) >= t.cap
) k ON true
GROUP BY t.task;

-- name: any-job-keys
-- Whether any of these tasks has a key in its round (at its cap or not).
SELECT 1 FROM ${prefix}job_keys WHERE task = ANY(?::text[]) LIMIT 1;

-- name: keyed-pick
-- keyed-round and keyed-jobs in one statement for one (task, queue) pair: the pair's keys with
-- room, least lately served first (at most the given number of keys), and from each, in
-- claim order, no more of its due jobs than its room (cap minus claims; the limit when
-- uncapped), skipping rows others hold; then the first "limit" of those jobs, key by key in
-- round order. A key of the window without a due job comes back with a NULL id, so that the
-- claim moves it on (or drops it when it has no KEYED job). Rows locked beyond the limit are
-- unlocked at commit. Parameters: task, queue, cap, cap, keys; task, queue, cap, limit, limit,
-- cap; limit.
WITH keys AS MATERIALIZED (
	SELECT k.concurrency_key AS ckey, k.last_served,
		(SELECT count(*) FROM ${prefix}claims c WHERE c.task = k.task AND c.concurrency_key = k.concurrency_key) AS running
	FROM ${prefix}job_keys k
	WHERE k.task = ? AND k.queue = ?
		AND (?::int IS NULL OR (SELECT count(*) FROM ${prefix}claims c
			WHERE c.task = k.task AND c.concurrency_key = k.concurrency_key) < ?::int)
	ORDER BY k.last_served
	LIMIT ?
),
ranked AS MATERIALIZED (
	SELECT keys.ckey, row_number() OVER (ORDER BY keys.last_served, keys.ckey) AS ord, keys.running FROM keys
),
p AS MATERIALIZED (SELECT ?::text AS task, ?::text AS queue, ?::int AS cap, ?::int AS n, ?::int AS n2, ?::int AS cap2),
picked AS MATERIALIZED (
	SELECT r.ckey, r.ord, j.id, j.rank FROM ranked r CROSS JOIN p
	LEFT JOIN LATERAL (
		SELECT x.id, row_number() OVER () AS rank FROM (
			SELECT id FROM ${prefix}jobs
			WHERE task = p.task AND queue = p.queue AND concurrency_key = r.ckey AND status = 'KEYED'
				AND run_at <= clock_timestamp()
			ORDER BY priority DESC, run_at, id
			LIMIT CASE WHEN p.cap IS NULL THEN p.n ELSE GREATEST(LEAST(p.n2, p.cap2 - r.running), 0) END
			FOR UPDATE SKIP LOCKED
		) x
	) j ON true
),
numbered AS (
	SELECT pk.ckey, pk.ord, pk.id,
		CASE WHEN pk.id IS NOT NULL THEN row_number() OVER (PARTITION BY pk.id IS NULL ORDER BY pk.ord, pk.rank) END AS n
	FROM picked pk
)
SELECT ckey, id FROM numbered WHERE id IS NULL OR n <= ?
ORDER BY ord, n;

-- name: keyed-claim
-- keyed-claim-jobs, keyed-claim-insert and the read of the claimed jobs in one statement, as
-- claim-jobs does for unkeyed jobs.
WITH now AS (SELECT clock_timestamp() AS ts),
claimed AS (
	UPDATE ${prefix}jobs j SET status = 'RUNNING', attempts = j.attempts + 1, started_at = (SELECT ts FROM now)
	WHERE j.id = ANY(?::uuid[]) AND j.status = 'KEYED'
	RETURNING j.id, j.task, j.queue, j.payload, j.attempts, j.max_retries, j.timeout_ms, j.priority, j.run_at,
		j.headers, j.scheduled_for, j.concurrency_key
),
claims AS (
	INSERT INTO ${prefix}claims (job_id, task, queue, instance_id, claim_token, batch_id, claimed_at, lease_expires_at,
			concurrency_key)
	SELECT c.id, c.task, c.queue, ?, gen_random_uuid(), ?, now.ts, now.ts + ? * interval '1 millisecond',
			c.concurrency_key
	FROM claimed c CROSS JOIN now
	RETURNING job_id, claim_token, lease_expires_at
)
SELECT c.id, c.task, c.queue, c.payload, c.attempts, c.max_retries, c.timeout_ms, c.priority,
		cl.claim_token, cl.lease_expires_at, c.run_at, c.headers, c.scheduled_for, c.concurrency_key
FROM claimed c JOIN claims cl ON cl.job_id = c.id
ORDER BY c.priority DESC, c.run_at, c.id;

-- name: serve-or-drop-job-keys
-- serve-job-keys and drop-job-keys in one statement (the locked keys, after lock-job-keys
-- in a statement of its own, so that this one's snapshot sees every job committed before
-- the lock): keys with KEYED jobs move to the back of the round in the order served, the
-- others leave it.
-- A key lock-job-keys skipped, because a transaction making one of its jobs KEYED held it
-- (requeue-keys), is free again if that transaction commits between this statement's
-- snapshot and its lock below: the lock then returns the row's new version (its ctid),
-- which this snapshot does not see, while the job made KEYED is not visible either. So the
-- change goes by the locked version's ctid alone: such a key matches nothing and stays in
-- the round. Matched by key instead, the old version would match, and the key would be
-- dropped under a KEYED job that no claim would ever find (a rollback of an over-claimed
-- key did that in PostgresKeyClusterTest, stranding the key's jobs).
WITH w AS MATERIALIZED (
	SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::int[]) AS w(task, queue, ckey, ord)
),
v AS MATERIALIZED (
	-- Only the keys this transaction holds (lock-job-keys, joined before it, took them).
	SELECT w.ord, k.ctid AS row_id, k.task, k.queue, k.concurrency_key
	FROM w JOIN ${prefix}job_keys k ON k.task = w.task AND k.queue = w.queue AND k.concurrency_key = w.ckey
	FOR UPDATE OF k SKIP LOCKED
),
checked AS MATERIALIZED (
	-- Whether each locked key still has KEYED jobs: one probe of jobs_keyed per key, a
	-- subquery of the select list, which no plan can turn into a join. As a WHERE clause's
	-- EXISTS it was planned as a semi-join, and with statistics that took the jobs for few
	-- (never analyzed since a burst of enqueues) the plan read every KEYED job and then
	-- every key of the round once per key: 200 ms per statement with 1,000 keys.
	SELECT v.ord, v.row_id, EXISTS (SELECT 1 FROM ${prefix}jobs j WHERE j.task = v.task AND j.queue = v.queue
			AND j.concurrency_key = v.concurrency_key AND j.status = 'KEYED') AS waiting
	FROM v
),
served AS (
	-- By "ctid = ANY(the locked rows)", a TID scan, as keyed-pick-claim moves the round.
	UPDATE ${prefix}job_keys k
	SET last_served = clock_timestamp() + (SELECT c.ord FROM checked c WHERE c.row_id = k.ctid) * interval '1 microsecond'
	WHERE k.ctid = ANY(ARRAY(SELECT row_id FROM checked WHERE waiting))
)
DELETE FROM ${prefix}job_keys k
WHERE k.ctid = ANY(ARRAY(SELECT row_id FROM checked WHERE NOT waiting));

-- name: keyed-pick-claim
-- The claim of one (task, queue) pair's keyed jobs in one statement, sent joined after
-- keyed-claim-locks in one round trip that runs as one transaction (as plan-settings,
-- claim-locks and claim-jobs are for unkeyed jobs): the statement's snapshot is taken once
-- the gate's locks are held. The limit n is cut to what the task's and the queue's caps
-- leave; then keyed-pick's choice; then the chosen jobs move to RUNNING with their claims.
-- Answers with the claimed jobs, and with a row of NULLs but the key for each key of the
-- window that had no due job (the claim moves it on in the round, or drops it).
-- Parameters: task, queue, cap per key, task cap, queue cap, n, window of keys, instance,
-- batch, lease ms; then task, queue, cap, cap (the round's index condition).
WITH p AS MATERIALIZED (
	SELECT ?::text AS task, ?::text AS queue, ?::int AS cap, ?::int AS task_cap, ?::int AS queue_cap, ?::int AS n0,
		?::int AS keys_window, ?::text AS instance_id, ?::uuid AS batch_id, ?::bigint AS lease_ms,
		clock_timestamp() AS ts
),
lim AS MATERIALIZED (
	SELECT GREATEST(LEAST(p.n0,
		CASE WHEN p.task_cap IS NULL THEN p.n0
			ELSE p.task_cap - (SELECT count(*) FROM ${prefix}claims c WHERE c.task = p.task) END,
		CASE WHEN p.queue_cap IS NULL THEN p.n0
			ELSE p.queue_cap - (SELECT count(*) FROM ${prefix}claims c WHERE c.queue = p.queue) END), 0) AS n
	FROM p
),
keys AS MATERIALIZED (
	SELECT k.concurrency_key AS ckey, k.last_served,
		(SELECT count(*) FROM ${prefix}claims c WHERE c.task = k.task AND c.concurrency_key = k.concurrency_key) AS running
	FROM ${prefix}job_keys k
	WHERE k.task = ? AND k.queue = ?
		AND (?::int IS NULL OR (SELECT count(*) FROM ${prefix}claims c
			WHERE c.task = k.task AND c.concurrency_key = k.concurrency_key) < ?::int)
	ORDER BY k.last_served
	LIMIT (SELECT keys_window FROM p)
),
ranked AS MATERIALIZED (
	SELECT keys.ckey, row_number() OVER (ORDER BY keys.last_served, keys.ckey) AS ord, keys.running FROM keys
),
picked AS MATERIALIZED (
	SELECT r.ckey, r.ord, j.id, j.rank FROM ranked r CROSS JOIN p CROSS JOIN lim
	LEFT JOIN LATERAL (
		SELECT x.id, row_number() OVER () AS rank FROM (
			SELECT id FROM ${prefix}jobs
			WHERE task = p.task AND queue = p.queue AND concurrency_key = r.ckey AND status = 'KEYED'
				AND run_at <= p.ts
			ORDER BY priority DESC, run_at, id
			LIMIT CASE WHEN p.cap IS NULL THEN lim.n ELSE GREATEST(LEAST(lim.n, p.cap - r.running), 0) END
			FOR UPDATE SKIP LOCKED
		) x
	) j ON true
),
numbered AS MATERIALIZED (
	SELECT pk.ckey, pk.ord, pk.id,
		CASE WHEN pk.id IS NOT NULL THEN row_number() OVER (PARTITION BY pk.id IS NULL ORDER BY pk.ord, pk.rank) END AS n
	FROM picked pk
),
claimed AS (
	UPDATE ${prefix}jobs j SET status = 'RUNNING', attempts = j.attempts + 1, started_at = (SELECT ts FROM p)
	WHERE j.id = ANY(ARRAY(SELECT nb.id FROM numbered nb, lim WHERE nb.id IS NOT NULL AND nb.n <= lim.n))
		AND j.status = 'KEYED'
	RETURNING j.id, j.task, j.queue, j.payload, j.attempts, j.max_retries, j.timeout_ms, j.priority, j.run_at,
		j.headers, j.scheduled_for, j.concurrency_key
),
served AS MATERIALIZED (
	-- The keys served, and those of the window without a due job, move to the back of the
	-- round with the claim, in the order visited: the next claimer, gated or not, starts after
	-- them. Each is found by its primary key; keys an enqueue holds are left as they are.
	SELECT h.ctid AS row_id, v.ord
	FROM (SELECT DISTINCT nb.ckey, nb.ord FROM numbered nb, lim WHERE nb.id IS NULL OR nb.n <= lim.n) v
	CROSS JOIN p
	CROSS JOIN LATERAL (
		SELECT k.ctid FROM ${prefix}job_keys k
		WHERE k.task = p.task AND k.queue = p.queue AND k.concurrency_key = v.ckey
		FOR UPDATE SKIP LOCKED
	) h
),
moved AS (
	-- By "ctid = ANY(the locked rows)", a TID scan: as a join, a plan could scan the table.
	UPDATE ${prefix}job_keys k
	SET last_served = (SELECT ts FROM p) + (SELECT s.ord FROM served s WHERE s.row_id = k.ctid) * interval '1 microsecond'
	WHERE k.ctid = ANY(ARRAY(SELECT row_id FROM served))
),
claims AS (
	INSERT INTO ${prefix}claims (job_id, task, queue, instance_id, claim_token, batch_id, claimed_at, lease_expires_at,
			concurrency_key)
	SELECT c.id, c.task, c.queue, p.instance_id, gen_random_uuid(), p.batch_id, p.ts,
			p.ts + p.lease_ms * interval '1 millisecond', c.concurrency_key
	FROM claimed c CROSS JOIN p
	RETURNING job_id, claim_token, lease_expires_at
)
SELECT c.id, c.task, c.queue, c.payload, c.attempts, c.max_retries, c.timeout_ms, c.priority,
		cl.claim_token, cl.lease_expires_at, c.run_at, c.headers, c.scheduled_for, c.concurrency_key
FROM claimed c JOIN claims cl ON cl.job_id = c.id
UNION ALL
SELECT NULL::uuid, NULL, NULL, NULL, NULL::int, NULL::int, NULL::bigint, NULL::int, NULL::uuid, NULL::timestamptz,
		NULL::timestamptz, NULL, NULL::timestamptz, nb.ckey
FROM numbered nb WHERE nb.id IS NULL;
