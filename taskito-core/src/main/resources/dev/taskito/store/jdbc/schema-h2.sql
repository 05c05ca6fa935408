-- Taskito's tables for H2.
-- Every name starts with ${prefix}: replace it with your table prefix
-- (taskito.jdbc.table-prefix, "taskito_" by default) before running this file yourself.
-- Every statement is idempotent, so the file can be run again after an upgrade.

CREATE TABLE IF NOT EXISTS ${prefix}jobs (
	id uuid PRIMARY KEY,
	task varchar(200) NOT NULL,
	queue varchar(200) NOT NULL,
	payload clob NOT NULL,
	priority integer DEFAULT 0 NOT NULL,
	status varchar(16) NOT NULL,
	attempts integer DEFAULT 0 NOT NULL,
	max_retries integer NOT NULL,
	timeout_ms bigint,
	unique_key varchar(500),
	created_at timestamp with time zone NOT NULL,
	run_at timestamp with time zone NOT NULL,
	started_at timestamp with time zone,
	finished_at timestamp with time zone,
	last_error clob,
	result clob
);

-- The claim's hot path: due pending jobs of one task and queue in claim order.
CREATE INDEX IF NOT EXISTS ${prefix}jobs_pending ON ${prefix}jobs (task, queue, status, priority DESC, run_at, id);

-- The purge of finished jobs by age. Not led by status: H2 would then pick it for every
-- "status = ..." test, even next to a primary key lookup, and lock or scan all such rows.
CREATE INDEX IF NOT EXISTS ${prefix}jobs_finished ON ${prefix}jobs (finished_at);

-- The distinct queues of the jobs, read from this index without reading the rows (with the
-- distinct tasks from jobs_pending), for the report of pending jobs that no live instance runs.
CREATE INDEX IF NOT EXISTS ${prefix}jobs_queue ON ${prefix}jobs (queue);

-- Listing, counting and bulk changes by status, task and queue in id order, and the reaper's
-- look for running jobs. Led by status, unlike jobs_finished: every statement that tests a
-- status next to a primary key lookup was checked to keep using the primary key.
CREATE INDEX IF NOT EXISTS ${prefix}jobs_listing ON ${prefix}jobs (status, task, queue, id);

-- Whether someone awaits the job's end (TaskQueue.awaitFinished): only then does finishing
-- it tell the listeners. NULL (not awaited) in jobs of an older version.
ALTER TABLE ${prefix}jobs ADD COLUMN IF NOT EXISTS awaited boolean;

-- The job's headers (such as a trace's traceparent) as a JSON object of text values, NULL
-- when it has none: a job without headers stores and reads nothing more. NULL in jobs of an
-- older version.
ALTER TABLE ${prefix}jobs ADD COLUMN IF NOT EXISTS headers clob;

CREATE TABLE IF NOT EXISTS ${prefix}claims (
	job_id uuid PRIMARY KEY,
	task varchar(200) NOT NULL,
	queue varchar(200) NOT NULL,
	instance_id varchar(200) NOT NULL,
	claim_token uuid NOT NULL UNIQUE,
	batch_id uuid NOT NULL,
	claimed_at timestamp with time zone NOT NULL,
	lease_expires_at timestamp with time zone NOT NULL
);

CREATE INDEX IF NOT EXISTS ${prefix}claims_task ON ${prefix}claims (task);
CREATE INDEX IF NOT EXISTS ${prefix}claims_queue ON ${prefix}claims (queue);
CREATE INDEX IF NOT EXISTS ${prefix}claims_lease ON ${prefix}claims (lease_expires_at);
CREATE INDEX IF NOT EXISTS ${prefix}claims_batch ON ${prefix}claims (instance_id, batch_id);

-- Caps are JSON objects of name to cap, as each instance declared them.
CREATE TABLE IF NOT EXISTS ${prefix}instances (
	instance_id varchar(200) PRIMARY KEY,
	heartbeat_at timestamp with time zone NOT NULL,
	task_caps clob NOT NULL,
	queue_caps clob NOT NULL
);

