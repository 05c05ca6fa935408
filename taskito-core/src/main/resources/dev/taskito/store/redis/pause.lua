-- Pauses ('1') or resumes ('0') a queue for every instance. ARGV: queue, paused.
local queue = arg_text(ARGV[1], 'queue')
if ARGV[2] ~= '1' and ARGV[2] ~= '0' then
  error('taskito: paused must be 1 or 0, was ' .. tostring(ARGV[2]))
end
set_paused(queue, ARGV[2] == '1')
return 1
