-- Shared by every Taskito script: RedisScripts puts this file in front of each script
-- once, when it loads the scripts, so the key layout and the job transitions are written
-- down in one place.
--
-- KEYS[1] is the namespace, such as "{taskito}:". Every key a script touches starts with
-- it, so its hash tag puts every key of a namespace in one Redis Cluster slot.
local B = KEYS[1]

local K_DELAYED = B .. 'delayed'
local K_LEASES = B .. 'leases'
local K_UNIQUE = B .. 'unique'
local K_DONE = B .. 'done'
local K_DEAD = B .. 'dead'
local K_PAUSED = B .. 'paused'
local K_INSTANCES = B .. 'instances'
local K_WAKE = B .. 'wakeup'
-- The cursor of the reaper's sweep for RUNNING jobs without a lease (see reap.lua).
local K_SWEEP = B .. 'sweep'
-- The (queue, task) pairs that have had PENDING jobs (see pending_pair), so that stranded.lua
-- finds them without a SCAN; it drops a pair once both of its sets are empty.
local K_PENDING_PAIRS = B .. 'pending-pairs'
-- The cursor of stranded.lua's one-time sweep that adds the pairs of ready sets written before
-- pending-pairs existed; 'done' once the sweep went round.
local K_PAIRS_SWEEP = B .. 'pending-pairs-sweep'

local function job_key(id) return B .. 'job:' .. id end
-- Length-prefixed, so that no queue and task names can make the same key as others.
local function pending_pair(queue, task) return #queue .. ':' .. queue .. ':' .. task end
local function ready_key(queue, task) return B .. 'ready:' .. pending_pair(queue, task) end
-- The delayed jobs of one pair, beside the delayed set that the dequeue script promotes from,
-- so that a pair's PENDING jobs are counted with two ZCARDs.
local function pair_delayed_key(queue, task) return B .. 'delayed:' .. pending_pair(queue, task) end
-- The pairs this script call has added to pending-pairs already: a batch of one pair's jobs
-- then costs one SADD, not one per job (every call runs this file afresh).
local pairs_marked = {}
local function mark_pending_pair(queue, task)
  local pair = pending_pair(queue, task)
  if not pairs_marked[pair] then
    redis.call('SADD', K_PENDING_PAIRS, pair)
    pairs_marked[pair] = true
  end
end
local function task_claims_key(task) return B .. 'claims:task:' .. task end
local function queue_claims_key(queue) return B .. 'claims:queue:' .. queue end
local function batch_key(batch) return B .. 'batch:' .. batch end
local function instance_key(instance) return B .. 'instance:' .. instance end
-- What a live instance serves: a set of 't:' .. task and 'q:' .. queue, expiring with its
-- heartbeat, that always holds SERVED_MARK too (so that it exists when it serves nothing).
local function served_key(instance) return B .. 'served:' .. instance end
local SERVED_MARK = '='
local function bucket_key(bucket) return B .. 'bucket:' .. bucket end
-- Marks a give-back of tokens as applied, so that a replay of it credits nothing (tokens.lua).
local function given_key(call_id) return B .. 'given:' .. call_id end

-- Escapes the characters that are special in a SCAN MATCH pattern.
local function glob_escape(text)
  return (string.gsub(text, '([%*%?%[%]\\])', '\\%1'))
end

