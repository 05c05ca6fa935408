-- One bounded step of a bulk retry: retries (as retry.lua does) the DEAD jobs of a task and
-- queue ('' for any) due in a range, with an id after `from` and up to `to`, the first
-- `limit` of them by id, looking at about `budget` index entries at most. A dead job whose
-- unique key another PENDING or RUNNING job holds (or a job this step retried before it
-- took) is skipped and counted.
-- ARGV: task, queue, due_from, due_before (ms; '' for open), from ('' for the start), to,
-- limit, budget. Returns changed, skipped and the last id looked at ('' when none).
local task, queue, due_from, due_before, from, to, limit, budget = step_args('retry_step')

local now = now_ms()
local statuses = { DEAD = true }
local function due(run_at) return job_matches(statuses, due_from, due_before, 'DEAD', run_at) end
local changed, skipped = 0, 0
local last = index_walk(query_sources(statuses, task, queue), from, to, false, budget, limit, function(id)
  local result = retry_job(id, now, due)
  if result == 1 then
    changed = changed + 1
  elseif result == 2 then
    skipped = skipped + 1
  end
  return result ~= 0
end)
if changed > 0 then publish_wake_up('retried') end
return { changed, skipped, last or '' }
