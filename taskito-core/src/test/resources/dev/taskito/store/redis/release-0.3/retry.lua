-- Moves a DEAD job back to PENDING, due now, attempts 0, last error kept. ARGV: id.
-- Returns { 1 } if it was dead and is now pending, { 0 } if it was not dead, and
-- { 2, key, holder } if another PENDING or RUNNING job holds its unique key: then nothing
-- changes, since two active jobs never share a key.
local id = arg_text(ARGV[1], 'id')
local result, key, holder = retry_job(id, now_ms(), nil)
if result == 2 then return { 2, key, holder } end
if result == 1 then publish_wake_up('retried') end
return { result }
