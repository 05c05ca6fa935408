-- Counts the PENDING, RUNNING and DEAD jobs per (queue, task) pair, reading no job: running
-- is the intersection of the pair's task and queue claim sets, pending the active set less
-- those, dead the size of the dead set. Returns task, queue, pending, running and dead per
-- pair that has any, as a flat list, in no order.
local out = {}
for _, pair in ipairs(redis.call('SMEMBERS', K_INDEX_PAIRS)) do
  local queue, task = parse_pair(pair)
  if queue then
    local running = #redis.call('SINTER', task_claims_key(task), queue_claims_key(queue))
    local pending = math.max(redis.call('ZCARD', index_key('active', queue, task)) - running, 0)
    local dead = redis.call('ZCARD', index_key('dead', queue, task))
    if pending + running + dead > 0 then
      for _, v in ipairs({ task, queue, pending, running, dead }) do out[#out + 1] = v end
    end
  end
end
return out
