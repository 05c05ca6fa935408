-- Deletes finished jobs older than their retention, at most max of each kind per call.
-- ARGV: succeeded_ms, dead_ms, max. Returns { deleted, looked at }.
local keep_done = arg_int(ARGV[1], 'succeeded retention')
local keep_dead = arg_int(ARGV[2], 'dead retention')
local max = arg_int(ARGV[3], 'max')
local now = now_ms()
local deleted, seen = 0, 0
local function purge(set, cutoff, statuses)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', set, '-inf', cutoff, 'LIMIT', 0, max)) do
    seen = seen + 1
    redis.call('ZREM', set, id)
    local jk = job_key(id)
    -- Only a job still finished goes: a DEAD job retried since is PENDING and must stay.
    if statuses[redis.call('HGET', jk, 'status')] then
      redis.call('DEL', jk)
      deleted = deleted + 1
    end
  end
end
purge(K_DONE, now - keep_done, { SUCCEEDED = true, CANCELLED = true })
purge(K_DEAD, now - keep_dead, { DEAD = true })
return { deleted, seen }
