-- Taskito's tables for PostgreSQL.
-- Every name starts with ${prefix}: replace it with your table prefix
-- (taskito.jdbc.table-prefix, "taskito_" by default) before running this file yourself.
-- Every statement is idempotent, so the file can be run again after an upgrade.

CREATE TABLE IF NOT EXISTS ${prefix}jobs (
	id uuid PRIMARY KEY,
	task varchar(200) NOT NULL,
	queue varchar(200) NOT NULL,
	payload text NOT NULL,
	priority integer NOT NULL DEFAULT 0,
	status varchar(16) NOT NULL,
	attempts integer NOT NULL DEFAULT 0,
	max_retries integer NOT NULL,
	timeout_ms bigint,
	unique_key varchar(500),
	created_at timestamptz NOT NULL,
	run_at timestamptz NOT NULL,
	started_at timestamptz,
	finished_at timestamptz,
	last_error text,
	result text
);

-- The claim's hot path: due pending jobs of one task and queue in claim order.
CREATE INDEX IF NOT EXISTS ${prefix}jobs_pending
	ON ${prefix}jobs (task, queue, priority DESC, run_at, id) WHERE status = 'PENDING';

-- A unique key is held only while its job waits (PENDING, or KEYED for a job with a
-- concurrency key) or runs: one index for every status that holds it, so that a keyed and
-- an unkeyed enqueue of one key at the same moment conflict in it (the enqueue's ON CONFLICT
-- waits for the other to commit). It replaces jobs_unique_key (PENDING and RUNNING), and
-- jobs_keyed_unique_key (KEYED), which let both in. A statement that tests only PENDING and
-- RUNNING (as the previous release's do) still reads it.
-- Built in place (and locking the jobs table against writes while it builds) when Taskito
-- starts on tables of an older version; on a large table create it first with
-- CREATE UNIQUE INDEX CONCURRENTLY, under this name, and start afterwards.
CREATE UNIQUE INDEX IF NOT EXISTS ${prefix}jobs_held_unique_key
	ON ${prefix}jobs (unique_key) WHERE status IN ('PENDING', 'KEYED', 'RUNNING') AND unique_key IS NOT NULL;

DROP INDEX IF EXISTS ${prefix}jobs_unique_key;

-- Listing, counting and bulk changes by status, task and queue in id order: a status's
-- (task, queue) pairs are found by skipping through it one probe per pair, then each pair's
-- jobs are read in id order from where a page starts. Also the purge of finished jobs by age
-- (jobs_finished before). Every row version of a job but its RUNNING one is written here.
-- Built in place (and locking the jobs table against writes while it builds) when Taskito
-- starts on tables of an older version; on a large table create it first with
-- CREATE INDEX CONCURRENTLY, under this name, and start afterwards.
--
-- Its text columns compare bytewise (COLLATE "C"), whatever the database's collation: every
-- job inserts two entries, each found by comparing status, task and queue down the tree,
-- and a locale's comparison (even C.UTF-8's, through strcoll) cost the two-instance drain
-- several per cent where bytewise comparison costs about one. The statements that read it
-- say COLLATE "C" in their conditions so that they can use it, and status <> 'RUNNING' so
-- that a plan may use it whatever statuses are asked for (a partial index serves a query
-- only when the query's own conditions imply its predicate); the order of pairs it gives
-- is byte order, which only decides the order pairs are visited in.
--
-- RUNNING jobs are left out: every claim paid an entry of four columns here, which measured
-- on its own cost the claim about 3 microseconds per job more than the narrow jobs_running
-- entry below, some 2 % of the store's CPU in a drain. Running jobs are listed from
-- jobs_running instead: they are as many as the jobs running. It replaces jobs_listing,
-- which held an entry for every row version.
CREATE INDEX IF NOT EXISTS ${prefix}jobs_listing_not_running
	ON ${prefix}jobs (status COLLATE "C", task COLLATE "C", queue COLLATE "C", id) WHERE status <> 'RUNNING';

DROP INDEX IF EXISTS ${prefix}jobs_listing;

-- The running jobs in id order: their listing, the stats' running counts and the reaper's
-- look at every running job (a RUNNING job whose claim row is gone has no lease to expire).
CREATE INDEX IF NOT EXISTS ${prefix}jobs_running ON ${prefix}jobs (id) WHERE status = 'RUNNING';

-- The purge of finished jobs by age had an index of its own (status, finished_at) before;
-- it now reads jobs_listing_not_running (see the purge statement), which spares every job one entry.
DROP INDEX IF EXISTS ${prefix}jobs_finished;

-- Whether someone awaits the job's end (TaskQueue.awaitFinished): only then does finishing
-- it send a notification. NULL (not awaited) in jobs of an older version.
ALTER TABLE ${prefix}jobs ADD COLUMN IF NOT EXISTS awaited boolean;

-- The job's headers (such as a trace's traceparent) as a JSON object of text values, NULL
-- when it has none: a job without headers stores and reads nothing more. NULL in jobs of an
-- older version.
ALTER TABLE ${prefix}jobs ADD COLUMN IF NOT EXISTS headers text;

