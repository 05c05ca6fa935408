-- Moves a PENDING job's due time: into its ready set when due, else into the delayed sets,
-- as make_pending places it. ARGV: id, run_at_ms. Returns 1 if the job was pending and now
-- has that due time, else 0. Wakes the dispatchers when the job is due now.
local id = arg_text(ARGV[1], 'id')
local run_at = arg_int(ARGV[2], 'run at')
local jk = job_key(id)
local f = redis.call('HMGET', jk, 'status', 'queue', 'task', 'ready', 'priority', 'ckey')
if f[1] ~= 'PENDING' then return 0 end
local now = now_ms()
unlist(jk, id, f[2], f[3], f[4], f[6])
make_pending(jk, id, f[2], f[3], tonumber(f[5]), run_at, now, f[6])
if run_at <= now then publish_wake_up('rescheduled') end
return 1
