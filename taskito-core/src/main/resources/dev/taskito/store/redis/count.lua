-- Counts the claims per task, per queue and per (task, concurrency key) as the size of their
-- claim sets, never a scan.
-- ARGV: task count, tasks..., queue count, queues..., then (task, key) pairs.
-- Returns the counts in the same order.
local n = arg_int(ARGV[1], 'task count')
local q = arg_int(ARGV[n + 2], 'queue count')
if (#ARGV - n - q - 2) % 2 ~= 0 then
  error('taskito: count needs a task and a key per key counted')
end
local out = {}
for i = 2, n + 1 do
  out[#out + 1] = redis.call('SCARD', task_claims_key(ARGV[i]))
end
for i = n + 3, n + q + 2 do
  out[#out + 1] = redis.call('SCARD', queue_claims_key(ARGV[i]))
end
for i = n + q + 3, #ARGV, 2 do
  out[#out + 1] = redis.call('SCARD', key_claims_key(ARGV[i], ARGV[i + 1]))
end
return out