-- A row per RUNNING job, written by the claim and removed with its outcome: every index here
-- is paid for by every job twice. Statements find a claim by its job id (the primary key)
-- and check its token; only the post-claim count needs more (task and queue). A lost claim's
-- batch (recover-claim) is rare enough for a scan of this small table, and the reaper finds
-- expired leases through the running jobs.
CREATE TABLE IF NOT EXISTS ${prefix}claims (
	job_id uuid PRIMARY KEY,
	task varchar(200) NOT NULL,
	queue varchar(200) NOT NULL,
	instance_id varchar(200) NOT NULL,
	claim_token uuid NOT NULL,
	batch_id uuid NOT NULL,
	claimed_at timestamptz NOT NULL,
	lease_expires_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS ${prefix}claims_task ON ${prefix}claims (task);
CREATE INDEX IF NOT EXISTS ${prefix}claims_queue ON ${prefix}claims (queue);

-- Caps are JSON objects of name to cap, as each instance declared them.
CREATE TABLE IF NOT EXISTS ${prefix}instances (
	instance_id varchar(200) PRIMARY KEY,
	heartbeat_at timestamptz NOT NULL,
	task_caps text NOT NULL,
	queue_caps text NOT NULL
);

-- What each instance serves (JSON arrays of its tasks and of its queues) and when its record
-- expires, for the report of pending jobs that no live instance runs. Added to existing
-- tables in place; NULL in the row of an instance of an older version, which then counts
-- as serving everything (and as live for the default lease after its heartbeat).
ALTER TABLE ${prefix}instances ADD COLUMN IF NOT EXISTS served_tasks text;
ALTER TABLE ${prefix}instances ADD COLUMN IF NOT EXISTS served_queues text;
ALTER TABLE ${prefix}instances ADD COLUMN IF NOT EXISTS expires_at timestamptz;
-- How many jobs each instance ran at its last heartbeat, for the dashboard and the Actuator
-- endpoint; NULL in the row of an instance of an older version, which does not say.
ALTER TABLE ${prefix}instances ADD COLUMN IF NOT EXISTS running integer;

CREATE TABLE IF NOT EXISTS ${prefix}queues (
	queue varchar(200) PRIMARY KEY,
	paused boolean NOT NULL
);

-- The pause a queue's configuration last declared (taskito.queues.<name>.paused), kept apart
-- from the pause itself so that a pause or resume made at runtime survives restarts with
-- the configuration it overrode. NULL when no configuration declared one yet.
ALTER TABLE ${prefix}queues ADD COLUMN IF NOT EXISTS configured_paused boolean;

CREATE TABLE IF NOT EXISTS ${prefix}rate_buckets (
	bucket varchar(300) PRIMARY KEY,
	tokens double precision NOT NULL,
	updated_at timestamptz NOT NULL
);

-- The tick of the periodic schedule that enqueued the job, NULL for a job enqueued otherwise
-- and in jobs of an older version.
ALTER TABLE ${prefix}jobs ADD COLUMN IF NOT EXISTS scheduled_for timestamptz;

-- A row per periodic task, shared by every instance: the schedule the instance started last
-- declared (definition, and when: defined_at), and the latest tick enqueued or passed over.
-- A tick is enqueued by moving last_tick from the value an instance read to the tick, in the
-- transaction that inserts the job (compare-and-set), so that of instances racing for a tick
-- one enqueues it; unlike a unique key, the row outlives the job, so an instance that comes
-- late never enqueues the tick again. last_job_id is the latest tick's job: a tick whose
-- previous job is still PENDING is passed over and counted in skipped_ticks.
CREATE TABLE IF NOT EXISTS ${prefix}schedules (
	task varchar(200) PRIMARY KEY,
	definition varchar(500) NOT NULL,
	defined_at timestamptz NOT NULL,
	last_tick timestamptz NOT NULL,
	last_job_id uuid,
	paused boolean NOT NULL,
	skipped_ticks bigint NOT NULL
);

-- Caps per key (EnqueueRequest.concurrencyKey). A keyed job waits with status 'KEYED', not
-- 'PENDING': the claim of an older version (status = 'PENDING', through jobs_pending) never
-- sees it, and the API shows it as PENDING. NULL in jobs of an older version.
ALTER TABLE ${prefix}jobs ADD COLUMN IF NOT EXISTS concurrency_key varchar(200);

-- The claim of keyed jobs: one key's waiting jobs in claim order (priority, then due time and
-- enqueue order), so that a job given back keeps its place within its key.
CREATE INDEX IF NOT EXISTS ${prefix}jobs_keyed
	ON ${prefix}jobs (task, queue, concurrency_key, priority DESC, run_at, id) WHERE status = 'KEYED';

