-- Deletes finished jobs older than their retention, at most max of each kind per call, with
-- their entries in the index; a pair left without jobs leaves index-pairs.
-- ARGV: succeeded_ms, dead_ms, max. Returns { deleted, looked at }.
local keep_done = arg_int(ARGV[1], 'succeeded retention')
local keep_dead = arg_int(ARGV[2], 'dead retention')
local max = arg_int(ARGV[3], 'max')
local now = now_ms()
local deleted, seen = 0, 0
-- Removals from the index are gathered per key, and the pairs they touched checked once.
local unindexed, touched = {}, {}
local function purge(set, cutoff, statuses)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', set, '-inf', cutoff, 'LIMIT', 0, max)) do
    seen = seen + 1
    redis.call('ZREM', set, id)
    local jk = job_key(id)
    local f = redis.call('HMGET', jk, 'status', 'queue', 'task')
    -- Only a job still finished goes: a DEAD job retried since is PENDING and must stay.
    if statuses[f[1]] then
      redis.call('DEL', jk)
      deleted = deleted + 1
      if f[2] and f[3] then
        gather(unindexed, index_key(INDEX_KIND[f[1]], f[2], f[3]), id)
        touched[pending_pair(f[2], f[3])] = { f[2], f[3] }
      end
    end
  end
end
purge(K_DONE, now - keep_done, { SUCCEEDED = true, CANCELLED = true })
purge(K_DEAD, now - keep_dead, { DEAD = true })
apply_index_moves(unindexed, {})
for _, pair in pairs(touched) do prune_index_pair(pair[1], pair[2]) end
return { deleted, seen }
