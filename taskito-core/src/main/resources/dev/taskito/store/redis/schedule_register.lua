-- Records a periodic task's schedule as a starting instance declares it. ARGV: task,
-- definition. A new schedule starts now (no earlier tick is ever enqueued); a different
-- definition replaces the stored one (the instance started last decides) and its last tick
-- becomes now, so the old definition's ticks are never caught up; the same one changes nothing.
-- Returns the schedule as schedule_reply gives it.
local task = arg_text(ARGV[1], 'task')
local definition = arg_text(ARGV[2], 'definition')
local sk = schedule_key(task)
local now = now_ms()
local stored = redis.call('HGET', sk, 'definition')
if not stored then
  redis.call('HSET', sk, 'definition', definition, 'defined', now, 'last_tick', now, 'paused', '0', 'skipped', 0)
  redis.call('SADD', K_SCHEDULES, task)
elseif stored ~= definition then
  redis.call('HSET', sk, 'definition', definition, 'defined', now, 'last_tick', now)
end
return schedule_reply(task)
