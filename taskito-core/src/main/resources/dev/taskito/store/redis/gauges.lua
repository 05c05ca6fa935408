-- Reads the cluster's gauges, reading no job and writing nothing.
-- ARGV: count_limit (the most PENDING jobs reported per queue), then (task, cap per key) for
-- each task with a cap per key.
-- Returns { the store's time in ms, { queue, pending, running, oldest due in ms ('' for none), ... },
--   { task, running, ... }, { task, keys at their cap, ... } }, in no order.
-- Keyed jobs (see lib.lua) wait outside the ready and delayed sets: a pair with keys due
-- counts its PENDING jobs from the job index (active less running), and its keyed jobs do not
-- take part in the oldest due time. Keys at their cap are one ZCOUNT of the task's running
-- counts per key, whatever the number of keys.
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

local queues_seen, tasks_seen, task_out = {}, {}, {}
for _, pair in ipairs(redis.call('SMEMBERS', K_INDEX_PAIRS)) do
  local queue, task = parse_pair(pair)
  if queue then
    if not queues_seen[queue] then
      queues_seen[queue] = true
      local running = redis.call('SCARD', queue_claims_key(queue))
      if running > 0 then queue_gauge(queue).running = running end
    end
    if redis.call('EXISTS', kdue_key(queue, task)) == 1 then
      -- Keyed jobs: the pair's active jobs in the index, less its running ones and the unkeyed
      -- pending ones counted above.
      local unkeyed = redis.call('ZCARD', ready_key(queue, task)) + redis.call('ZCARD', pair_delayed_key(queue, task))
      local keyed_pending = redis.call('ZCARD', index_key('active', queue, task))
        - #redis.call('SINTER', task_claims_key(task), queue_claims_key(queue)) - unkeyed
      if keyed_pending > 0 then
        local gauge = queue_gauge(queue)
        gauge.pending = math.min(gauge.pending + keyed_pending, count_limit)
      end
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
