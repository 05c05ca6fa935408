-- Reads the instances whose heartbeat is current, writing nothing (a heartbeat forgets the
-- expired ones).
-- ARGV: none.
-- Returns { id, record expiry in ms, last heartbeat in ms ('' when its version writes none),
--   { 't:'..task or 'q:'..queue, cap, ... }, { members of its served set }, jobs running at its last
--   heartbeat ('' when its version writes none) } per instance, in id order.
local now = now_ms()
local out = {}
local live = redis.call('ZRANGEBYSCORE', K_INSTANCES, '(' .. now, '+inf', 'WITHSCORES')
for k = 1, #live, 2 do
  local instance = live[k]
  out[#out + 1] = { instance, live[k + 1], redis.call('GET', beat_key(instance)) or '',
    redis.call('HGETALL', instance_key(instance)), redis.call('SMEMBERS', served_key(instance)),
    redis.call('GET', running_key(instance)) or '' }
end
table.sort(out, function(a, b) return a[1] < b[1] end)
return out
