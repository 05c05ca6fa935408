-- The H2 store's statements, one per "-- name:" block, with ${prefix} replaced by the
-- table prefix once when the store is built. Times are CURRENT_TIMESTAMP: the store's
-- clock. H2 has no RETURNING: FINAL TABLE and OLD TABLE read the rows a change touched.
-- Lists travel as arrays so that a batch is one statement, not one per row. Payloads,
-- results and errors travel as CLOB arrays: a VARCHAR element holds at most 1,000,000
-- characters, and H2 cuts a longer one without a word.

-- name: count-schema-objects
-- How many of the schema's tables, indexes and added columns ("table.column") exist, and how
-- many of the indexes it drops still do, read from the catalog.
SELECT (SELECT count(*) FROM INFORMATION_SCHEMA.TABLES
		WHERE TABLE_SCHEMA = CURRENT_SCHEMA AND LOWER(TABLE_NAME) = ANY(CAST(? AS VARCHAR ARRAY)))
	+ (SELECT count(*) FROM INFORMATION_SCHEMA.INDEXES
		WHERE INDEX_SCHEMA = CURRENT_SCHEMA AND LOWER(INDEX_NAME) = ANY(CAST(? AS VARCHAR ARRAY)))
	+ (SELECT count(*) FROM INFORMATION_SCHEMA.COLUMNS
		WHERE TABLE_SCHEMA = CURRENT_SCHEMA
			AND LOWER(TABLE_NAME) || '.' || LOWER(COLUMN_NAME) = ANY(CAST(? AS VARCHAR ARRAY))) AS present,
	(SELECT count(*) FROM INFORMATION_SCHEMA.INDEXES
		WHERE INDEX_SCHEMA = CURRENT_SCHEMA AND LOWER(INDEX_NAME) = ANY(CAST(? AS VARCHAR ARRAY))) AS obsolete;

-- name: check-tables
-- The tables of the first version; tables added since are checked with the added columns.
SELECT 1 FROM ${prefix}jobs, ${prefix}claims, ${prefix}instances, ${prefix}queues, ${prefix}rate_buckets WHERE 1 = 0;