-- What each instance serves (JSON arrays of its tasks and of its queues) and when its record
-- expires, for the report of pending jobs that no live instance runs. Added to existing
-- tables in place; NULL in the row of an instance of an older version, which then counts
-- as serving everything (and as live for the default lease after its heartbeat).
ALTER TABLE ${prefix}instances ADD COLUMN IF NOT EXISTS served_tasks clob;
ALTER TABLE ${prefix}instances ADD COLUMN IF NOT EXISTS served_queues clob;
ALTER TABLE ${prefix}instances ADD COLUMN IF NOT EXISTS expires_at timestamp with time zone;
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
	updated_at timestamp with time zone NOT NULL
);

-- The tick of the periodic schedule that enqueued the job, NULL for a job enqueued otherwise
-- and in jobs of an older version.
ALTER TABLE ${prefix}jobs ADD COLUMN IF NOT EXISTS scheduled_for timestamp with time zone;

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
	defined_at timestamp with time zone NOT NULL,
	last_tick timestamp with time zone NOT NULL,
	last_job_id uuid,
	paused boolean NOT NULL,
	skipped_ticks bigint NOT NULL
);

-- Caps per key (EnqueueRequest.concurrencyKey). A keyed job waits with status 'KEYED', not
-- 'PENDING': the claim of an older version (status = 'PENDING') never sees it, and the API
-- shows it as PENDING. NULL in jobs of an older version.
ALTER TABLE ${prefix}jobs ADD COLUMN IF NOT EXISTS concurrency_key varchar(200);

-- A unique key is held only while its job waits (PENDING, or KEYED for a job with a
-- concurrency key) or runs. H2 has no partial indexes: this column holds the unique key only
-- then, and NULLs never collide in the unique index below, one index for every status that
-- holds a key, so that a keyed and an unkeyed enqueue of one key at the same moment conflict
-- in it. (A simple CASE, not IN (...) or OR: H2 2.4 turns those into a constant set bound to
-- the session that created the table, which fails once that connection is closed.)
ALTER TABLE ${prefix}jobs ADD COLUMN IF NOT EXISTS held_unique_key varchar(500) GENERATED ALWAYS AS
	(CASE status WHEN 'PENDING' THEN unique_key WHEN 'KEYED' THEN unique_key WHEN 'RUNNING' THEN unique_key END);

CREATE UNIQUE INDEX IF NOT EXISTS ${prefix}jobs_held_unique_key ON ${prefix}jobs (held_unique_key);

-- It replaces active_unique_key (PENDING and RUNNING) and keyed_unique_key (KEYED) with an
-- index each, which let both in; tables of an older version lose them in place.
DROP INDEX IF EXISTS ${prefix}jobs_unique_key;
DROP INDEX IF EXISTS ${prefix}jobs_keyed_unique_key;
ALTER TABLE ${prefix}jobs DROP COLUMN IF EXISTS active_unique_key;
ALTER TABLE ${prefix}jobs DROP COLUMN IF EXISTS keyed_unique_key;

-- The claim of keyed jobs: one key's waiting jobs in claim order.
CREATE INDEX IF NOT EXISTS ${prefix}jobs_keyed
	ON ${prefix}jobs (task, queue, concurrency_key, status, priority DESC, run_at, id);

-- The claim's key, for the count of a (task, key)'s claims.
ALTER TABLE ${prefix}claims ADD COLUMN IF NOT EXISTS concurrency_key varchar(200);

CREATE INDEX IF NOT EXISTS ${prefix}claims_key ON ${prefix}claims (task, concurrency_key);

-- A row per (task, queue, key) that has KEYED jobs: the keys of the round-robin.
CREATE TABLE IF NOT EXISTS ${prefix}job_keys (
	task varchar(200) NOT NULL,
	queue varchar(200) NOT NULL,
	concurrency_key varchar(200) NOT NULL,
	last_served timestamp with time zone NOT NULL,
	PRIMARY KEY (task, queue, concurrency_key)
);

CREATE INDEX IF NOT EXISTS ${prefix}job_keys_round ON ${prefix}job_keys (task, queue, last_served);
