-- Takes back RUNNING jobs whose lease expired at least grace_ms ago: the claim goes, and the
-- job is PENDING, due now, with retries left (the attempt stays consumed), else DEAD.
-- ARGV: grace_ms, max. Returns 4 per job: id, task, instance, status.
local grace = arg_int(ARGV[1], 'grace')
local max = arg_int(ARGV[2], 'max')
local now = now_ms()
local out = {}
local pending = false
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K_LEASES, '-inf', now - grace, 'LIMIT', 0, max)) do
  local jk = job_key(id)
  local f = redis.call('HMGET', jk, 'status', 'task', 'queue', 'instance', 'attempts', 'max_retries',
    'unique_key', 'priority', 'lease')
  if f[1] == 'RUNNING' then
    drop_claim(jk, id, f[2], f[3])
    local instance = f[4] or ''
    local status
    local reason = 'The lease of instance ' .. instance .. ' expired at ' .. tostring(f[9])
      .. ' (ms on the store clock) before the attempt finished'
    if tonumber(f[5]) <= tonumber(f[6]) then
      status = 'PENDING'
      redis.call('HSET', jk, 'error', reason)
      make_pending(jk, id, f[3], f[2], tonumber(f[8]), now, now)
      pending = true
    else
      status = 'DEAD'
      redis.call('HSET', jk, 'status', 'DEAD', 'finished', now, 'error', reason .. '; no retries were left')
      release_unique(f[7], id)
      redis.call('ZADD', K_DEAD, now, id)
    end
    out[#out + 1] = id
    out[#out + 1] = f[2]
    out[#out + 1] = instance
    out[#out + 1] = status
  else
    -- Not RUNNING any more: a lease entry that outlived its claim; it holds nothing.
    redis.call('ZREM', K_LEASES, id)
    redis.call('SREM', task_claims_key(f[2] or ''), id)
    redis.call('SREM', queue_claims_key(f[3] or ''), id)
  end
end
if pending then publish_wake_up('reaped') end
return out