-- name: enqueue
-- Rows whose id or active unique key already exists are skipped; a concurrent insert of
-- the same key fails the whole statement with a unique violation, and the store retries.
SELECT id FROM FINAL TABLE (
	INSERT INTO ${prefix}jobs (id, task, queue, payload, priority, status, attempts, max_retries, timeout_ms,
			unique_key, created_at, run_at, headers, concurrency_key)
	SELECT n.id, n.task, n.queue, n.payload, n.priority,
			CASE WHEN n.concurrency_key IS NULL THEN 'PENDING' ELSE 'KEYED' END, 0, n.max_retries, n.timeout_ms,
			n.unique_key, CURRENT_TIMESTAMP,
			CASE WHEN n.run_at_us IS NOT NULL
				THEN DATEADD(MICROSECOND, n.run_at_us, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00')
				ELSE DATEADD(MICROSECOND, n.delay_us, CURRENT_TIMESTAMP) END,
			n.headers, n.concurrency_key
	FROM UNNEST(CAST(? AS UUID ARRAY), CAST(? AS VARCHAR ARRAY), CAST(? AS VARCHAR ARRAY),
			CAST(? AS CLOB ARRAY), CAST(? AS INTEGER ARRAY), CAST(? AS INTEGER ARRAY),
			CAST(? AS BIGINT ARRAY), CAST(? AS VARCHAR ARRAY), CAST(? AS BIGINT ARRAY), CAST(? AS BIGINT ARRAY),
			CAST(? AS CLOB ARRAY), CAST(? AS VARCHAR ARRAY))
		AS n(id, task, queue, payload, priority, max_retries, timeout_ms, unique_key, delay_us, run_at_us, headers,
			concurrency_key)
	WHERE NOT EXISTS (SELECT 1 FROM ${prefix}jobs j WHERE j.id = n.id)
		-- The IS NULL test first: H2 would otherwise walk every NULL key in the index.
		AND (n.unique_key IS NULL
			OR NOT EXISTS (SELECT 1 FROM ${prefix}jobs j WHERE j.held_unique_key = n.unique_key))
);

-- name: enqueue-existing
SELECT id, unique_key FROM ${prefix}jobs
WHERE held_unique_key = ANY(CAST(? AS VARCHAR ARRAY)) OR id = ANY(CAST(? AS UUID ARRAY));

-- name: find
SELECT id, task, queue, status, attempts, max_retries, priority, created_at, run_at, started_at, finished_at,
		last_error, result, unique_key, scheduled_for, concurrency_key
FROM ${prefix}jobs WHERE id = ?;

-- name: payload
SELECT payload FROM ${prefix}jobs WHERE id = ?;

-- name: cancel-jobs
-- The given jobs that are PENDING become CANCELLED, each with whether it is awaited.
SELECT id, task, queue, awaited FROM FINAL TABLE (
	UPDATE ${prefix}jobs SET status = 'CANCELLED', finished_at = CURRENT_TIMESTAMP
	WHERE id = ANY(CAST(? AS UUID ARRAY)) AND status IN ('PENDING', 'KEYED')
);

-- name: retry
UPDATE ${prefix}jobs SET status = CASE WHEN concurrency_key IS NULL THEN 'PENDING' ELSE 'KEYED' END, attempts = 0,
		run_at = CURRENT_TIMESTAMP, finished_at = NULL
WHERE id = ? AND status = 'DEAD';

-- name: retry-key-holder
-- The active job that holds a dead job's unique key now, if any: a retry must not make a
-- second active job with that key.
SELECT dead.unique_key, holder.id FROM ${prefix}jobs dead
JOIN ${prefix}jobs holder ON holder.held_unique_key = dead.unique_key
WHERE dead.id = ? AND dead.status = 'DEAD' AND holder.id <> dead.id;

-- name: pause
MERGE INTO ${prefix}queues (queue, paused) KEY (queue) VALUES (?, ?);

-- name: apply-configured-pause
-- Sets the pause only when the configured value differs from the one configured last; the
-- update count says whether it did.
MERGE INTO ${prefix}queues q
USING (VALUES (CAST(? AS VARCHAR), CAST(? AS BOOLEAN))) AS s(queue, paused)
ON q.queue = s.queue
WHEN MATCHED AND q.configured_paused IS DISTINCT FROM s.paused THEN
	UPDATE SET paused = s.paused, configured_paused = s.paused
WHEN NOT MATCHED THEN INSERT (queue, paused, configured_paused) VALUES (s.queue, s.paused, s.paused);

-- name: paused-queues
SELECT queue FROM ${prefix}queues WHERE paused;

-- name: claim-candidates
-- One task's due jobs in one queue, best first, read without locks: H2 locks every
-- matching row (and sorts them all) when FOR UPDATE meets ORDER BY ... LIMIT, so the
-- candidates are locked by id in claim-lock. The leading ORDER BY columns let H2 read them
-- in index order.
SELECT id, task, queue, priority, run_at FROM ${prefix}jobs
WHERE task = ? AND queue = ? AND status = 'PENDING' AND run_at <= CURRENT_TIMESTAMP
ORDER BY task, queue, status, priority DESC, run_at, id
LIMIT ?;

-- name: claim-lock
-- Rows another claimer holds are skipped, not waited for; H2 checks the condition again on
-- the row it locked, so a job claimed and committed meanwhile is not returned.
SELECT id FROM ${prefix}jobs
WHERE id = ANY(CAST(? AS UUID ARRAY)) AND status = 'PENDING'
FOR UPDATE SKIP LOCKED;

-- name: claim-jobs
-- status = 'PENDING' again: a row is claimed only if no one else claimed it first.
SELECT id FROM FINAL TABLE (
	UPDATE ${prefix}jobs SET status = 'RUNNING', attempts = attempts + 1, started_at = CURRENT_TIMESTAMP
	WHERE id = ANY(CAST(? AS UUID ARRAY)) AND status = 'PENDING'
);

-- name: claim-insert
INSERT INTO ${prefix}claims (job_id, task, queue, instance_id, claim_token, batch_id, claimed_at, lease_expires_at)
SELECT j.id, j.task, j.queue, ?, r.token, ?, CURRENT_TIMESTAMP, DATEADD(MILLISECOND, CAST(? AS BIGINT), CURRENT_TIMESTAMP)
FROM UNNEST(CAST(? AS UUID ARRAY), CAST(? AS UUID ARRAY)) AS r(id, token)
JOIN ${prefix}jobs j ON j.id = r.id;

-- name: recover-claim
SELECT j.id, j.task, j.queue, j.payload, j.attempts, j.max_retries, j.timeout_ms, j.priority,
		c.claim_token, c.lease_expires_at, j.run_at, j.headers, j.scheduled_for, j.concurrency_key
FROM ${prefix}claims c JOIN ${prefix}jobs j ON j.id = c.job_id
WHERE c.instance_id = ? AND c.batch_id = ?
ORDER BY j.priority DESC, j.run_at, j.id;

-- name: count-claims
SELECT 'T' AS kind, task AS name, count(*) AS claims FROM ${prefix}claims
WHERE task = ANY(CAST(? AS VARCHAR ARRAY)) GROUP BY task
UNION ALL
SELECT 'Q', queue, count(*) FROM ${prefix}claims
WHERE queue = ANY(CAST(? AS VARCHAR ARRAY)) GROUP BY queue;

-- name: delete-claims
-- The fence: a claim goes only when both its job and its token match.
-- (The token test by itself lets H2 find the rows through the token's index.)
SELECT job_id, claim_token FROM OLD TABLE (
	DELETE FROM ${prefix}claims
	WHERE claim_token = ANY(CAST(?2 AS UUID ARRAY))
		AND (job_id, claim_token) IN (
			SELECT r.job_id, r.token FROM UNNEST(CAST(?1 AS UUID ARRAY), CAST(?2 AS UUID ARRAY)) AS r(job_id, token))
);

-- name: rollback-jobs
-- The claim counted an attempt that never happened: take it back.
MERGE INTO ${prefix}jobs j
USING (SELECT * FROM UNNEST(CAST(? AS UUID ARRAY), CAST(? AS BIGINT ARRAY)) AS u(id, delay_us)) r
ON j.id = r.id AND j.status = 'RUNNING'
WHEN MATCHED THEN UPDATE SET status = CASE WHEN j.concurrency_key IS NULL THEN 'PENDING' ELSE 'KEYED' END,
		attempts = GREATEST(j.attempts - 1, 0),
		run_at = DATEADD(MICROSECOND, r.delay_us, CURRENT_TIMESTAMP);

-- name: finish-jobs
-- kind: S succeeded (body = result), R failed with a retry (body = error), D dead (body = error).
-- Answers with the awaited jobs that finished (none retried), whom the store then announces.
SELECT id FROM FINAL TABLE (
MERGE INTO ${prefix}jobs j
USING (SELECT * FROM UNNEST(CAST(? AS UUID ARRAY), CAST(? AS VARCHAR ARRAY), CAST(? AS CLOB ARRAY),
		CAST(? AS BIGINT ARRAY)) AS u(id, kind, body, delay_us)) o
ON j.id = o.id AND j.status = 'RUNNING'
WHEN MATCHED THEN UPDATE SET
		status = CASE o.kind WHEN 'S' THEN 'SUCCEEDED'
			WHEN 'R' THEN CASE WHEN j.concurrency_key IS NULL THEN 'PENDING' ELSE 'KEYED' END ELSE 'DEAD' END,
		result = CASE WHEN o.kind = 'S' THEN o.body ELSE j.result END,
		last_error = CASE WHEN o.kind = 'S' THEN j.last_error ELSE o.body END,
		run_at = CASE WHEN o.kind = 'R' THEN DATEADD(MICROSECOND, o.delay_us, CURRENT_TIMESTAMP) ELSE j.run_at END,
		finished_at = CASE WHEN o.kind = 'R' THEN NULL ELSE CURRENT_TIMESTAMP END
) WHERE awaited AND status NOT IN ('PENDING', 'KEYED');

-- name: upsert-instance
MERGE INTO ${prefix}instances (instance_id, heartbeat_at, task_caps, queue_caps, served_tasks, served_queues,
		expires_at, running) KEY (instance_id)
VALUES (?, CURRENT_TIMESTAMP, ?, ?, ?, ?, DATEADD(MILLISECOND, CAST(? AS BIGINT), CURRENT_TIMESTAMP), ?);

-- name: renew-claims
-- Takes the job ids (?2) and tokens (?3) as PostgreSQL does, but needs only the tokens: H2's
-- claims keep a unique token, so the token alone finds a claim, through the token's index,
-- in the order a finish or a rollback locks them too (so the two never wait for each other
-- in a cycle). Matching the pairs as delete-claims does would cost a scan of them per row.
SELECT job_id, claim_token FROM FINAL TABLE (
	UPDATE ${prefix}claims SET lease_expires_at = DATEADD(MILLISECOND, CAST(?1 AS BIGINT), CURRENT_TIMESTAMP)
	WHERE claim_token = ANY(CAST(?3 AS UUID ARRAY))
);

-- name: live-instance-caps
SELECT task_caps, queue_caps, CURRENT_TIMESTAMP AS store_time FROM ${prefix}instances
WHERE heartbeat_at > DATEADD(MILLISECOND, -CAST(? AS BIGINT), CURRENT_TIMESTAMP);

-- name: live-instance-served
-- What each live instance serves; NULL for an instance of an older version, whose row has
-- no expiry either: it counts as live for the default lease (?) after its heartbeat.
SELECT served_tasks, served_queues FROM ${prefix}instances
WHERE COALESCE(expires_at, DATEADD(MILLISECOND, CAST(? AS BIGINT), heartbeat_at)) > CURRENT_TIMESTAMP;

-- name: pending-pairs
-- The (task, queue) pairs of PENDING jobs, without reading every job: H2 reads the distinct
-- tasks and the distinct queues from the first column of jobs_pending and of jobs_queue
-- alone, and probes jobs_pending (task, queue, status) once per combination of the two.
-- (A recursive skip from pair to pair, as on PostgreSQL, makes H2 scan each task's rows.)
-- The hint keeps H2 on jobs_pending, whose first column is task: given jobs_listing, it read
-- every entry of that index instead of skipping from one distinct task to the next.
SELECT t.task, q.queue FROM (SELECT DISTINCT task FROM ${prefix}jobs USE INDEX (${prefix}jobs_pending)) t, (SELECT DISTINCT queue FROM ${prefix}jobs) q
WHERE EXISTS (SELECT 1 FROM ${prefix}jobs j WHERE j.task = t.task AND j.queue = q.queue AND j.status = 'PENDING');

-- name: count-pending
-- One pair's PENDING jobs, counted no further than the limit (?3) through jobs_pending.
SELECT count(*) FROM (
	SELECT 1 FROM ${prefix}jobs WHERE task = ? AND queue = ? AND status = 'PENDING' FETCH FIRST CAST(? AS INT) ROWS ONLY
) capped;

-- name: keyed-pairs
-- The (task, queue) pairs of KEYED jobs, found as pending-pairs finds those of PENDING jobs:
-- jobs_pending, not being partial on H2, holds KEYED jobs too, led by (task, queue, status).
SELECT t.task, q.queue FROM (SELECT DISTINCT task FROM ${prefix}jobs USE INDEX (${prefix}jobs_pending)) t, (SELECT DISTINCT queue FROM ${prefix}jobs) q
WHERE EXISTS (SELECT 1 FROM ${prefix}jobs j WHERE j.task = t.task AND j.queue = q.queue AND j.status = 'KEYED');

-- name: count-keyed
-- One pair's KEYED jobs, counted no further than the limit (?3) through an index that holds
-- them in one run (jobs_pending or jobs_listing: (task, queue, status) or (status, task, queue)).
SELECT count(*) FROM (
	SELECT 1 FROM ${prefix}jobs WHERE task = ? AND queue = ? AND status = 'KEYED' FETCH FIRST CAST(? AS INT) ROWS ONLY
) capped;

-- The gauges, as separate statements on one connection (JdbcGauges): H2 has no LATERAL, and
-- is opened by one process only. Each pair of pending-pairs is counted with count-pending,
-- and each of keyed-pairs with count-keyed; its priorities are found one probe each through
-- jobs_pending (task, queue, status, priority DESC, run_at, id), which holds both PENDING and
-- KEYED jobs (the status is ?3), and each priority's earliest due run_at with one more.

-- name: gauge-top-priority
SELECT priority FROM ${prefix}jobs WHERE task = ? AND queue = ? AND status = ?
ORDER BY priority DESC FETCH FIRST 1 ROW ONLY;

-- name: gauge-next-priority
SELECT priority FROM ${prefix}jobs WHERE task = ? AND queue = ? AND status = ? AND priority < ?
ORDER BY priority DESC FETCH FIRST 1 ROW ONLY;

-- name: gauge-earliest-due
SELECT run_at FROM ${prefix}jobs
WHERE task = ? AND queue = ? AND status = ? AND priority = ? AND run_at <= ?
ORDER BY run_at FETCH FIRST 1 ROW ONLY;

-- name: gauge-running
-- Running jobs per task and per queue from the claims table (a row per RUNNING job).
SELECT 'T' AS kind, task AS name, count(*) AS running FROM ${prefix}claims GROUP BY task
UNION ALL
SELECT 'Q', queue, count(*) FROM ${prefix}claims GROUP BY queue;

-- name: store-time
SELECT CURRENT_TIMESTAMP AS store_time;

-- name: live-instances
-- The instances whose record has not expired; one of an older version has no expiry and
-- counts as live for the default lease (?) after its heartbeat.
SELECT instance_id, heartbeat_at, COALESCE(expires_at, DATEADD(MILLISECOND, CAST(? AS BIGINT), heartbeat_at))
			AS expires_at,
		task_caps, queue_caps, served_tasks, served_queues, running
FROM ${prefix}instances
WHERE COALESCE(expires_at, DATEADD(MILLISECOND, CAST(? AS BIGINT), heartbeat_at)) > CURRENT_TIMESTAMP
ORDER BY instance_id;

-- name: remove-instance
DELETE FROM ${prefix}instances WHERE instance_id = ?;

-- name: ensure-bucket
-- A bucket starts full.
MERGE INTO ${prefix}rate_buckets b
USING (VALUES (CAST(? AS VARCHAR), CAST(? AS DOUBLE PRECISION))) AS s(bucket, tokens)
ON b.bucket = s.bucket
WHEN NOT MATCHED THEN INSERT (bucket, tokens, updated_at) VALUES (s.bucket, s.tokens, CURRENT_TIMESTAMP);

-- name: lock-bucket
SELECT tokens, CURRENT_TIMESTAMP AS now, DATEDIFF(MICROSECOND, updated_at, CURRENT_TIMESTAMP) AS elapsed_us
FROM ${prefix}rate_buckets WHERE bucket = ?
FOR UPDATE;

-- name: update-bucket
UPDATE ${prefix}rate_buckets SET tokens = ?, updated_at = ? WHERE bucket = ?;

-- name: reap-candidates
-- As for PostgreSQL: only leases that expired before the reaper's last acknowledged heartbeat.
SELECT j.id, j.task, c.instance_id, c.claim_token
FROM ${prefix}jobs j LEFT JOIN ${prefix}claims c ON c.job_id = j.id
WHERE j.status = 'RUNNING'
	AND (c.job_id IS NULL OR (c.lease_expires_at <= DATEADD(MILLISECOND, -CAST(? AS BIGINT), CURRENT_TIMESTAMP)
		AND c.lease_expires_at < ?));

-- name: reap-delete-claims
-- Checks expiry again: a heartbeat may have renewed the lease since the candidates were read.
SELECT job_id FROM OLD TABLE (
	DELETE FROM ${prefix}claims
	WHERE claim_token = ANY(CAST(?2 AS UUID ARRAY))
		AND (job_id, claim_token) IN (
			SELECT r.job_id, r.token FROM UNNEST(CAST(?1 AS UUID ARRAY), CAST(?2 AS UUID ARRAY)) AS r(job_id, token))
		AND lease_expires_at <= DATEADD(MILLISECOND, -CAST(?3 AS BIGINT), CURRENT_TIMESTAMP)
		AND lease_expires_at < ?4
);

-- name: reap-jobs
-- An attempt was consumed by the claim; PENDING when retries are left, else DEAD.
SELECT id, status, awaited FROM FINAL TABLE (
	MERGE INTO ${prefix}jobs j
	USING (SELECT * FROM UNNEST(CAST(? AS UUID ARRAY), CAST(? AS VARCHAR ARRAY)) AS u(id, reason)) r
	ON j.id = r.id AND j.status = 'RUNNING'
		AND NOT EXISTS (SELECT 1 FROM ${prefix}claims c WHERE c.job_id = j.id)
	WHEN MATCHED THEN UPDATE SET
		status = CASE WHEN j.attempts > j.max_retries THEN 'DEAD' WHEN j.concurrency_key IS NULL THEN 'PENDING'
			ELSE 'KEYED' END,
		run_at = CASE WHEN j.attempts <= j.max_retries THEN CURRENT_TIMESTAMP ELSE j.run_at END,
		finished_at = CASE WHEN j.attempts <= j.max_retries THEN NULL ELSE CURRENT_TIMESTAMP END,
		last_error = CASE WHEN j.attempts <= j.max_retries THEN r.reason ELSE r.reason || '; no retries were left' END
);

-- name: purge
-- One bounded chunk of finished jobs past their retention, in a short transaction of its own.
DELETE FROM ${prefix}jobs
WHERE (status IN ('SUCCEEDED', 'CANCELLED')
		AND finished_at < DATEADD(MILLISECOND, -CAST(? AS BIGINT), CURRENT_TIMESTAMP))
	OR (status = 'DEAD' AND finished_at < DATEADD(MILLISECOND, -CAST(? AS BIGINT), CURRENT_TIMESTAMP))
FETCH FIRST ? ROWS ONLY;

-- The operations API. The statements take a JobQuery as PostgreSQL's do: statuses (?1),
-- task (?2) and queue (?3, NULL for all), the inclusive id range (?4 .. ?5), the due range
-- on run_at (?6 inclusive, ?7 exclusive, NULL for none) and the page size (?8). H2 holds one
-- process's jobs, so these read jobs_listing's statuses directly and sort what matches by id.

-- fragment: query-match
WHERE status = ANY(CAST(?1 AS VARCHAR ARRAY))
	AND (CAST(?2 AS VARCHAR) IS NULL OR task = ?2) AND (CAST(?3 AS VARCHAR) IS NULL OR queue = ?3)
	AND id >= ?4 AND id <= ?5
	AND (CAST(?6 AS TIMESTAMP WITH TIME ZONE) IS NULL OR run_at >= ?6)
	AND (CAST(?7 AS TIMESTAMP WITH TIME ZONE) IS NULL OR run_at < ?7)

-- name: list-jobs
SELECT id, task, queue, status, attempts, max_retries, priority, created_at, run_at, started_at, finished_at,
		last_error, result, unique_key, scheduled_for, concurrency_key
FROM ${prefix}jobs
${fragment:query-match}
ORDER BY id
FETCH FIRST ?8 ROWS ONLY;

-- name: list-step
SELECT id, unique_key
FROM ${prefix}jobs
${fragment:query-match}
ORDER BY id
FETCH FIRST ?8 ROWS ONLY;

-- name: count-jobs
SELECT count(*) AS n
FROM ${prefix}jobs
${fragment:query-match}
	AND CAST(?8 AS INT) IS NOT NULL;

-- name: newest-job
SELECT max(id) AS id
FROM ${prefix}jobs
${fragment:query-match}
	AND CAST(?8 AS INT) IS NOT NULL
HAVING max(id) IS NOT NULL;

-- name: job-counts
SELECT task, queue, count(CASE WHEN status IN ('PENDING', 'KEYED') THEN 1 END) AS pending,
		count(CASE WHEN status = 'RUNNING' THEN 1 END) AS running, count(CASE WHEN status = 'DEAD' THEN 1 END) AS dead
FROM ${prefix}jobs WHERE status IN ('PENDING', 'KEYED', 'RUNNING', 'DEAD')
GROUP BY task, queue
ORDER BY task, queue;

-- name: active-keys
SELECT held_unique_key AS unique_key FROM ${prefix}jobs WHERE held_unique_key = ANY(CAST(? AS VARCHAR ARRAY));

-- name: retry-jobs
SELECT id FROM FINAL TABLE (
	UPDATE ${prefix}jobs SET status = CASE WHEN concurrency_key IS NULL THEN 'PENDING' ELSE 'KEYED' END, attempts = 0,
		run_at = CURRENT_TIMESTAMP, finished_at = NULL
	WHERE id = ANY(CAST(? AS UUID ARRAY)) AND status = 'DEAD'
);

-- name: reschedule
SELECT run_at <= CURRENT_TIMESTAMP AS due FROM FINAL TABLE (
	UPDATE ${prefix}jobs SET run_at = ? WHERE id = ? AND status IN ('PENDING', 'KEYED')
);

-- name: delete-job
DELETE FROM ${prefix}jobs WHERE id = ? AND status IN ('SUCCEEDED', 'DEAD', 'CANCELLED');

-- name: watch
SELECT id, task, queue, status, attempts, max_retries, priority, created_at, run_at, started_at, finished_at,
		last_error, result, unique_key, scheduled_for, concurrency_key
FROM FINAL TABLE (UPDATE ${prefix}jobs SET awaited = TRUE WHERE id = ?);

-- name: schedules
-- Every schedule and the store's now, in one statement (a row with NULLs when there is none).
SELECT n.store_time, s.task, s.definition, s.defined_at, s.last_tick, s.last_job_id, s.paused, s.skipped_ticks
FROM (SELECT CURRENT_TIMESTAMP AS store_time) n LEFT JOIN ${prefix}schedules s ON 1 = 1
ORDER BY s.task;

-- name: lock-schedule
-- Held until the tick's (or the registration's) transaction ends: instances racing for one
-- schedule take turns, and each then compares what it read with what it finds.
SELECT task, definition, defined_at, last_tick, last_job_id, paused, skipped_ticks
FROM ${prefix}schedules WHERE task = ? FOR UPDATE;

-- name: insert-schedule
-- A new schedule starts now: no tick before its registration is ever enqueued.
INSERT INTO ${prefix}schedules (task, definition, defined_at, last_tick, last_job_id, paused, skipped_ticks)
VALUES (?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, NULL, FALSE, 0);

-- name: redefine-schedule
-- The definition of the instance started last; the old definition's ticks are never caught up.
UPDATE ${prefix}schedules SET definition = ?, defined_at = CURRENT_TIMESTAMP, last_tick = CURRENT_TIMESTAMP WHERE task = ?;

-- name: schedule-job-status
SELECT status FROM ${prefix}jobs WHERE id = ?;

-- name: insert-tick-job
-- A tick's job, due now, with the tick as its scheduled time.
INSERT INTO ${prefix}jobs (id, task, queue, payload, priority, status, attempts, max_retries, timeout_ms,
		created_at, run_at, headers, scheduled_for)
VALUES (?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, ?, ?);

-- name: advance-schedule
-- Moves the last tick on, with the latest tick's job and the ticks skipped so far.
UPDATE ${prefix}schedules SET last_tick = ?, last_job_id = ?, skipped_ticks = ?
WHERE task = ?;

-- name: pause-schedule
UPDATE ${prefix}schedules SET paused = ? WHERE task = ?;

-- name: finished-pairs
-- The (status, task, queue) triples of SUCCEEDED and DEAD jobs created since the first bound
-- (?), found as pending-pairs finds its pairs: the distinct tasks and queues from the first
-- column of jobs_pending and of jobs_queue, each combination probed in jobs_listing
-- (status, task, queue, id) from the bound up.
SELECT s.status, t.task, q.queue
FROM (SELECT DISTINCT task FROM ${prefix}jobs USE INDEX (${prefix}jobs_pending)) t, (SELECT DISTINCT queue FROM ${prefix}jobs) q,
	(VALUES ('SUCCEEDED'), ('DEAD')) s(status)
WHERE EXISTS (SELECT 1 FROM ${prefix}jobs j WHERE j.status = s.status AND j.task = t.task AND j.queue = q.queue AND j.id >= ?);

-- name: count-finished
-- One (status, task, queue) triple's jobs in one id range: one range of jobs_listing.
SELECT count(*) AS n FROM ${prefix}jobs WHERE status = ? AND task = ? AND queue = ? AND id >= ? AND id < ?;

-- Caps per key: see queries-postgresql.sql. H2 is opened by one process, and the store's cap
-- gate (a lock in this JVM) serialises every keyed claim on the database, so no statement
-- here needs a database lock for the gate.

-- name: requeue-keys
MERGE INTO ${prefix}job_keys k
USING (SELECT DISTINCT task, queue, concurrency_key FROM ${prefix}jobs
		WHERE id = ANY(CAST(? AS UUID ARRAY)) AND status = 'KEYED') s
ON k.task = s.task AND k.queue = s.queue AND k.concurrency_key = s.concurrency_key
WHEN MATCHED THEN UPDATE SET last_served = k.last_served
WHEN NOT MATCHED THEN INSERT (task, queue, concurrency_key, last_served)
	VALUES (s.task, s.queue, s.concurrency_key, CURRENT_TIMESTAMP);

-- name: keyed-round
SELECT k.concurrency_key,
		(SELECT count(*) FROM ${prefix}claims c WHERE c.task = k.task AND c.concurrency_key = k.concurrency_key) AS running
FROM ${prefix}job_keys k
WHERE k.task = ? AND k.queue = ?
	AND (CAST(? AS INT) IS NULL OR (SELECT count(*) FROM ${prefix}claims c
		WHERE c.task = k.task AND c.concurrency_key = k.concurrency_key) < CAST(? AS INT))
ORDER BY k.task, k.queue, k.last_served
LIMIT ?;

-- name: keyed-jobs
SELECT id FROM ${prefix}jobs
WHERE task = ? AND queue = ? AND concurrency_key = ? AND status = 'KEYED' AND run_at <= CURRENT_TIMESTAMP
ORDER BY task, queue, concurrency_key, status, priority DESC, run_at, id
LIMIT ?;

-- name: keyed-claim-jobs
SELECT id FROM FINAL TABLE (
	UPDATE ${prefix}jobs SET status = 'RUNNING', attempts = attempts + 1, started_at = CURRENT_TIMESTAMP
	WHERE id = ANY(CAST(? AS UUID ARRAY)) AND status = 'KEYED'
);

-- name: keyed-claim-insert
INSERT INTO ${prefix}claims (job_id, task, queue, instance_id, claim_token, batch_id, claimed_at, lease_expires_at,
		concurrency_key)
SELECT j.id, j.task, j.queue, ?, RANDOM_UUID(), ?, CURRENT_TIMESTAMP,
		DATEADD(MILLISECOND, CAST(? AS BIGINT), CURRENT_TIMESTAMP), j.concurrency_key
FROM ${prefix}jobs j WHERE j.id = ANY(CAST(? AS UUID ARRAY));

-- name: lock-job-keys
SELECT task, queue, concurrency_key FROM ${prefix}job_keys
WHERE (task, queue, concurrency_key) IN (SELECT * FROM UNNEST(CAST(? AS VARCHAR ARRAY), CAST(? AS VARCHAR ARRAY),
		CAST(? AS VARCHAR ARRAY)))
FOR UPDATE SKIP LOCKED;

-- name: serve-job-keys
MERGE INTO ${prefix}job_keys k
USING (SELECT * FROM UNNEST(CAST(? AS VARCHAR ARRAY), CAST(? AS VARCHAR ARRAY), CAST(? AS VARCHAR ARRAY),
		CAST(? AS INTEGER ARRAY)) AS u(task, queue, ckey, ord)) v
ON k.task = v.task AND k.queue = v.queue AND k.concurrency_key = v.ckey
WHEN MATCHED THEN UPDATE SET last_served = DATEADD(MICROSECOND, v.ord, CURRENT_TIMESTAMP);

-- name: drop-job-keys
DELETE FROM ${prefix}job_keys k
WHERE (k.task, k.queue, k.concurrency_key) IN (SELECT * FROM UNNEST(CAST(? AS VARCHAR ARRAY),
		CAST(? AS VARCHAR ARRAY), CAST(? AS VARCHAR ARRAY)))
	AND NOT EXISTS (SELECT 1 FROM ${prefix}jobs j WHERE j.task = k.task AND j.queue = k.queue
		AND j.concurrency_key = k.concurrency_key AND j.status = 'KEYED');

-- name: count-claims-keys
SELECT 'T' AS kind, task AS name, CAST(NULL AS VARCHAR) AS ckey, count(*) AS claims FROM ${prefix}claims
WHERE task = ANY(CAST(? AS VARCHAR ARRAY)) GROUP BY task
UNION ALL
SELECT 'Q', queue, NULL, count(*) FROM ${prefix}claims
WHERE queue = ANY(CAST(? AS VARCHAR ARRAY)) GROUP BY queue
UNION ALL
SELECT 'K', c.task, c.concurrency_key, count(*) FROM ${prefix}claims c
WHERE (c.task, c.concurrency_key) IN (SELECT * FROM UNNEST(CAST(? AS VARCHAR ARRAY), CAST(? AS VARCHAR ARRAY)))
GROUP BY c.task, c.concurrency_key;

-- name: keys-at-cap
SELECT task, count(*) AS keys FROM (
	SELECT c.task, c.concurrency_key FROM ${prefix}claims c
	JOIN UNNEST(CAST(? AS VARCHAR ARRAY), CAST(? AS INTEGER ARRAY)) AS t(task, cap) ON t.task = c.task
	WHERE c.concurrency_key IS NOT NULL
	GROUP BY c.task, c.concurrency_key, t.cap HAVING count(*) >= t.cap
) k GROUP BY task;

-- name: any-job-keys
SELECT 1 FROM ${prefix}job_keys WHERE task = ANY(CAST(? AS VARCHAR ARRAY)) FETCH FIRST 1 ROWS ONLY;
