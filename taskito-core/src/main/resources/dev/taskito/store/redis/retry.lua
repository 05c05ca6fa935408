-- Moves a DEAD job back to PENDING, due now, attempts 0, last error kept. ARGV: id.
-- Returns 1 if it was dead and is now pending, else 0.
local id = arg_text(ARGV[1], 'id')
local jk = job_key(id)
local f = redis.call('HMGET', jk, 'status', 'queue', 'task', 'priority', 'unique_key')
if f[1] ~= 'DEAD' then return 0 end
local now = now_ms()
redis.call('ZREM', K_DEAD, id)
redis.call('HSET', jk, 'attempts', 0)
redis.call('HDEL', jk, 'finished', 'result')
-- The key is the job's again unless another job took it while this one was dead.
if f[5] then redis.call('HSETNX', K_UNIQUE, f[5], id) end
make_pending(jk, id, f[2], f[3], tonumber(f[4]), now, now)
publish_wake_up('retried')
return 1
