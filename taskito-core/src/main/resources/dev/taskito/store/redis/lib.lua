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
-- The job index: per (queue, task) pair, sets of job ids with score 0, so that ZRANGEBYLEX
-- walks them in id order (UUIDv7 text sorts as JobId.compareTo does). 'active' holds the
-- PENDING and RUNNING jobs (a claim, a rollback and a failed attempt with retries left move
-- nothing), the others one finished status each. Every job hash with a task and a queue is
-- in exactly one of them. index-pairs lists the pairs that have jobs in the index.
local K_INDEX_PAIRS = B .. 'index-pairs'
-- The cursor of the SCAN that indexes the jobs stored before the index existed; 'done' once
-- it went round.
local K_INDEX_SWEEP = B .. 'index-sweep'
-- Jobs that someone awaits are announced here when they finish (see announce_finished).
local K_FINISHED = B .. 'finished'
-- The pause each queue was last configured with (see configured_pause.lua).
local K_PAUSE_CONFIGURED = B .. 'paused-configured'
-- Periodic tasks: the set of task names that have a schedule, and a hash per schedule with
-- its definition, defined (ms, when the instance started last registered it), last_tick
-- (ms), last_job, paused ('1' or '0') and skipped (ticks passed over for overlap).
local K_SCHEDULES = B .. 'schedules'
local function schedule_key(task) return B .. 'schedule:' .. task end
local INDEX_KINDS = { 'active', 'succeeded', 'dead', 'cancelled' }
local INDEX_KIND = { PENDING = 'active', RUNNING = 'active', SUCCEEDED = 'succeeded', DEAD = 'dead',
  CANCELLED = 'cancelled' }
local function index_key(kind, queue, task) return B .. 'index:' .. kind .. ':' .. pending_pair(queue, task) end
-- As pairs_marked, for index-pairs.
local index_pairs_marked = {}
local function mark_index_pair(queue, task)
  local pair = pending_pair(queue, task)
  if not index_pairs_marked[pair] then
    redis.call('SADD', K_INDEX_PAIRS, pair)
    index_pairs_marked[pair] = true
  end
end
-- The queue and task of a pair written by pending_pair, or nil for text no script wrote.
local function parse_pair(pair)
  local colon = string.find(pair, ':', 1, true)
  local length = colon and tonumber(string.sub(pair, 1, colon - 1))
  if not length or #pair < colon + length + 1 then return nil end
  return string.sub(pair, colon + 1, colon + length), string.sub(pair, colon + length + 2)
end
-- Drops a pair from index-pairs once it has no job left in the index (purge, delete).
local function prune_index_pair(queue, task)
  for _, kind in ipairs(INDEX_KINDS) do
    if redis.call('EXISTS', index_key(kind, queue, task)) == 1 then return end
  end
  redis.call('SREM', K_INDEX_PAIRS, pending_pair(queue, task))
end
local function task_claims_key(task) return B .. 'claims:task:' .. task end
local function queue_claims_key(queue) return B .. 'claims:queue:' .. queue end
-- The keys of a (queue, task) pair a claim or a finish writes for each of its jobs, made once
-- per pair and script call rather than once per job (every call runs this file afresh).
local pair_keys_made = {}
local function pair_keys(queue, task)
  local by_task = pair_keys_made[queue]
  if not by_task then
    by_task = {}
    pair_keys_made[queue] = by_task
  end
  local keys = by_task[task]
  if not keys then
    keys = { ready = ready_key(queue, task), task_claims = task_claims_key(task),
      queue_claims = queue_claims_key(queue), active = index_key('active', queue, task),
      succeeded = index_key('succeeded', queue, task), dead = index_key('dead', queue, task) }
    by_task[task] = keys
  end
  return keys
