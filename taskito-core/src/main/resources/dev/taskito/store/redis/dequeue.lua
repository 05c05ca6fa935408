-- Claims due PENDING jobs within the limits, in one atomic step: each becomes RUNNING, its
-- attempts go up by one, and its claim (fresh token, instance, batch, lease) is written.
-- ARGV: instance, lease_ms, limit, batch, batch_ttl_ms,
--   queue count, queues..., task count, (task, limit)..., queue-limit count, (queue, limit)...,
--   task-cap count, (task, cap)..., queue-cap count, (queue, cap)..., key-cap count, (task, cap
--   per key)..., then at least `limit` fresh tokens.
-- A cap is the cluster's: no more of its task or queue is claimed than the cap minus the
-- claims it has now (SCARD of its claim set). The script is atomic, so claimers that race
-- can never take more than the cap between them. A cap per key is gated alike: no key gets
-- more claims than its cap minus the claims it has (SCARD of its claim set).
-- Keyed jobs (see lib.lua) are claimed from their keys' ready sets, the keys of each pair
-- served round-robin (least lately served first), each key giving at most its room, so a
-- key with a long backlog never holds back one that enqueued later.
-- Returns 14 fields per claimed job (see held_claims), in claim order.
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
local key_caps = {}
for _ = 1, arg_int(ARGV[i], 'key cap count') do
  key_caps[arg_text(ARGV[i + 1], 'task')] = arg_int(ARGV[i + 2], 'key cap')
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
-- Read before anything is promoted, so that the marks this call adds are known to be made.
for _, member in ipairs(redis.call('SMEMBERS', K_KEYED_WORK)) do keyed_work[member] = true end
promote_due(now)
promote_keyed_due(now)

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

-- What each (task, key) may still take in this claim: its cap per key minus its claims (the
-- gate), or the claim's limit when the task has no cap per key. Read once per key; a key
-- that looks full has its claims checked (key_claims), so a claim that ended unseen does
-- not hold its place.
local key_room = {}
local function room_of(task, ckey)
  local k = #task .. ':' .. task .. ':' .. ckey
  if key_room[k] == nil then
    local cap = key_caps[task]
    if not cap then
      key_room[k] = limit
    else
      local room = cap - redis.call('SCARD', key_claims_key(task, ckey))
      if room <= 0 then room = cap - key_claims(task, ckey) end
      key_room[k] = room
    end
  end
  return k
end