-- The gauges' figures of keyed jobs per queue: the first entry of a queue is its earliest
-- keyed due time, and its entries count its keyed jobs up to a limit, one probe per queue
-- whatever the keys. jobs_keyed cannot answer that: it orders by due time only within a key
-- and a priority, so the earliest would take a probe per key. A keyed job pays one entry more
-- (about 40 bytes, once per time it becomes KEYED); unkeyed jobs pay nothing.
-- No other statement may use it, and none can: its predicate says run_at > '-infinity', which
-- only the gauges say (a partial index serves a query only when the query's own conditions
-- imply the predicate), and its queue compares bytewise (COLLATE "C"), as only the gauges
-- compare it. With "status = 'KEYED'" alone, it served the claim's "does this key still
-- have KEYED jobs" probes (task, queue and key equal) as a walk of all of the queue's keyed
-- jobs, filtered by key, whenever statistics taken while the table was small made it look
-- cheap: the keyed drain benchmark fell to a few hundred jobs a second. Those probes belong
-- to jobs_keyed.
CREATE INDEX IF NOT EXISTS ${prefix}jobs_keyed_queue_due ON ${prefix}jobs (queue COLLATE "C", run_at)
	WHERE status = 'KEYED' AND run_at > '-infinity';

-- The claim's key, for the count of a (task, key)'s claims: the store-side gate and the
-- post-claim check. NULL for an unkeyed job and in claims of an older version.
ALTER TABLE ${prefix}claims ADD COLUMN IF NOT EXISTS concurrency_key varchar(200);

-- Partial: only keyed claims have an entry, so that a claim of an unkeyed job (every claim of
-- an application without caps per key) pays no entry here. Every statement that reads it
-- compares concurrency_key with "=", which implies the predicate. It replaces claims_key,
-- which held an entry for every claim.
CREATE INDEX IF NOT EXISTS ${prefix}claims_keyed ON ${prefix}claims (task, concurrency_key)
	WHERE concurrency_key IS NOT NULL;

DROP INDEX IF EXISTS ${prefix}claims_key;

-- A row per (task, queue, key) that has KEYED jobs, and nothing for a key whose jobs are all
-- running or done: the keys of the round-robin, least lately served first. Written in the
-- transaction that makes a job KEYED (enqueue, rollback, retry, reap), deleted by the claim
-- that finds the key without KEYED jobs.
CREATE TABLE IF NOT EXISTS ${prefix}job_keys (
	task varchar(200) NOT NULL,
	queue varchar(200) NOT NULL,
	concurrency_key varchar(200) NOT NULL,
	last_served timestamptz NOT NULL,
	PRIMARY KEY (task, queue, concurrency_key)
);

CREATE INDEX IF NOT EXISTS ${prefix}job_keys_round ON ${prefix}job_keys (task, queue, last_served);

-- A keyed job's unique key had an index of its own before; jobs_held_unique_key covers it.
DROP INDEX IF EXISTS ${prefix}jobs_keyed_unique_key;

-- Rolling deploys: an instance of the previous release (0.3) knows no keys, and its reaper,
-- its retry of a dead job and its bulk retry set status = 'PENDING', where its claim (and
-- this release's claim of unkeyed jobs) would take a keyed job uncapped per key. This
-- trigger turns such a keyed job back into KEYED, and puts its key in the round as
-- requeue-keys does (the update of an existing row holds its lock until commit, so that no
-- claim drops it under the job). This release never writes 'PENDING' into a keyed job, so
-- the WHEN clause keeps the trigger from running at all for its statements and for every
-- unkeyed job. Dropped and created again rather than CREATE OR REPLACE TRIGGER, which
-- PostgreSQL 13 and older lack; the function is named after the prefix, as the tables are,
-- since its body names the prefix's job_keys table.
-- An AFTER trigger, not a BEFORE one: PostgreSQL locks each row before a BEFORE UPDATE row
-- trigger, before it even looks at the WHEN clause, so every claim and finish of every job
-- paid a tuple lock more (the PostgreSQL drain lost about 30 per cent). An AFTER trigger's
-- WHEN is checked on the rows the statement already has. Its own update turns the row
-- KEYED within the same transaction, so the PENDING row is never seen outside it, and the
-- update does not fire the trigger again (the row is no longer PENDING).
CREATE OR REPLACE FUNCTION ${prefix}jobs_keep_keyed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE ${prefix}jobs SET status = 'KEYED' WHERE id = NEW.id AND status = 'PENDING';
	INSERT INTO ${prefix}job_keys (task, queue, concurrency_key, last_served)
	VALUES (NEW.task, NEW.queue, NEW.concurrency_key, clock_timestamp())
	ON CONFLICT (task, queue, concurrency_key) DO UPDATE SET last_served = ${prefix}job_keys.last_served;
	RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS ${prefix}jobs_keep_keyed ON ${prefix}jobs;

CREATE TRIGGER ${prefix}jobs_keep_keyed AFTER INSERT OR UPDATE OF status ON ${prefix}jobs
	FOR EACH ROW WHEN (NEW.status = 'PENDING' AND NEW.concurrency_key IS NOT NULL)
	EXECUTE FUNCTION ${prefix}jobs_keep_keyed();