end
local function batch_key(batch) return B .. 'batch:' .. batch end
local function instance_key(instance) return B .. 'instance:' .. instance end
-- What a live instance serves: a set of 't:' .. task and 'q:' .. queue, expiring with its
-- heartbeat, that always holds SERVED_MARK too (so that it exists when it serves nothing).
local function served_key(instance) return B .. 'served:' .. instance end
-- When an instance last beat, in ms on the store's clock, expiring with its record (an
-- instance of an older version writes none).
local function beat_key(instance) return B .. 'beat:' .. instance end
-- How many jobs the instance ran at its last heartbeat (its claims then), for the dashboard.
local function running_key(instance) return B .. 'running:' .. instance end
local SERVED_MARK = '='
-- Also in the served set of an instance whose scripts keep the job index, so that stranded.lua
-- can tell when an instance of an older version runs (and its changes bypass the index).
local INDEX_MARK = '+index'
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

-- Runs command on key with the values in slices, since Lua's unpack takes only so many
-- values at once: a batch of thousands of jobs still makes one command per few thousand.
local function call_sliced(command, key, values)
  local step = 4000
  for from = 1, #values, step do
    redis.call(command, key, unpack(values, from, math.min(from + step - 1, #values)))
  end
end

-- Moves indexed jobs, gathered by key: removed (ZREM) from the keys of out, added with score
-- 0 (ZADD) to the keys of into. One command per key for a whole batch.
local function apply_index_moves(out, into)
  for key, ids in pairs(out) do call_sliced('ZREM', key, ids) end
  for key, ids in pairs(into) do
    local args = {}
    for _, id in ipairs(ids) do
      -- Text, not the number 0: redis.call prints every number it is given.
      args[#args + 1] = '0'
      args[#args + 1] = id
    end
    call_sliced('ZADD', key, args)
  end
end

-- The ids of awaited jobs that finished in this script call, announced once at its end:
-- a job that nobody awaits costs nothing here.
local finished_awaited = {}
local function note_finished(id, awaited)
  if awaited then finished_awaited[#finished_awaited + 1] = id end
end
local function announce_finished()
  if #finished_awaited > 0 then
    redis.call('PUBLISH', K_FINISHED, table.concat(finished_awaited, ' '))
  end
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

-- The arguments of a bulk step (cancel_step.lua, retry_step.lua), checked: task and queue
-- ('' for any), due_from and due_before (ms, nil for open), from (nil for the start), to,
-- limit and budget (both at least 1).
local function step_args(script)
  local from = (ARGV[5] ~= '') and ARGV[5] or nil
  local limit, budget = arg_int(ARGV[7], 'limit'), arg_int(ARGV[8], 'budget')
  if limit < 1 or budget < 1 then
    error('taskito: ' .. script .. ' needs limit and budget of at least 1, got ' .. limit .. ' and ' .. budget)
  end
  return ARGV[1] or '', ARGV[2] or '', (ARGV[3] ~= '') and arg_int(ARGV[3], 'due from') or nil,
    (ARGV[4] ~= '') and arg_int(ARGV[4], 'due before') or nil, from, arg_text(ARGV[6], 'up to'), limit, budget
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
  redis.call('ZADD', ready_key(queue, task), '0', member)
  redis.call('HSET', jk, 'ready', member)
  mark_pending_pair(queue, task)
end

-- Caps per key. A job with a concurrency key (its hash field 'ckey') is never in the ready,
-- delayed or pair-delayed sets above, which the dequeue script of an older version reads:
-- it lives in its key's own sets, so an instance of the previous release never claims it.
--   kready:<pair>:<key>  the key's due jobs, members as ready_member with run_at 0: by
--                        priority, then by id (enqueue order), so a job given back keeps
--                        its place within its key;
--   kdue:<pair>          the keys of the pair that have due jobs, scored by when they were
--                        last served (ms * 1000 + order within the call): the claim serves
--                        them round-robin, lowest score first. A key whose claims fill its
--                        cap is parked: its score moves PARK_MS ahead, behind every key that
--                        may have room, and comes back to now when one of its claims ends
--                        (in every queue it was parked in: kparked), so claims do not keep
--                        walking keys that have no room. The horizon brings a key back even
--                        if the end of its claim was never seen (a script that knows no keys);
--   kparked:<task>:<key> the queues where the key is parked;
--   kdelayed             keyed jobs not yet due, by run_at (promoted by dequeue.lua);
--   claims:key:<task>:<key>  the key's claims across queues, whose SCARD is its running
--                        count (Redis deletes the set when its last claim ends);
--   krunning:<task>      keys with claims, scored by their running count, so that the gauges
--                        count the keys at their cap with one ZCOUNT.
-- Nothing is left of a key whose jobs are done: every one of its sets empties and goes.
local K_KDELAYED = B .. 'kdelayed'
-- Length-prefixed queue and task, then the key: no two (queue, task, key) make one name.
local function kpair(queue, task) return #queue .. ':' .. queue .. ':' .. #task .. ':' .. task end
local function kready_key(queue, task, ckey) return B .. 'kready:' .. kpair(queue, task) .. ':' .. ckey end
local function kdue_key(queue, task) return B .. 'kdue:' .. kpair(queue, task) end
local function key_claims_key(task, ckey) return B .. 'claims:key:' .. #task .. ':' .. task .. ':' .. ckey end
local function krunning_key(task) return B .. 'krunning:' .. task end
local function kparked_key(task, ckey) return B .. 'kparked:' .. #task .. ':' .. task .. ':' .. ckey end
local PARK_MS = 60000
local function keyed(ckey) return ckey and ckey ~= '' end

-- A keyed claim's lease is scored in K_LEASES at its expiry plus KEYED_LEASE_OFFSET (about
-- 31,700 years; the sum stays an exact integer in a double until 9e15). The reaper of the
-- previous release reads only leases that expired before its now, and takes back a RUNNING
-- job whose id has no score at all; it knows no keys and would put the job where any claim
-- takes it uncapped per key. An offset score is never expired to it and is still a score, so
-- it leaves keyed claims to this release's reaper, which reads both ranges. The job hash's
-- 'lease' field keeps the real expiry.
local KEYED_LEASE_OFFSET = 1e15
local function lease_score(lease, ckey)
  if keyed(ckey) then return lease + KEYED_LEASE_OFFSET end
  return lease
end

-- Which pairs may have keyed work, so that a claim spends nothing on keys where there are
-- none: the set keyed-work holds kpair(queue, task) of every pair whose kdue may have keys,
-- and KEYED_WORK_DELAYED while kdelayed may have jobs. Every write that adds to a kdue or to
-- kdelayed adds its member here in the same script (once per call), so a pair with due keyed
-- jobs is always listed; only the claim takes a member out, when it finds the pair's kdue (or
-- kdelayed) empty, so a member outlives its work by at most one claim that looks at it.
local K_KEYED_WORK = B .. 'keyed-work'
local KEYED_WORK_DELAYED = 'delayed'
-- The members this call knows are in keyed-work (dequeue.lua fills it with SMEMBERS first).
local keyed_work = {}
local function mark_keyed_work(member)
  if not keyed_work[member] then
    redis.call('SADD', K_KEYED_WORK, member)
    keyed_work[member] = true
  end
end
local function unmark_keyed_work(member)
  redis.call('SREM', K_KEYED_WORK, member)
  keyed_work[member] = nil
end

-- Puts a key among the pair's keys with due jobs unless it is there already (its place in
-- the round is kept), behind the keys served before this millisecond.
local function key_due(queue, task, ckey, now)
  redis.call('ZADD', kdue_key(queue, task), 'NX', now * 1000, ckey)
  mark_keyed_work(kpair(queue, task))
end

local function make_keyed_ready(jk, id, queue, task, priority, ckey, now)
  local member = ready_member(id, priority, 0)
  redis.call('ZADD', kready_key(queue, task, ckey), '0', member)
  redis.call('HSET', jk, 'ready', member)
  key_due(queue, task, ckey, now)
end

-- Takes a keyed job out of its key's ready set; the key leaves the round once it has none.
local function keyed_unready(queue, task, ckey, member)
  local kr = kready_key(queue, task, ckey)
  redis.call('ZREM', kr, member)
  if redis.call('EXISTS', kr) == 0 then redis.call('ZREM', kdue_key(queue, task), ckey) end
end

-- A claim of a keyed job was made (added = how many ids SADD added).
local function key_claimed(task, ckey, added)
  if added > 0 then redis.call('ZINCRBY', krunning_key(task), added, ckey) end
end

-- A claim of a keyed job ended: its key's running count goes down, and the key takes its
-- turn again if it has due jobs (it may have been parked at its cap).
-- Brings a key back to the front of a pair's round, if it has due jobs there.
local function key_unparked(queue, task, ckey, now)
  if redis.call('EXISTS', kready_key(queue, task, ckey)) == 0 then return end
  local kd = kdue_key(queue, task)
  local score = redis.call('ZSCORE', kd, ckey)
  if not score then
    key_due(queue, task, ckey, now)
  elseif tonumber(score) > now * 1000 then
    redis.call('ZADD', kd, now * 1000, ckey)
  end
end

-- A key whose claims fill its cap goes behind every key that may have room.
local function key_parked(queue, task, ckey, now)
  redis.call('ZADD', kdue_key(queue, task), 'XX', (now + PARK_MS) * 1000, ckey)
  local pk = kparked_key(task, ckey)
  redis.call('SADD', pk, queue)
  redis.call('PEXPIRE', pk, PARK_MS)
end

local function key_unclaimed(id, queue, task, ckey, now)
  if redis.call('SREM', key_claims_key(task, ckey), id) == 1 then
    local rk = krunning_key(task)
    if tonumber(redis.call('ZINCRBY', rk, -1, ckey)) <= 0 then redis.call('ZREM', rk, ckey) end
  end
  key_unparked(queue, task, ckey, now)
  local pk = kparked_key(task, ckey)
  for _, parked in ipairs(redis.call('SMEMBERS', pk)) do
    if parked ~= queue then key_unparked(parked, task, ckey, now) end
  end
  redis.call('DEL', pk)
end

-- The claims of a key, less any that no longer hold (a claim ended by a script of an older
-- version, which knows no keys): read only for a key found at its cap, whose set holds
-- about its cap of ids.
local function key_claims(task, ckey)
  local kk = key_claims_key(task, ckey)
  local held = 0
  for _, id in ipairs(redis.call('SMEMBERS', kk)) do
    local f = redis.call('HMGET', job_key(id), 'status', 'ckey')
    if f[1] == 'RUNNING' and f[2] == ckey then
      held = held + 1
    else
      redis.call('SREM', kk, id)
      local rk = krunning_key(task)
      if tonumber(redis.call('ZINCRBY', rk, -1, ckey)) <= 0 then redis.call('ZREM', rk, ckey) end
    end
  end
  return held
end

-- A PENDING job is in exactly one place: its ready set when due, else the delayed set,
-- from which the dequeue script moves it when due (no per-job timer or poll).
local function make_pending(jk, id, queue, task, priority, run_at, now, ckey)
  redis.call('HSET', jk, 'status', 'PENDING', 'run_at', string.format('%d', run_at))
  if keyed(ckey) then
    if run_at <= now then
      make_keyed_ready(jk, id, queue, task, priority, ckey, now)
    else
      redis.call('HDEL', jk, 'ready')
      redis.call('ZADD', K_KDELAYED, run_at, id)
      mark_keyed_work(KEYED_WORK_DELAYED)
    end
  elseif run_at <= now then
    make_ready(jk, id, queue, task, priority, run_at)
  else
    redis.call('HDEL', jk, 'ready')
    redis.call('ZADD', K_DELAYED, run_at, id)
    redis.call('ZADD', pair_delayed_key(queue, task), run_at, id)
    mark_pending_pair(queue, task)
  end
end

-- Takes a job out of the delayed sets (it is due, claimed by hand, cancelled or taken back).
local function undelay(id, queue, task, ckey)
  if keyed(ckey) then
    redis.call('ZREM', K_KDELAYED, id)
    return
  end
  redis.call('ZREM', K_DELAYED, id)
  if queue and task then redis.call('ZREM', pair_delayed_key(queue, task), id) end
end

-- Takes a PENDING job out of wherever it waits (its ready set, or the delayed sets).
local function unlist(jk, id, queue, task, member, ckey)
  if member then
    if keyed(ckey) then keyed_unready(queue, task, ckey, member) else redis.call('ZREM', ready_key(queue, task), member) end
  end
  undelay(id, queue, task, ckey)
  redis.call('HDEL', jk, 'ready')
end

-- Moves due keyed jobs from kdelayed into their keys' ready sets; only while keyed-work says
-- kdelayed may have jobs, and a kdelayed found empty is taken off keyed-work.
local function promote_keyed_due(now)
  if not keyed_work[KEYED_WORK_DELAYED] then return end
  local first = redis.call('ZRANGE', K_KDELAYED, 0, 0, 'WITHSCORES')
  if #first == 0 then
    unmark_keyed_work(KEYED_WORK_DELAYED)
    return
  end
  if tonumber(first[2]) > now then return end
  local due = redis.call('ZRANGEBYSCORE', K_KDELAYED, '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    local jk = job_key(id)
    local f = redis.call('HMGET', jk, 'status', 'queue', 'task', 'priority', 'ckey')
    redis.call('ZREM', K_KDELAYED, id)
    if f[1] == 'PENDING' and keyed(f[5]) then
      make_keyed_ready(jk, id, f[2], f[3], tonumber(f[4]), f[5], now)
    end
  end
end

local function promote_due(now)
  local due = redis.call('ZRANGEBYSCORE', K_DELAYED, '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    local jk = job_key(id)
    local f = redis.call('HMGET', jk, 'status', 'queue', 'task', 'priority', 'run_at', 'ckey')
    undelay(id, f[2], f[3])
    if f[1] == 'PENDING' and keyed(f[6]) then
      -- A keyed job delayed by a script of the previous release (reschedule), which knows no
      -- keys: it goes to its key, where the cap per key holds.
      make_keyed_ready(jk, id, f[2], f[3], tonumber(f[4]), f[6], now)
    elseif f[1] == 'PENDING' then
      make_ready(jk, id, f[2], f[3], tonumber(f[4]), tonumber(f[5]))
    end
  end
end

-- Ends a claim: the claim sets (whose SCARD is the running count), the lease and the
-- claim's fields go together, so a finished job never leaves a claim behind.
local function drop_claim(jk, id, task, queue, ckey, now)
  if keyed(ckey) then key_unclaimed(id, queue, task, ckey, now) end
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
-- payload, attempts, max_retries, timeout ('' for none), priority, lease expiry, run_at (the
-- due time, which a claim leaves as it was), headers ('' for none), concurrency key ('' for
-- none), scheduled (the tick of the schedule that enqueued it, '' for none).
local function held_claims(batch, instance)
  local out = {}
  for _, id in ipairs(redis.call('LRANGE', batch_key(batch), 0, -1)) do
    local f = redis.call('HMGET', job_key(id), 'status', 'batch', 'instance', 'token', 'task', 'queue',
      'payload', 'attempts', 'max_retries', 'timeout', 'priority', 'lease', 'run_at', 'headers', 'ckey',
      'scheduled')
    if f[1] == 'RUNNING' and f[2] == batch and f[3] == instance then
      for _, v in ipairs({ id, f[4], f[5], f[6], f[7], f[8], f[9], f[10] or '', f[11], f[12], f[13] or '',
          f[14] or '', f[15] or '', f[16] or '' }) do
        out[#out + 1] = v
      end
    end
  end
  return out
end

-- Forgets instances whose heartbeat expired: their caps and what they served.
local function forget_expired_instances(now)
  for _, gone in ipairs(redis.call('ZRANGEBYSCORE', K_INSTANCES, '-inf', now)) do
    redis.call('DEL', instance_key(gone), served_key(gone), beat_key(gone), running_key(gone))
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

-- Sets a queue's pause, waking the dispatchers when it resumes: its jobs may be due.
local function set_paused(queue, paused)
  if paused then
    redis.call('SADD', K_PAUSED, queue)
  elseif redis.call('SREM', K_PAUSED, queue) == 1 then
    publish_wake_up('resumed')
  end
end

-- Finished jobs leave the index's active set for the set of their status. out and into
-- gather the moves per key (see apply_index_moves).
local function gather_index_move(out, into, id, queue, task, status)
  gather(out, index_key('active', queue, task), id)
  gather(into, index_key(INDEX_KIND[status], queue, task), id)
end

-- Cancels a PENDING job, gathering its index move and its entry in the done set; accept, when
-- given, sees the job's run_at and may refuse it. Returns whether the job was cancelled.
local function cancel_job(id, now, accept, done, out, into)
  local jk = job_key(id)
  local f = redis.call('HMGET', jk, 'status', 'queue', 'task', 'ready', 'unique_key', 'awaited', 'run_at', 'ckey')
  if f[1] ~= 'PENDING' or (accept and not accept(tonumber(f[7]))) then return false end
  unlist(jk, id, f[2], f[3], f[4], f[8])
  redis.call('HSET', jk, 'status', 'CANCELLED', 'finished', now)
  release_unique(f[5], id)
  done[#done + 1] = now
  done[#done + 1] = id
  gather_index_move(out, into, id, f[2], f[3], 'CANCELLED')
  note_finished(id, f[6])
  return true, f[3], f[2]
end

-- Moves a DEAD job back to PENDING, due now, attempts 0, last error kept; accept as for
-- cancel_job. Returns 1 when retried, 0 when not dead (or refused), and 2, key, holder when
-- another PENDING or RUNNING job holds its unique key: then nothing changes.
local function retry_job(id, now, accept)
  local jk = job_key(id)
  local f = redis.call('HMGET', jk, 'status', 'queue', 'task', 'priority', 'unique_key', 'run_at', 'ckey')
  if f[1] ~= 'DEAD' or (accept and not accept(tonumber(f[6]))) then return 0 end
  if f[5] then
    local holder = redis.call('HGET', K_UNIQUE, f[5])
    if holder and holder ~= id then
      local status = redis.call('HGET', job_key(holder), 'status')
      if status == 'PENDING' or status == 'RUNNING' then return 2, f[5], holder end
    end
  end
  redis.call('ZREM', K_DEAD, id)
  redis.call('HSET', jk, 'attempts', 0)
  redis.call('HDEL', jk, 'finished', 'result')
  -- The key is free (or left behind by a finished job, as enqueue.lua treats it): it is this job's again.
  if f[5] then redis.call('HSET', K_UNIQUE, f[5], id) end
  make_pending(jk, id, f[2], f[3], tonumber(f[4]), now, now, f[7])
  redis.call('ZREM', index_key('dead', f[2], f[3]), id)
  redis.call('ZADD', index_key('active', f[2], f[3]), 0, id)
  mark_index_pair(f[2], f[3])
  return 1
end

-- One step of the sweep that indexes jobs stored before the index existed: SCAN goes on from
-- the cursor all instances share, and every job hash found is put in the index set of its
-- status (and taken out of the pair's other sets, in case a job changed under a version that
-- kept no index). Returns true once the sweep went round.
local function index_sweep_step(scan_count)
  local sweep = redis.call('GET', K_INDEX_SWEEP)
  if sweep == 'done' then return true end
  -- A namespace that none of the sets every older version kept exists in holds no job from
  -- before the index (a job is always in one of them, or in a ready set that pending-pairs
  -- lists; a reaper has set the sweep key wherever an instance ran): nothing to sweep, which
  -- spares a new namespace a SCAN of a database that other data may fill.
  if not sweep and redis.call('EXISTS', K_DONE, K_DEAD, K_LEASES, K_DELAYED, K_PENDING_PAIRS, K_UNIQUE,
      K_SWEEP, K_INSTANCES) == 0 then
    redis.call('SET', K_INDEX_SWEEP, 'done')
    return true
  end
  local prefix = job_key('')
  local reply = redis.call('SCAN', sweep or '0', 'MATCH', glob_escape(prefix) .. '*', 'COUNT', scan_count)
  for _, key in ipairs(reply[2]) do
    -- pcall: a key of another type under job: is not Taskito's, and is left alone.
    local f = redis.pcall('HMGET', key, 'status', 'queue', 'task')
    if type(f) == 'table' and not f.err and f[1] and f[2] and f[3] and INDEX_KIND[f[1]] then
      local id, kind = string.sub(key, #prefix + 1), INDEX_KIND[f[1]]
      for _, other in ipairs(INDEX_KINDS) do
        if other ~= kind then redis.call('ZREM', index_key(other, f[2], f[3]), id) end
      end
      redis.call('ZADD', index_key(kind, f[2], f[3]), 0, id)
      mark_index_pair(f[2], f[3])
    end
  end
  local done = reply[1] == '0'
  redis.call('SET', K_INDEX_SWEEP, done and 'done' or reply[1])
  return done
end

-- Queries over the index (jobs_page.lua, cancel_step.lua, retry_step.lua).

-- The statuses a query names, as a set; ARGV text such as 'PENDING,DEAD', '' for all.
local function arg_statuses(text)
  local statuses = {}
  for status in string.gmatch(text or '', '[^,]+') do
    if not INDEX_KIND[status] then error('taskito: unknown status ' .. status) end
    statuses[status] = true
  end
  if next(statuses) == nil then
    for status in pairs(INDEX_KIND) do statuses[status] = true end
  end
  return statuses
end

-- Whether a job in status, due at run_at, matches a query's statuses and due range
-- (due_from inclusive, due_before exclusive; nil for open).
local function job_matches(statuses, due_from, due_before, status, run_at)
  if not (status and statuses[status]) then return false end
  if due_from and not (run_at and run_at >= due_from) then return false end
  if due_before and not (run_at and run_at < due_before) then return false end
  return true
end

-- The running jobs of one pair, in id order, from the claim sets (bounded by the jobs
-- running), so that RUNNING jobs need no index set of their own.
local function running_ids(queue, task)
  local ids = redis.call('SINTER', task_claims_key(task), queue_claims_key(queue))
  table.sort(ids)
  return ids
end

-- The pairs a query's task and queue ('' for any) select, as { queue, task } each.
local function query_pairs(task, queue)
  if task ~= '' and queue ~= '' then return { { queue, task } } end
  local selected = {}
  for _, pair in ipairs(redis.call('SMEMBERS', K_INDEX_PAIRS)) do
    local q, t = parse_pair(pair)
    if q and (task == '' or t == task) and (queue == '' or q == queue) then
      selected[#selected + 1] = { q, t }
    end
  end
  return selected
end

-- Where the jobs of the statuses asked for are listed, per selected pair: the active set
-- when PENDING jobs are asked for (RUNNING ones are then told apart by their status), the
-- running jobs of the claim sets when only RUNNING ones are, and the set of each finished
-- status asked for. Each source is { key = zset } or { ids = sorted list }.
local function query_sources(statuses, task, queue)
  local sources = {}
  for _, pair in ipairs(query_pairs(task, queue)) do
    local q, t = pair[1], pair[2]
    if statuses.PENDING then
      sources[#sources + 1] = { key = index_key('active', q, t) }
    elseif statuses.RUNNING then
      sources[#sources + 1] = { ids = running_ids(q, t) }
    end
    for _, status in ipairs({ 'SUCCEEDED', 'DEAD', 'CANCELLED' }) do
      if statuses[status] then sources[#sources + 1] = { key = index_key(INDEX_KIND[status], q, t) } end
    end
  end
  return sources
end

-- Up to k ids of a source after from (exclusive) and up to to (inclusive; nil for open), in
-- id order; when reverse, before from and descending.
local function source_range(source, from, to, reverse, k)
  if source.key then
    if reverse then
      return redis.call('ZREVRANGEBYLEX', source.key, from and ('(' .. from) or '+', '-', 'LIMIT', 0, k)
    end
    return redis.call('ZRANGEBYLEX', source.key, from and ('(' .. from) or '-', to and ('[' .. to) or '+',
      'LIMIT', 0, k)
  end
  local out, ids = {}, source.ids
  if reverse then
    for j = #ids, 1, -1 do
      if #out >= k then break end
      if not from or ids[j] < from then out[#out + 1] = ids[j] end
    end
  else
    for _, id in ipairs(ids) do
      if #out >= k or (to and id > to) then break end
      if not from or id > from then out[#out + 1] = id end
    end
  end
  return out
end

-- Walks the sources' ids in id order from `from` (exclusive; nil for the start) up to `to`
-- (inclusive; nil for open), or downwards when reverse, calling visit(id) on each id once
-- until `want` visits returned true. It looks at about `budget` ids at most (at least 16 per
-- source): it takes that many from each source and visits only up to the nearest last id of
-- a source that had more (the horizon), since beyond it another source may hold ids not
-- taken yet. Returns the last id visited (nil when none) and whether the sources hold no
-- more ids past it, so that a caller can go on from there in another call: the cursor only
-- moves forward by id, so a job that matches for a whole walk is visited exactly once.
local function index_walk(sources, from, to, reverse, budget, want, visit)
  local k = math.max(16, math.ceil(budget / math.max(#sources, 1)))
  local horizon
  local ids = {}
  for _, source in ipairs(sources) do
    local got = source_range(source, from, to, reverse, k)
    for _, id in ipairs(got) do ids[#ids + 1] = id end
    if #got >= k then
      local edge = got[#got]
      if not horizon or (reverse and edge > horizon) or (not reverse and edge < horizon) then horizon = edge end
    end
  end
  if reverse then
    table.sort(ids, function(a, b) return a > b end)
  else
    table.sort(ids)
  end
  local last
  local matched = 0
  for _, id in ipairs(ids) do
    if horizon and ((reverse and id < horizon) or (not reverse and id > horizon)) then break end
    -- An id in two sources (an index a hand-made change left wrong) is visited once.
    if id ~= last then
      last = id
      if visit(id) then
        matched = matched + 1
        if matched >= want then return last, false end
      end
    end
  end
  return last, horizon == nil
end

-- The fields of a job that JobView shows, in the order RedisJobAdmin reads them.
local VIEW_FIELDS = { 'task', 'queue', 'status', 'attempts', 'max_retries', 'priority', 'created', 'run_at',
  'started', 'finished', 'error', 'result', 'unique_key', 'ckey', 'scheduled' }

-- A schedule as the schedule scripts answer with it: task, definition, defined, last_tick,
-- last_job ('' for none), paused, skipped.
local function schedule_reply(task)
  local f = redis.call('HMGET', schedule_key(task), 'definition', 'defined', 'last_tick', 'last_job', 'paused',
    'skipped')
  return { task, f[1], f[2], f[3], f[4] or '', f[5], f[6] or 0 }
end

-- A pair's keyed PENDING jobs, for the gauges and the stranded-work report: its active jobs in
-- the job index, less its running ones and the unkeyed pending ones the caller counted (the
-- ZCARDs of its ready and delayed sets). Keyed jobs wait in their keys' sets, and the delayed
-- ones only in the shared kdelayed, so no set of the pair counts them; this reads no job. The
-- running ones (the claims of both the task and the queue) are read only when there may be
-- some: a pair whose active jobs are all unkeyed and pending costs one ZCARD.
local function pair_keyed_pending(queue, task, unkeyed)
  local rest = redis.call('ZCARD', index_key('active', queue, task)) - unkeyed
  if rest <= 0 then return 0 end
  return math.max(rest - #redis.call('SINTER', task_claims_key(task), queue_claims_key(queue)), 0)
end

-- Whether the job index holds every job as it is now: the sweep of jobs stored before it went
-- round, and every live instance's scripts keep it (INDEX_MARK in what it serves). Otherwise
-- a pair's active set may lack jobs or still hold finished ones, and pair_keyed_pending is
-- asked only of pairs with keyed jobs due (kdue), as before it was asked of any.
local function index_is_whole(now)
  if redis.call('GET', K_INDEX_SWEEP) ~= 'done' then return false end
  for _, live in ipairs(redis.call('ZRANGEBYSCORE', K_INSTANCES, '(' .. now, '+inf')) do
    if redis.call('SISMEMBER', served_key(live), INDEX_MARK) == 0 then return false end
  end
  return true
end
