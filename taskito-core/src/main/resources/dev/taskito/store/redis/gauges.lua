-- Reads the cluster's gauges, reading no job and writing nothing.
-- ARGV: count_limit (the most PENDING jobs reported per queue), then (task, cap per key) for
-- each task with a cap per key.
-- Returns { the store's time in ms, { queue, pending, running, oldest due in ms ('' for none), ... },
--   { task, running, ... }, { task, keys at their cap, ... } }, in no order.
-- Keyed jobs (see lib.lua) wait outside the ready and delayed sets: each pair of index-pairs
-- counts them from the job index (pair_keyed_pending: active less running less unkeyed; while
-- the index is not whole, see index_is_whole, only pairs with keyed jobs due). Their
-- earliest due time is read per pair from at most KEYS_READ keys at each end of its round
-- (kdue; every key when it holds no more than twice that): the least lately served, which
-- have waited longest for a turn, and the most lately parked or served, where a key at its
-- cap keeps its backlog. Of each key, the first member of each priority in its ready set
-- (its next job at that priority, the oldest enqueued) gives its due time with one HGET; the
-- ready set orders by priority and id, not by due time, so no bounded read can do better
-- without a structure every claim keeps (see docs/redis.md). Keyed jobs that fell due and no
-- claim has promoted yet are read from the head of kdelayed, up to KDELAYED_READ of them.
-- Keys at their cap are one ZCOUNT of the task's running counts per key, whatever the number
-- of keys.
-- Per pair of pending-pairs: PENDING jobs are the ZCARDs of its ready and delayed sets. The
-- earliest due one is found in the ready set, whose members order by priority first and by
-- run_at within a priority (see ready_member): its first member at each priority holds that
-- priority's earliest run_at, and the next priority starts at the first member past the
-- priority's prefix, one ZRANGEBYLEX each (a loose index scan: one probe per distinct
-- priority of the pair, whatever the number of jobs). A delayed job that fell due and that
-- no claim has moved to the ready set yet is due too: the pair's delayed set is ordered by
-- run_at, so its first member tells. Running jobs are the SCARDs of the claim sets of the
-- queues and tasks of index-pairs (every pair that holds jobs).
local count_limit = arg_int(ARGV[1], 'count limit')
if count_limit < 1 then
  error('taskito: gauges needs a count limit of at least 1, got ' .. count_limit)
end
if (#ARGV - 1) % 2 ~= 0 then
  error('taskito: gauges needs a task and a cap per task capped per key')
end
local key_caps = {}
for i = 2, #ARGV, 2 do
  key_caps[#key_caps + 1] = { task = arg_text(ARGV[i], 'task'), cap = arg_int(ARGV[i + 1], 'cap per key') }
end
local now = now_ms()

local queues, queue_names = {}, {}
local function queue_gauge(queue)
  local gauge = queues[queue]
  if not gauge then
    gauge = { pending = 0, running = 0 }
    queues[queue] = gauge
    queue_names[#queue_names + 1] = queue
  end
  return gauge
end
local function earlier(gauge, run_at)
  if run_at and (not gauge.oldest or run_at < gauge.oldest) then gauge.oldest = run_at end
end

local KEYS_READ, KDELAYED_READ = 32, 100
local function keyed_earliest_due(queue, task, gauge)
  local kd = kdue_key(queue, task)
  local keys = redis.call('ZRANGE', kd, 0, 2 * KEYS_READ)
  if #keys > 2 * KEYS_READ then
    keys = redis.call('ZRANGE', kd, 0, KEYS_READ - 1)
    for _, ckey in ipairs(redis.call('ZRANGE', kd, -KEYS_READ, -1)) do keys[#keys + 1] = ckey end
  end
  for _, ckey in ipairs(keys) do
    local kr = kready_key(queue, task, ckey)
    local member = redis.call('ZRANGE', kr, 0, 0)[1]
    while member do
      local run_at = tonumber(redis.call('HGET', job_key(string.sub(member, READY_ID_AT)), 'run_at'))
      if run_at and run_at <= now then earlier(gauge, run_at) end
      member = redis.call('ZRANGEBYLEX', kr, '[' .. string.sub(member, 1, 8) .. ':', '+', 'LIMIT', 0, 1)[1]
    end
  end
end

for _, pair in ipairs(redis.call('SMEMBERS', K_PENDING_PAIRS)) do
  local queue, task = parse_pair(pair)
  if queue then
    local ready, delayed = ready_key(queue, task), pair_delayed_key(queue, task)
    local pending = redis.call('ZCARD', ready) + redis.call('ZCARD', delayed)
    if pending > 0 then
      local gauge = queue_gauge(queue)
      gauge.pending = math.min(gauge.pending + pending, count_limit)
      local member = redis.call('ZRANGE', ready, 0, 0)[1]
      while member do
        earlier(gauge, tonumber(string.sub(member, 9, READY_ID_AT - 1)))
        -- ':' sorts after every digit: past every member of this priority, before the next one's.
        member = redis.call('ZRANGEBYLEX', ready, '[' .. string.sub(member, 1, 8) .. ':', '+', 'LIMIT', 0, 1)[1]
      end
      local first = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
      if first[2] and tonumber(first[2]) <= now then earlier(gauge, tonumber(first[2])) end
    end
  end
end

local index_whole = index_is_whole(now)
local queues_seen, tasks_seen, task_out = {}, {}, {}
for _, pair in ipairs(redis.call('SMEMBERS', K_INDEX_PAIRS)) do
  local queue, task = parse_pair(pair)
  if queue then
    if not queues_seen[queue] then
      queues_seen[queue] = true
      local running = redis.call('SCARD', queue_claims_key(queue))
      if running > 0 then queue_gauge(queue).running = running end
    end
    local keyed_pending = 0
    if index_whole or redis.call('EXISTS', kdue_key(queue, task)) == 1 then
      local unkeyed = redis.call('ZCARD', ready_key(queue, task)) + redis.call('ZCARD', pair_delayed_key(queue, task))
      keyed_pending = pair_keyed_pending(queue, task, unkeyed)
    end
    if keyed_pending > 0 then
      local gauge = queue_gauge(queue)
      gauge.pending = math.min(gauge.pending + keyed_pending, count_limit)
      keyed_earliest_due(queue, task, gauge)
    end
    if not tasks_seen[task] then
      tasks_seen[task] = true
      local running = redis.call('SCARD', task_claims_key(task))
      if running > 0 then
        task_out[#task_out + 1] = task
        task_out[#task_out + 1] = running
      end
    end
  end
end

local kdelayed_due = redis.call('ZRANGEBYSCORE', K_KDELAYED, '-inf', now, 'WITHSCORES', 'LIMIT', 0, KDELAYED_READ)
for i = 1, #kdelayed_due, 2 do
  local f = redis.call('HMGET', job_key(kdelayed_due[i]), 'status', 'queue')
  -- Counted as pending above, so its queue has a gauge; an entry a claim left behind does not.
  if f[1] == 'PENDING' and queues[f[2]] then earlier(queues[f[2]], tonumber(kdelayed_due[i + 1])) end
end
local queue_out = {}
for _, queue in ipairs(queue_names) do
  local gauge = queues[queue]
  for _, v in ipairs({ queue, gauge.pending, gauge.running, gauge.oldest or '' }) do
    queue_out[#queue_out + 1] = v
  end
end
local keys_out = {}
for _, kc in ipairs(key_caps) do
  keys_out[#keys_out + 1] = kc.task
  keys_out[#keys_out + 1] = redis.call('ZCOUNT', krunning_key(kc.task), kc.cap, '+inf')
end
return { now, queue_out, task_out, keys_out }
