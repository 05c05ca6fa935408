-- Moves a PENDING job to CANCELLED. ARGV: id. Returns 1 if it was cancelled, else 0.
local id = arg_text(ARGV[1], 'id')
local jk = job_key(id)
local f = redis.call('HMGET', jk, 'status', 'queue', 'task', 'ready', 'unique_key')
if f[1] ~= 'PENDING' then return 0 end
local now = now_ms()
if f[4] then redis.call('ZREM', ready_key(f[2], f[3]), f[4]) end
undelay(id, f[2], f[3])
redis.call('HDEL', jk, 'ready')
redis.call('HSET', jk, 'status', 'CANCELLED', 'finished', now)
release_unique(f[5], id)
redis.call('ZADD', K_DONE, now, id)
return 1
