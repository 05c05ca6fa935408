-- Records that an instance is alive with its caps and what it serves, and renews the leases
-- of the named claims it still holds, in one step.
-- ARGV: instance, lease_ms, task-cap count, (task, cap)..., queue-cap count, (queue, cap)...,
--   served-task count, tasks..., served-queue count, queues..., then (id, token) per claim.
-- Returns { id and token of each renewed claim, { 't:'..task or 'q:'..queue, smallest cap of live instances, ... },
--   the store's time in ms (the instance's proof, for its reaper, that it was connected then) }.
local instance = arg_text(ARGV[1], 'instance')
local lease_ms = arg_int(ARGV[2], 'lease')
local caps = {}
local i = 3
for _ = 1, arg_int(ARGV[i], 'task cap count') do
  caps[#caps + 1] = 't:' .. arg_text(ARGV[i + 1], 'task')
  caps[#caps + 1] = arg_int(ARGV[i + 2], 'task cap')
  i = i + 2
end
i = i + 1
for _ = 1, arg_int(ARGV[i], 'queue cap count') do
  caps[#caps + 1] = 'q:' .. arg_text(ARGV[i + 1], 'queue')
  caps[#caps + 1] = arg_int(ARGV[i + 2], 'queue cap')
  i = i + 2
end
i = i + 1
-- What it serves: 't:' .. task and 'q:' .. queue, and SERVED_MARK so that the set exists even
-- for an instance that serves nothing (an instance without one is of an older version).
local served = { SERVED_MARK, INDEX_MARK }
for _ = 1, arg_int(ARGV[i], 'served task count') do
  served[#served + 1] = 't:' .. arg_text(ARGV[i + 1], 'served task')
  i = i + 1
end
i = i + 1
for _ = 1, arg_int(ARGV[i], 'served queue count') do
  served[#served + 1] = 'q:' .. arg_text(ARGV[i + 1], 'served queue')
  i = i + 1
end
i = i + 1
if (#ARGV - i + 1) % 2 ~= 0 then
  error('taskito: heartbeat needs an id and a token per claim')
end

local now = now_ms()
local until_ms = now + lease_ms

local ik = instance_key(instance)
redis.call('DEL', ik)
if #caps > 0 then
  redis.call('HSET', ik, unpack(caps))
  redis.call('PEXPIRE', ik, lease_ms)
end
redis.call('ZADD', K_INSTANCES, until_ms, instance)
local sk = served_key(instance)
redis.call('DEL', sk)
redis.call('SADD', sk, unpack(served))
redis.call('PEXPIRE', sk, lease_ms)
redis.call('SET', beat_key(instance), now, 'PX', lease_ms)
-- Its claims are the jobs it runs now: one (id, token) pair each.
redis.call('SET', running_key(instance), (#ARGV - i + 1) / 2, 'PX', lease_ms)

local renewed = {}
for j = i, #ARGV, 2 do
  local id, token = ARGV[j], ARGV[j + 1]
  local jk = job_key(id)
  local f = redis.call('HMGET', jk, 'status', 'token', 'ckey')
  if f[1] == 'RUNNING' and f[2] == token then
    redis.call('HSET', jk, 'lease', until_ms)
    -- A keyed claim keeps its offset score, out of the previous release's reaper's sight.
    redis.call('ZADD', K_LEASES, lease_score(until_ms, f[3]), id)
    renewed[#renewed + 1] = id
    renewed[#renewed + 1] = token
  end
end

-- Instances that stopped heartbeating are forgotten here, so their caps no longer count.
return { renewed, refresh_cluster_caps(now), now }
