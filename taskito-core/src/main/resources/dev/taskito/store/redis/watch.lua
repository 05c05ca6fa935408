-- Marks a job as awaited, then reads it, in one step: a job that finishes after this call is
-- announced on the finished channel (see announce_finished). ARGV: id.
-- Returns VIEW_FIELDS of the job, or nothing when there is no such job.
local id = arg_text(ARGV[1], 'id')
local jk = job_key(id)
if redis.call('EXISTS', jk) == 0 then return {} end
redis.call('HSET', jk, 'awaited', '1')
return redis.call('HMGET', jk, unpack(VIEW_FIELDS))
