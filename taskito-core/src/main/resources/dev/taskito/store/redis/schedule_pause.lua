-- Pauses ('1') or resumes ('0') a schedule for every instance; its last tick stays, so the
-- ticks that pass while paused are missed ticks at the resume. ARGV: task, paused.
-- Returns 1, or 0 when the task has no schedule.
local task = arg_text(ARGV[1], 'task')
if ARGV[2] ~= '1' and ARGV[2] ~= '0' then
  error('taskito: paused must be 1 or 0, was ' .. tostring(ARGV[2]))
end
local sk = schedule_key(task)
if redis.call('EXISTS', sk) == 0 then return 0 end
redis.call('HSET', sk, 'paused', ARGV[2])
return 1
