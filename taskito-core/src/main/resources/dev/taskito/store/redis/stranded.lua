-- Finds the PENDING jobs that no live instance serves, per (queue, task) pair, counted.
-- ARGV: count_limit (the most jobs reported per pair).
-- Returns task, queue and count per stranded pair, as a flat list, in no order.
-- Reads no job: the pairs come from the pending-pairs set and each count from the ZCARD of
-- the pair's ready and delayed sets; keyed jobs are counted per pair of index-pairs from the
-- job index (see pair_keyed_pending). A pair whose sets are both empty leaves the set here;
-- the next job that becomes PENDING there puts it back.
local count_limit = arg_int(ARGV[1], 'count limit')
if count_limit < 1 then
  error('taskito: stranded needs a count limit of at least 1, got ' .. count_limit)
end

local now = now_ms()
forget_expired_instances(now)
local served = {}
-- Whether a live instance's scripts keep no job index: then the index sweep starts over once
-- it is gone, as the pending-pairs sweep does.
local older_than_index = false
for _, live in ipairs(redis.call('ZRANGEBYSCORE', K_INSTANCES, '(' .. now, '+inf')) do
  local members = redis.call('SMEMBERS', served_key(live))
  if #members == 0 then
    -- An instance of an older version says nothing of what it serves: it may serve anything.
    -- Its scripts keep no pending pairs either, so once it is gone the sweep below starts over.
    redis.call('DEL', K_PAIRS_SWEEP)
    redis.call('DEL', K_INDEX_SWEEP)
    return {}
  end
  local tasks, queues = {}, {}
  local keeps_index = false
  for _, member in ipairs(members) do
    local kind, name = string.sub(member, 1, 2), string.sub(member, 3)
    if kind == 't:' then tasks[name] = true elseif kind == 'q:' then queues[name] = true end
    if member == INDEX_MARK then keeps_index = true end
  end
  if not keeps_index then older_than_index = true end
  served[#served + 1] = { tasks = tasks, queues = queues }
end

-- Ready sets written by a version without pending-pairs: found by a SCAN that goes round the
-- keyspace once, 10,000 keys per call, continuing from the cursor all instances share. (Jobs
-- delayed back then are counted once they are due.)
local sweep = redis.call('GET', K_PAIRS_SWEEP)
if sweep ~= 'done' then
  local prefix = B .. 'ready:'
  local reply = redis.call('SCAN', sweep or '0', 'MATCH', glob_escape(prefix) .. '*', 'COUNT', 10000)
  for _, key in ipairs(reply[2]) do
    if redis.call('TYPE', key).ok == 'zset' then
      redis.call('SADD', K_PENDING_PAIRS, string.sub(key, #prefix + 1))
    end
  end
  redis.call('SET', K_PAIRS_SWEEP, (reply[1] == '0') and 'done' or reply[1])
end

-- Jobs that an instance without the job index enqueued or finished: swept into the index a
-- bounded step per report, once no such instance is live (a start sweeps the rest at once).
if older_than_index then
  redis.call('DEL', K_INDEX_SWEEP)
else
  index_sweep_step(1000)
end

local function is_served(queue, task)
  for _, instance in ipairs(served) do
    if instance.tasks[task] and instance.queues[queue] then return true end
  end
  return false
end

-- Per stranded pair, its place in out (the count follows task and queue).
local out, found = {}, {}
for _, pair in ipairs(redis.call('SMEMBERS', K_PENDING_PAIRS)) do
  -- The pair is length-prefixed (see pending_pair): '<len(queue)>:<queue>:<task>'.
  local colon = string.find(pair, ':', 1, true)
  local length = colon and tonumber(string.sub(pair, 1, colon - 1))
  if length then
    local queue = string.sub(pair, colon + 1, colon + length)
    local task = string.sub(pair, colon + length + 2)
    local delayed = pair_delayed_key(queue, task)
    -- Due entries are the dequeue script's to move on; dropping them here also drops those an
    -- older version's script promoted or cancelled without knowing this set.
    redis.call('ZREMRANGEBYSCORE', delayed, '-inf', now)
    local pending = redis.call('ZCARD', ready_key(queue, task)) + redis.call('ZCARD', delayed)
    if pending == 0 then
      redis.call('SREM', K_PENDING_PAIRS, pair)
    elseif not is_served(queue, task) then
      out[#out + 1] = task
      out[#out + 1] = queue
      out[#out + 1] = math.min(pending, count_limit)
      found[pair] = #out
    end
  else
    -- Not written by a Taskito script: it names no pair.
    redis.call('SREM', K_PENDING_PAIRS, pair)
  end
end

-- Keyed jobs wait in their keys' sets, never in pending-pairs: each unserved pair of the job
-- index counts the pending jobs its ready and delayed sets miss (pair_keyed_pending: keyed
-- ones, and unkeyed ones due but not yet promoted, which the loop above left out), added to
-- those. While the index is not whole (an instance without it is live, or its sweep has not
-- gone round: see index_is_whole), only pairs with keyed jobs due, as the gauges do.
local index_whole = index_is_whole(now)
for _, pair in ipairs(redis.call('SMEMBERS', K_INDEX_PAIRS)) do
  local queue, task = parse_pair(pair)
  if queue and not is_served(queue, task)
      and (index_whole or redis.call('EXISTS', kdue_key(queue, task)) == 1) then
    local unkeyed = redis.call('ZCARD', ready_key(queue, task)) + redis.call('ZCARD', pair_delayed_key(queue, task))
    local keyed_pending = pair_keyed_pending(queue, task, unkeyed)
    if keyed_pending > 0 then
      local at = found[pair]
      if at then
        out[at] = math.min(unkeyed + keyed_pending, count_limit)
      else
        out[#out + 1] = task
        out[#out + 1] = queue
        out[#out + 1] = math.min(unkeyed + keyed_pending, count_limit)
      end
    end
  end
end
return out
