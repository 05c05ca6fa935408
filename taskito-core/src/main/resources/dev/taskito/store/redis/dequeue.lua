-- Claims due PENDING jobs within the limits, in one atomic step: each becomes RUNNING, its
-- attempts go up by one, and its claim (fresh token, instance, batch, lease) is written.
-- ARGV: instance, lease_ms, limit, batch, batch_ttl_ms,
--   queue count, queues..., task count, (task, limit)..., queue-limit count, (queue, limit)...,
--   task-cap count, (task, cap)..., queue-cap count, (queue, cap)...,
--   then at least `limit` fresh tokens.
-- A cap is the cluster's: no more of its task or queue is claimed than the cap minus the
-- claims it has now (SCARD of its claim set). The script is atomic, so claimers that race
-- can never take more than the cap between them.
-- Returns 12 fields per claimed job (see held_claims), in claim order.
local instance = arg_text(ARGV[1], 'instance')
local lease_ms = arg_int(ARGV[2], 'lease')
local limit = arg_int(ARGV[3], 'limit')
local batch = arg_text(ARGV[4], 'batch')
local batch_ttl = arg_int(ARGV[5], 'batch ttl')
local i = 6
local queues = {}
for _ = 1, arg_int(ARGV[i], 'queue count') do
  queues[#queues + 1] = arg_text(ARGV[i + 1], 'queue')
  i = i + 1
end
i = i + 1
local tasks, task_limit = {}, {}
for _ = 1, arg_int(ARGV[i], 'task count') do
  local task = arg_text(ARGV[i + 1], 'task')
  tasks[#tasks + 1] = task
  task_limit[task] = arg_int(ARGV[i + 2], 'task limit')
  i = i + 2
end
i = i + 1
local queue_limit = {}
for _ = 1, arg_int(ARGV[i], 'queue limit count') do
  queue_limit[arg_text(ARGV[i + 1], 'queue')] = arg_int(ARGV[i + 2], 'queue limit')
  i = i + 2
end
i = i + 1
local task_caps = {}
for _ = 1, arg_int(ARGV[i], 'task cap count') do
  task_caps[arg_text(ARGV[i + 1], 'task')] = arg_int(ARGV[i + 2], 'task cap')
  i = i + 2
end
i = i + 1
local queue_caps = {}
for _ = 1, arg_int(ARGV[i], 'queue cap count') do
  queue_caps[arg_text(ARGV[i + 1], 'queue')] = arg_int(ARGV[i + 2], 'queue cap')
  i = i + 2
end
i = i + 1
local tokens = {}
for j = i, #ARGV do tokens[#tokens + 1] = ARGV[j] end
if limit < 1 or #tokens < limit then
  error('taskito: dequeue needs a limit of at least 1 and as many tokens, got ' .. limit .. ' and ' .. #tokens)
end

-- A batch that exists already was claimed by this very call, re-sent by Lettuce after a
-- reconnect (or repeated by the caller): answer with its claims instead of claiming more,
-- which would leave claims behind that nobody runs.
if redis.call('EXISTS', batch_key(batch)) == 1 then
  return held_claims(batch, instance)
end

local now = now_ms()
promote_due(now)

-- The gate: what the caps leave room for right now, counting every instance's claims.
for task, cap in pairs(task_caps) do
  if task_limit[task] then
    task_limit[task] = math.min(task_limit[task], math.max(cap - redis.call('SCARD', task_claims_key(task)), 0))
  end
end
for queue, cap in pairs(queue_caps) do
  queue_limit[queue] = math.min(queue_limit[queue] or limit,
    math.max(cap - redis.call('SCARD', queue_claims_key(queue)), 0))
end

-- Gather enough candidates from every (queue, task) ready set: at most the smallest of the
-- three limits from each, since each claim counts against all three.
local candidates = {}
for _, queue in ipairs(queues) do
  local queue_cap = math.min(limit, queue_limit[queue] or limit)
  if queue_cap > 0 and redis.call('SISMEMBER', K_PAUSED, queue) == 0 then
    for _, task in ipairs(tasks) do
      local n = math.min(queue_cap, task_limit[task])
      if n > 0 then
        for _, member in ipairs(redis.call('ZRANGE', ready_key(queue, task), 0, n - 1)) do
          candidates[#candidates + 1] = { member = member, queue = queue, task = task }
        end
      end
    end
  end
end
table.sort(candidates, function(a, b) return a.member < b.member end)

local lease = now + lease_ms
local taken, taken_task, taken_queue = 0, {}, {}
local bk = batch_key(batch)
local out = {}
-- Writes to shared sets and lists are gathered per key and made once after the loop: one
-- command for the whole batch costs far less than one per job.
local unready, task_ids, queue_ids, lease_args, ids = {}, {}, {}, {}, {}
for _, c in ipairs(candidates) do
  if taken >= limit then break end
  local tt, tq = taken_task[c.task] or 0, taken_queue[c.queue] or 0
  if tt < task_limit[c.task] and tq < math.min(limit, queue_limit[c.queue] or limit) then
    local id = string.sub(c.member, READY_ID_AT)
    local jk = job_key(id)
    gather(unready, ready_key(c.queue, c.task), c.member)
    local f = redis.call('HMGET', jk, 'status', 'started', 'payload', 'max_retries', 'timeout', 'priority',
      'attempts', 'run_at', 'headers', 'scheduled')
    if f[1] == 'PENDING' then
      taken = taken + 1
      taken_task[c.task] = tt + 1
      taken_queue[c.queue] = tq + 1
      local token = tokens[taken]
      local attempts = (tonumber(f[7]) or 0) + 1
      redis.call('HSET', jk, 'status', 'RUNNING', 'attempts', attempts, 'started', now, 'token', token,
        'instance', instance, 'batch', batch, 'lease', lease, 'prev_started', f[2] or '')
      redis.call('HDEL', jk, 'ready')
      gather(task_ids, task_claims_key(c.task), id)
      gather(queue_ids, queue_claims_key(c.queue), id)
      lease_args[#lease_args + 1] = lease
      lease_args[#lease_args + 1] = id
      ids[#ids + 1] = id
      for _, v in ipairs({ id, token, c.task, c.queue, f[3], attempts, f[4], f[5] or '', f[6], lease, f[8] or '',
          f[9] or '', f[10] or '' }) do
        out[#out + 1] = v
      end
    end
  end
end
for key, members in pairs(unready) do redis.call('ZREM', key, unpack(members)) end
for key, members in pairs(task_ids) do redis.call('SADD', key, unpack(members)) end
for key, members in pairs(queue_ids) do redis.call('SADD', key, unpack(members)) end
if taken > 0 then
  redis.call('ZADD', K_LEASES, unpack(lease_args))
  redis.call('RPUSH', bk, unpack(ids))
  redis.call('PEXPIRE', bk, batch_ttl)
end
return out