-- Appends value to the list kept under key in lists, so a script can write each shared key
-- once for a whole batch.
local function gather(lists, key, value)
  local list = lists[key]
  if not list then
    list = {}
    lists[key] = list
  end
  list[#list + 1] = value
end

-- Redis keeps the writes a script made before an error, so every script reads and checks
-- all of its arguments with these before its first write.
local function arg_int(value, what)
  local n = tonumber(value)
  if n == nil or n ~= math.floor(n) then
    error('taskito: ' .. what .. ' must be an integer, was ' .. tostring(value))
  end
  return n
end

local function arg_text(value, what)
  if value == nil or value == '' then
    error('taskito: ' .. what .. ' is missing')
  end
  return value
end

-- The store's clock, in milliseconds: leases and due times never use an instance's clock.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A due job's member in its ready set. Every member has score 0, so the set orders them
-- by bytes: highest priority first (inverted, fixed width), then earliest due, then oldest
-- (job ids are UUIDv7, whose lowercase text sorts by creation time); the id is also what
-- the claim needs. Fixed-width digits and lowercase hex sort alike in every collation, so
-- Lua's string comparison (strcoll) orders them as the set does.
local READY_ID_AT = 24
local function ready_member(id, priority, run_at)
  return string.format('%08x%015d', 2147483647 - priority, math.max(run_at, 0)) .. id
end

local function make_ready(jk, id, queue, task, priority, run_at)
  local member = ready_member(id, priority, run_at)
  redis.call('ZADD', ready_key(queue, task), 0, member)
  redis.call('HSET', jk, 'ready', member)
  mark_pending_pair(queue, task)
end

-- A PENDING job is in exactly one place: its ready set when due, else the delayed set,
-- from which the dequeue script moves it when due (no per-job timer or poll).
local function make_pending(jk, id, queue, task, priority, run_at, now)
  redis.call('HSET', jk, 'status', 'PENDING', 'run_at', run_at)
  if run_at <= now then
    make_ready(jk, id, queue, task, priority, run_at)
  else
    redis.call('HDEL', jk, 'ready')
    redis.call('ZADD', K_DELAYED, run_at, id)
    redis.call('ZADD', pair_delayed_key(queue, task), run_at, id)
    mark_pending_pair(queue, task)
  end
end

-- Takes a job out of the delayed sets (it is due, claimed by hand, cancelled or taken back).
local function undelay(id, queue, task)
  redis.call('ZREM', K_DELAYED, id)
  if queue and task then redis.call('ZREM', pair_delayed_key(queue, task), id) end
end

local function promote_due(now)
  local due = redis.call('ZRANGEBYSCORE', K_DELAYED, '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    local jk = job_key(id)
    local f = redis.call('HMGET', jk, 'status', 'queue', 'task', 'priority', 'run_at')
    undelay(id, f[2], f[3])
    if f[1] == 'PENDING' then
      make_ready(jk, id, f[2], f[3], tonumber(f[4]), tonumber(f[5]))
    end
  end
end

-- Ends a claim: the claim sets (whose SCARD is the running count), the lease and the
-- claim's fields go together, so a finished job never leaves a claim behind.
local function drop_claim(jk, id, task, queue)
  redis.call('SREM', task_claims_key(task), id)
  redis.call('SREM', queue_claims_key(queue), id)
  redis.call('ZREM', K_LEASES, id)
  redis.call('HDEL', jk, 'token', 'instance', 'batch', 'lease', 'prev_started')
end

local function release_unique(unique_key, id)
  if unique_key and unique_key ~= '' and redis.call('HGET', K_UNIQUE, unique_key) == id then
    redis.call('HDEL', K_UNIQUE, unique_key)
  end
end

-- The claims of one claim call that still hold, in claim order: id, token, task, queue,
-- payload, attempts, max_retries, timeout ('' for none), priority, lease expiry.
local function held_claims(batch, instance)
  local out = {}
  for _, id in ipairs(redis.call('LRANGE', batch_key(batch), 0, -1)) do
    local f = redis.call('HMGET', job_key(id), 'status', 'batch', 'instance', 'token', 'task', 'queue',
      'payload', 'attempts', 'max_retries', 'timeout', 'priority', 'lease')
    if f[1] == 'RUNNING' and f[2] == batch and f[3] == instance then
      for _, v in ipairs({ id, f[4], f[5], f[6], f[7], f[8], f[9], f[10] or '', f[11], f[12] }) do
        out[#out + 1] = v
      end
    end
  end
  return out
end

-- Forgets instances whose heartbeat expired: their caps and what they served.
local function forget_expired_instances(now)
  for _, gone in ipairs(redis.call('ZRANGEBYSCORE', K_INSTANCES, '-inf', now)) do
    redis.call('DEL', instance_key(gone), served_key(gone))
  end
  redis.call('ZREMRANGEBYSCORE', K_INSTANCES, '-inf', now)
end

-- Forgets instances whose heartbeat expired, then returns the smallest cap that a live
-- instance declares per task ('t:' .. name) and queue ('q:' .. name), as a flat list.
local function refresh_cluster_caps(now)
  forget_expired_instances(now)
  local smallest, names = {}, {}
  for _, live in ipairs(redis.call('ZRANGEBYSCORE', K_INSTANCES, '(' .. now, '+inf')) do
    local declared = redis.call('HGETALL', instance_key(live))
    for k = 1, #declared, 2 do
      local name, cap = declared[k], tonumber(declared[k + 1])
      if smallest[name] == nil then
        names[#names + 1] = name
        smallest[name] = cap
      elseif cap < smallest[name] then
        smallest[name] = cap
      end
    end
  end
  local flat = {}
  for _, name in ipairs(names) do
    flat[#flat + 1] = name
    flat[#flat + 1] = smallest[name]
  end
  return flat
end

local function publish_wake_up(reason)
  redis.call('PUBLISH', K_WAKE, reason)
end
