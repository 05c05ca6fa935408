-- Applies a queue's pause as an instance's configuration declares it. ARGV: queue, paused
-- ('1' or '0'). The value configured last is kept apart from the pause itself; the pause is
-- set only when that value differs (or none was configured), so a pause or resume made at
-- runtime survives instances restarting with the configuration it overrode.
-- Returns 1 if the pause was set, else 0.
local queue = arg_text(ARGV[1], 'queue')
local paused = ARGV[2]
if paused ~= '1' and paused ~= '0' then
  error('taskito: paused must be 1 or 0, was ' .. tostring(paused))
end
if redis.call('HGET', K_PAUSE_CONFIGURED, queue) == paused then return 0 end
redis.call('HSET', K_PAUSE_CONFIGURED, queue, paused)
set_paused(queue, paused == '1')
return 1
