-- Deletes finished jobs older than their retention, with their entries in the index; a pair
-- left without jobs leaves index-pairs. Finished jobs are found through the index of each
-- pair's SUCCEEDED, CANCELLED and DEAD jobs, in id order, up to the highest id a job created
-- by the cutoff can have (a UUIDv7 starts with its creation time in milliseconds, and no job
-- finishes before it was created), so finishing a job adds it to no set of its own for the
-- purge: the index is the only set it enters. A job created before the cutoff that finished
-- after it (it waited or ran long) is passed over until it too is past its retention.
-- The done and dead sets that versions before the index wrote are still drained here.
-- ARGV: succeeded_ms, dead_ms, max. Returns { deleted, deleted or drained from the old sets }:
-- a call that returns less than max as its second value found no more to do.
local keep_done = arg_int(ARGV[1], 'succeeded retention')
local keep_dead = arg_int(ARGV[2], 'dead retention')
local max = arg_int(ARGV[3], 'max')
local now = now_ms()
local deleted, progress = 0, 0
-- Removals from the index are gathered per key, and the pairs they touched checked once.
local unindexed, touched = {}, {}

local function delete_job(id, f)
  redis.call('DEL', job_key(id))
  deleted = deleted + 1
  progress = progress + 1
  if f[2] and f[3] then
    gather(unindexed, index_key(INDEX_KIND[f[1]], f[2], f[3]), id)
    touched[pending_pair(f[2], f[3])] = { f[2], f[3] }
  end
end

-- The highest id a job created at or before cutoff (ms) can have.
local function last_id_by(cutoff)
  local hex = string.format('%012x', math.max(cutoff, 0))
  return string.sub(hex, 1, 8) .. '-' .. string.sub(hex, 9, 12) .. '-ffff-ffff-ffffffffffff'
end

local kinds = {
  { kind = 'succeeded', status = 'SUCCEEDED', cutoff = now - keep_done },
  { kind = 'cancelled', status = 'CANCELLED', cutoff = now - keep_done },
  { kind = 'dead', status = 'DEAD', cutoff = now - keep_dead },
}
for _, pair in ipairs(redis.call('SMEMBERS', K_INDEX_PAIRS)) do
  if deleted >= max then break end
  local qlen, rest = string.match(pair, '^(%d+):(.*)$')
  local queue = string.sub(rest, 1, tonumber(qlen))
  local task = string.sub(rest, tonumber(qlen) + 2)
  for _, k in ipairs(kinds) do
    if deleted >= max then break end
    local ids = redis.call('ZRANGEBYLEX', index_key(k.kind, queue, task), '-', '[' .. last_id_by(k.cutoff),
      'LIMIT', 0, max - deleted)
    for _, id in ipairs(ids) do
      local f = redis.call('HMGET', job_key(id), 'status', 'queue', 'task', 'finished')
      if f[1] == k.status and tonumber(f[4]) and tonumber(f[4]) <= k.cutoff then
        delete_job(id, f)
      elseif not f[1] then
        -- The job is gone (deleted by hand): only its index entry was left.
        gather(unindexed, index_key(k.kind, queue, task), id)
        touched[pair] = { queue, task }
      end
    end
  end
end

-- The sets of versions before the index: drained, never written any more.
local function drain_old(set, cutoff, statuses)
  if deleted >= max then return end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', set, '-inf', cutoff, 'LIMIT', 0, max - deleted)) do
    progress = progress + 1
    redis.call('ZREM', set, id)
    local f = redis.call('HMGET', job_key(id), 'status', 'queue', 'task')
    -- Only a job still finished goes: a DEAD job retried since is PENDING and must stay.
    if statuses[f[1]] then delete_job(id, f) end
  end
end
drain_old(K_DONE, now - keep_done, { SUCCEEDED = true, CANCELLED = true })
drain_old(K_DEAD, now - keep_dead, { DEAD = true })

apply_index_moves(unindexed, {})
for _, p in pairs(touched) do prune_index_pair(p[1], p[2]) end
return { deleted, progress }
