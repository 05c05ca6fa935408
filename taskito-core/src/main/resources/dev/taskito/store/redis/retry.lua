-- Moves a DEAD job back to PENDING, due now, attempts 0, last error kept. ARGV: id.
-- Returns { 1 } if it was dead and is now pending, { 0 } if it was not dead, and
-- { 2, key, holder } if another PENDING or RUNNING job holds its unique key: then nothing
-- changes, since two active jobs never share a key.
local id = arg_text(ARGV[1], 'id')
local jk = job_key(id)
local f = redis.call('HMGET', jk, 'status', 'queue', 'task', 'priority', 'unique_key')
if f[1] ~= 'DEAD' then return { 0 } end
if f[5] then
  local holder = redis.call('HGET', K_UNIQUE, f[5])
  if holder and holder ~= id then
    local status = redis.call('HGET', job_key(holder), 'status')
    if status == 'PENDING' or status == 'RUNNING' then return { 2, f[5], holder } end
  end
end
local now = now_ms()
redis.call('ZREM', K_DEAD, id)
redis.call('HSET', jk, 'attempts', 0)
redis.call('HDEL', jk, 'finished', 'result')
-- The key is free (or left behind by a finished job, as enqueue.lua treats it): it is this job's again.
if f[5] then redis.call('HSET', K_UNIQUE, f[5], id) end
make_pending(jk, id, f[2], f[3], tonumber(f[4]), now, now)
publish_wake_up('retried')
return { 1 }
