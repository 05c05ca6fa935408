-- Pauses ('1') or resumes ('0') a queue for every instance. ARGV: queue, paused.
local queue = arg_text(ARGV[1], 'queue')
if ARGV[2] == '1' then
  redis.call('SADD', K_PAUSED, queue)
elseif ARGV[2] == '0' then
  -- Resumed jobs may be due: wake the dispatchers rather than wait for their poll.
  if redis.call('SREM', K_PAUSED, queue) == 1 then publish_wake_up('resumed') end
else
  error('taskito: paused must be 1 or 0, was ' .. tostring(ARGV[2]))
end
return 1
