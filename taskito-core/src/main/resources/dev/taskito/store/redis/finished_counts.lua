-- Counts the SUCCEEDED and DEAD jobs per (queue, task) pair and slice of ids, reading no job:
-- each slice is a ZLEXCOUNT (O(log n)) of the pair's succeeded and dead index sets, whose
-- members are ids that sort as JobId.compareTo does. ARGV: the slices' bounds as ids, in
-- order; slice i holds ids from ARGV[i + 1] inclusive to ARGV[i + 2] exclusive. Returns task,
-- queue, slice (from 0), succeeded and dead per pair and slice that has any, as a flat list.
local out = {}
local first = '[' .. ARGV[1]
for _, pair in ipairs(redis.call('SMEMBERS', K_INDEX_PAIRS)) do
  local queue, task = parse_pair(pair)
  if queue then
    local succeeded_key = index_key('succeeded', queue, task)
    local dead_key = index_key('dead', queue, task)
    -- A pair with nothing finished in the whole range costs two counts, not two per slice.
    local last = '(' .. ARGV[#ARGV]
    local any_succeeded = redis.call('ZLEXCOUNT', succeeded_key, first, last) > 0
    local any_dead = redis.call('ZLEXCOUNT', dead_key, first, last) > 0
    if any_succeeded or any_dead then
      for i = 1, #ARGV - 1 do
        local lo, hi = '[' .. ARGV[i], '(' .. ARGV[i + 1]
        local succeeded = any_succeeded and redis.call('ZLEXCOUNT', succeeded_key, lo, hi) or 0
        local dead = any_dead and redis.call('ZLEXCOUNT', dead_key, lo, hi) or 0
        if succeeded + dead > 0 then
          for _, v in ipairs({ task, queue, i - 1, succeeded, dead }) do out[#out + 1] = v end
        end
      end
    end
  end
end
return out
