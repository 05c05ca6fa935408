-- Reads every schedule with the store's now. ARGV: none.
-- Returns now (ms), then each schedule as schedule_reply gives it, by task name.
local out = { now_ms() }
local tasks = redis.call('SMEMBERS', K_SCHEDULES)
table.sort(tasks)
for _, task in ipairs(tasks) do
  for _, v in ipairs(schedule_reply(task)) do out[#out + 1] = v end
end
return out