-- Up to n keyed candidates of one pair: its keys with due jobs, least lately served first,
-- each giving its best jobs up to its room. A key without room is parked (see lib.lua). At
-- most n + 16 keys are looked at, so a claim never walks the keys. Each candidate's sort
-- text is then one of the pair's own jobs' ready members (with their real due times),
-- handed out in the order priority first, then the round: the pair competes with the other
-- pairs for the claim's limit as its jobs would, while within the pair the round decides
-- who gets the places.
local function gather_keyed(queue, task, n, candidates)
  local pair = kpair(queue, task)
  -- A pair keyed-work does not list has no key with due jobs (see lib.lua): nothing to read.
  if not keyed_work[pair] then return end
  local kd = kdue_key(queue, task)
  local got = {}
  local keys = redis.call('ZRANGE', kd, 0, n + 15)
  if #keys == 0 then
    unmark_keyed_work(pair)
    return
  end
  for _, ckey in ipairs(keys) do
    if #got >= n then break end
    local rk = room_of(task, ckey)
    local take = math.min(key_room[rk], n - #got)
    if key_room[rk] <= 0 then
      key_parked(queue, task, ckey, now)
    elseif take > 0 then
      local members = redis.call('ZRANGE', kready_key(queue, task, ckey), 0, take - 1)
      if #members == 0 then redis.call('ZREM', kd, ckey) end
      key_room[rk] = key_room[rk] - #members
      for _, member in ipairs(members) do
        got[#got + 1] = { member = member, queue = queue, task = task, ckey = ckey, round = #got + 1 }
      end
    end
  end
  if #got == 0 then return end
  local texts = {}
  for _, c in ipairs(got) do
    local id = string.sub(c.member, READY_ID_AT)
    texts[#texts + 1] = string.sub(c.member, 1, 8)
      .. string.format('%015d', math.max(tonumber(redis.call('HGET', job_key(id), 'run_at')) or 0, 0)) .. id
  end
  table.sort(texts)
  table.sort(got, function(a, b)
    local pa, pb = string.sub(a.member, 1, 8), string.sub(b.member, 1, 8)
    if pa ~= pb then return pa < pb end
    return a.round < b.round
  end)
  for j, c in ipairs(got) do
    c.sort = texts[j]
    candidates[#candidates + 1] = c
  end
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
        for _, member in ipairs(redis.call('ZRANGE', pair_keys(queue, task).ready, 0, n - 1)) do
          candidates[#candidates + 1] = { member = member, queue = queue, task = task, sort = member }
        end
        gather_keyed(queue, task, n, candidates)
      end
    end
  end
end
table.sort(candidates, function(a, b) return a.sort < b.sort end)

local lease = now + lease_ms
-- Numbers handed to redis.call are printed with "%.17g", which costs far more than an
-- integer's digits: the times every job of this call shares are printed once, here.
local now_text, lease_text = string.format('%d', now), string.format('%d', lease)
local taken, taken_task, taken_queue = 0, {}, {}
local bk = batch_key(batch)
local out = {}
-- Writes to shared sets and lists are gathered per key and made once after the loop: one
-- command for the whole batch costs far less than one per job.
local unready, task_ids, queue_ids, lease_args, ids = {}, {}, {}, {}, {}
local moved_to_key = false
-- Keyed claims per key's claim set, and the keys served, each { queue, task, ckey }.
local key_ids, served, served_order = {}, {}, {}
for _, c in ipairs(candidates) do
  if taken >= limit then break end
  local tt, tq = taken_task[c.task] or 0, taken_queue[c.queue] or 0
  if tt < task_limit[c.task] and tq < math.min(limit, queue_limit[c.queue] or limit) then
    local id = string.sub(c.member, READY_ID_AT)
    local jk = job_key(id)
    if c.ckey then
      gather(unready, kready_key(c.queue, c.task, c.ckey), c.member)
      local sk = kdue_key(c.queue, c.task) .. '|' .. c.ckey
      if not served[sk] then
        served[sk] = true
        served_order[#served_order + 1] = c
      end
    else
      gather(unready, pair_keys(c.queue, c.task).ready, c.member)
    end
    local f = redis.call('HMGET', jk, 'status', 'started', 'payload', 'max_retries', 'timeout', 'priority',
      'attempts', 'run_at', 'headers', 'scheduled', 'ckey', 'ready')
    if f[1] == 'PENDING' and not c.ckey and keyed(f[11]) then
      -- A keyed job in a pair's unkeyed ready set, put there by a script of the previous
      -- release (an operator's retry, its reaper), which knows no keys. Claimed from here it
      -- would pass its cap per key: it goes to its key instead (its member here is removed
      -- with the others below) and is claimed from there, within the cap. A member the job
      -- no longer has (it moved since) is only removed.
      if f[12] == c.member then
        make_keyed_ready(jk, id, c.queue, c.task, tonumber(f[6]) or 0, f[11], now)
        moved_to_key = true
      end
    elseif f[1] == 'PENDING' then
      taken = taken + 1
      taken_task[c.task] = tt + 1
      taken_queue[c.queue] = tq + 1
      local token = tokens[taken]
      local attempts = (tonumber(f[7]) or 0) + 1
      redis.call('HSET', jk, 'status', 'RUNNING', 'attempts', string.format('%d', attempts), 'started', now_text,
        'token', token, 'instance', instance, 'batch', batch, 'lease', lease_text, 'prev_started', f[2] or '')
      -- The ready field is left as it was: it means something only while the job is PENDING,
      -- and make_pending writes or clears it whenever the job becomes PENDING again.
      local pk = pair_keys(c.queue, c.task)
      gather(task_ids, pk.task_claims, id)
      if c.ckey then
        local kk = key_claims_key(c.task, c.ckey)
        if not key_ids[kk] then key_ids[kk] = { task = c.task, ckey = c.ckey, ids = {} } end
        local list = key_ids[kk].ids
        list[#list + 1] = id
      end
      gather(queue_ids, pk.queue_claims, id)
      lease_args[#lease_args + 1] = c.ckey and string.format('%d', lease_score(lease, c.ckey)) or lease_text
      lease_args[#lease_args + 1] = id
      ids[#ids + 1] = id
      local o = #out
      out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5], out[o + 6], out[o + 7] =
        id, token, c.task, c.queue, f[3], attempts, f[4]
      out[o + 8], out[o + 9], out[o + 10], out[o + 11], out[o + 12], out[o + 13], out[o + 14] =
        f[5] or '', f[6], lease, f[8] or '', f[9] or '', c.ckey or '', f[10] or ''
    end
  end
end
for key, members in pairs(unready) do redis.call('ZREM', key, unpack(members)) end
for key, members in pairs(task_ids) do redis.call('SADD', key, unpack(members)) end
for key, members in pairs(queue_ids) do redis.call('SADD', key, unpack(members)) end
for key, claimed in pairs(key_ids) do key_claimed(claimed.task, claimed.ckey, redis.call('SADD', key, unpack(claimed.ids))) end
-- The keys served go to the back of the round, in the order they were served; a key left
-- without due jobs leaves it, and one whose claims now fill its cap is parked.
for seq, c in ipairs(served_order) do
  local kd = kdue_key(c.queue, c.task)
  local cap = key_caps[c.task]
  if redis.call('EXISTS', kready_key(c.queue, c.task, c.ckey)) == 0 then
    redis.call('ZREM', kd, c.ckey)
  elseif cap and redis.call('SCARD', key_claims_key(c.task, c.ckey)) >= cap then
    key_parked(c.queue, c.task, c.ckey, now)
  else
    redis.call('ZADD', kd, 'XX', now * 1000 + math.min(seq, 999), c.ckey)
  end
end
-- The moved jobs may be claimable at once by a claim with room, this one's having been taken.
if moved_to_key then publish_wake_up('keyed') end
if taken > 0 then
  redis.call('ZADD', K_LEASES, unpack(lease_args))
  redis.call('RPUSH', bk, unpack(ids))
  redis.call('PEXPIRE', bk, batch_ttl)
end
return out
