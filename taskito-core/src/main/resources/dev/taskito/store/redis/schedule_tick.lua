-- Enqueues one tick of a periodic task, exactly once across the cluster. ARGV: task,
-- definition, expected last tick (ms), tick (ms), then for a job (none: pass over the missed
-- ticks up to the tick) its id, queue, payload, priority, max_retries, timeout_ms ('' =
-- none), headers ('' = none).
-- The schedule must exist, not be paused, have this definition and still have the expected
-- last tick (compare-and-set: of instances racing for one tick, the first moves it and the
-- others find it taken). When the previous tick's job is still PENDING the tick is only
-- counted as skipped. Returns one word: ENQUEUED, SKIPPED_OVERLAP, PASSED_OVER, TAKEN,
-- DEFINITION_DIFFERS, PAUSED or UNKNOWN.
local task = arg_text(ARGV[1], 'task')
local definition = arg_text(ARGV[2], 'definition')
local expected = arg_text(ARGV[3], 'expected last tick')
local tick = arg_int(ARGV[4], 'tick')
local sk = schedule_key(task)
local s = redis.call('HMGET', sk, 'definition', 'last_tick', 'paused', 'last_job', 'skipped')
if not s[1] then return { 'UNKNOWN' } end
if s[1] ~= definition then return { 'DEFINITION_DIFFERS' } end
if s[3] == '1' then return { 'PAUSED' } end
if s[2] ~= expected then return { 'TAKEN' } end
if #ARGV == 4 then
  redis.call('HSET', sk, 'last_tick', tick)
  return { 'PASSED_OVER' }
end
if s[4] and redis.call('HGET', job_key(s[4]), 'status') == 'PENDING' then
  -- The previous tick's job has not even started: another would only queue up behind it.
  redis.call('HSET', sk, 'last_tick', tick, 'skipped', (tonumber(s[5]) or 0) + 1)
  return { 'SKIPPED_OVERLAP' }
end
local id = arg_text(ARGV[5], 'id')
local queue = arg_text(ARGV[6], 'queue')
local payload = ARGV[7]
local priority = arg_int(ARGV[8], 'priority')
local max_retries = arg_int(ARGV[9], 'max_retries')
local now = now_ms()
local jk = job_key(id)
-- As enqueue.lua stores a job, due now, with the tick as its scheduled time.
redis.call('HSET', jk, 'id', id, 'task', task, 'queue', queue, 'payload', payload, 'priority', priority,
  'attempts', 0, 'max_retries', max_retries, 'created', now, 'scheduled', tick)
if ARGV[10] ~= '' then redis.call('HSET', jk, 'timeout', arg_int(ARGV[10], 'timeout')) end
if ARGV[11] ~= '' then redis.call('HSET', jk, 'headers', ARGV[11]) end
make_pending(jk, id, queue, task, priority, now, now)
local indexed = {}
gather(indexed, index_key('active', queue, task), id)
mark_index_pair(queue, task)
apply_index_moves({}, indexed)
redis.call('HSET', sk, 'last_tick', tick, 'last_job', id)
publish_wake_up('enqueued')
return { 'ENQUEUED' }
