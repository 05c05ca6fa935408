-- Counts the claims per task and per queue as the size of their claim sets, never a scan.
-- ARGV: task count, tasks..., queues.... Returns the counts in the same order.
local n = arg_int(ARGV[1], 'task count')
local out = {}
for i = 2, #ARGV do
  if i <= n + 1 then
    out[#out + 1] = redis.call('SCARD', task_claims_key(ARGV[i]))
  else
    out[#out + 1] = redis.call('SCARD', queue_claims_key(ARGV[i]))
  end
end
return out
