-- Records that an instance is alive with its caps and renews the leases of the named claims
-- it still holds, in one step.
-- ARGV: instance, lease_ms, task-cap count, (task, cap)..., queue-cap count, (queue, cap)...,
--   then (id, token) per claim.
-- Returns { renewed ids, { 't:'..task or 'q:'..queue, smallest cap of live instances, ... } }.
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
if (#ARGV - i + 1) % 2 ~= 0 then
  error('taskito: heartbeat needs an id and a token per claim')
end

local now = now_ms()
local until_ms = now + lease_ms

-- Forget instances that stopped heartbeating, so their caps no longer count.
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', K_INSTANCES, '-inf', now)) do
  redis.call('DEL', instance_key(gone))
end
redis.call('ZREMRANGEBYSCORE', K_INSTANCES, '-inf', now)

local ik = instance_key(instance)
redis.call('DEL', ik)
if #caps > 0 then
  redis.call('HSET', ik, unpack(caps))
  redis.call('PEXPIRE', ik, lease_ms)
end
redis.call('ZADD', K_INSTANCES, until_ms, instance)

local renewed = {}
for j = i, #ARGV, 2 do
  local id, token = ARGV[j], ARGV[j + 1]
  local jk = job_key(id)
  local f = redis.call('HMGET', jk, 'status', 'token')
  if f[1] == 'RUNNING' and f[2] == token then
    redis.call('HSET', jk, 'lease', until_ms)
    redis.call('ZADD', K_LEASES, until_ms, id)
    renewed[#renewed + 1] = id
  end
end

local smallest = {}
local names = {}
for _, live in ipairs(redis.call('ZRANGEBYSCORE', K_INSTANCES, '(' .. now, '+inf')) do
  local declared = redis.call('HGETALL', instance_key(live))
  for k = 1, #declared, 2 do
    local name, cap = declared[k], tonumber(declared[k + 1])
    if smallest[name] == nil then
      names[#names + 1] = name
      smallest[name] = cap
    elseif cap < smallest[name] then
      smallest[name] = cap
    end
  end
end
local flat = {}
for _, name in ipairs(names) do
  flat[#flat + 1] = name
  flat[#flat + 1] = smallest[name]
end
return { renewed, flat }
