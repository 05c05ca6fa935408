-- Stores new jobs as PENDING, all or none.
-- ARGV, 12 per job: id, task, queue, payload, priority, delay_ms, run_at_ms ('' = use the
-- delay), unique_key ('' = none), max_retries, timeout_ms ('' = none), headers (a JSON
-- object; '' = none, and then the job's hash has no headers field at all), concurrency key
-- ('' = none; a keyed job waits in its key's sets, see lib.lua).
-- Returns the id that stands for each job: its own, or that of the job holding its key.
local FIELDS = 12
if #ARGV == 0 or #ARGV % FIELDS ~= 0 then
  error('taskito: enqueue needs ' .. FIELDS .. ' arguments per job, got ' .. #ARGV)
end
local jobs = {}
for i = 1, #ARGV, FIELDS do
  local job = {
    id = arg_text(ARGV[i], 'id'), task = arg_text(ARGV[i + 1], 'task'), queue = arg_text(ARGV[i + 2], 'queue'),
    payload = ARGV[i + 3], priority = arg_int(ARGV[i + 4], 'priority'), delay = arg_int(ARGV[i + 5], 'delay'),
    unique_key = ARGV[i + 7], max_retries = arg_int(ARGV[i + 8], 'max_retries'), headers = ARGV[i + 10],
    ckey = ARGV[i + 11]
  }
  if ARGV[i + 6] ~= '' then job.run_at = arg_int(ARGV[i + 6], 'run_at') end
  if ARGV[i + 9] ~= '' then job.timeout = arg_int(ARGV[i + 9], 'timeout') end
  jobs[#jobs + 1] = job
end

local now = now_ms()
-- Printed once (see dequeue.lua).
local now_text = string.format('%d', now)
local out = {}
local due = false
-- New ids are gathered per pair and added to the index once per pair (see apply_index_moves).
local indexed = {}
for _, job in ipairs(jobs) do
  local jk = job_key(job.id)
  local holder = nil
  if job.unique_key ~= '' then
    holder = redis.call('HGET', K_UNIQUE, job.unique_key)
    -- Every script that finishes a job frees its key; this only guards against a key left
    -- behind by hand-made changes, which would otherwise block the key for good.
    if holder then
      local status = redis.call('HGET', job_key(holder), 'status')
      if status ~= 'PENDING' and status ~= 'RUNNING' then holder = nil end
    end
  end
  if redis.call('EXISTS', jk) == 1 then
    -- The same job again: a call that Lettuce re-sent after a reconnect, or that the caller
    -- repeated after losing the answer. Storing nothing keeps it exactly once.
    out[#out + 1] = job.id
  elseif holder then
    out[#out + 1] = holder
  else
    local run_at = job.run_at or (now + job.delay)
    redis.call('HSET', jk, 'id', job.id, 'task', job.task, 'queue', job.queue, 'payload', job.payload,
      'priority', string.format('%d', job.priority), 'attempts', '0', 'max_retries',
      string.format('%d', job.max_retries), 'created', now_text)
    if job.timeout then redis.call('HSET', jk, 'timeout', job.timeout) end
    if job.headers ~= '' then redis.call('HSET', jk, 'headers', job.headers) end
    if job.unique_key ~= '' then
      redis.call('HSET', jk, 'unique_key', job.unique_key)
      redis.call('HSET', K_UNIQUE, job.unique_key, job.id)
    end
    if job.ckey ~= '' then redis.call('HSET', jk, 'ckey', job.ckey) end
    make_pending(jk, job.id, job.queue, job.task, job.priority, run_at, now, job.ckey)
    gather(indexed, index_key('active', job.queue, job.task), job.id)
    mark_index_pair(job.queue, job.task)
    if run_at <= now then due = true end
    out[#out + 1] = job.id
  end
end
apply_index_moves({}, indexed)
if due then publish_wake_up('enqueued') end
return out
