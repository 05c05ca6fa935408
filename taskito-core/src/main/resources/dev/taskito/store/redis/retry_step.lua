-- One bounded step of a bulk retry: retries (as retry.lua does) the DEAD jobs of a task and
-- queue ('' for any) due in a range, with an id after `from` and up to `to`, the first
-- `limit` of them by id, looking at about `budget` index entries at most. A dead job whose
-- unique key another PENDING or RUNNING job holds (or a job this step retried before it
-- took) is skipped and counted.
-- ARGV: task, queue, due_from, due_before (ms; '' for open), from ('' for the start), to,
-- limit, budget. Returns changed, skipped and the last id looked at ('' when none).
local task, queue = ARGV[1] or '', ARGV[2] or ''
local due_from = (ARGV[3] ~= '') and arg_int(ARGV[3], 'due from') or nil
local due_before = (ARGV[4] ~= '') and arg_int(ARGV[4], 'due before') or nil
local from = (ARGV[5] ~= '') and ARGV[5] or nil
local to = arg_text(ARGV[6], 'up to')
local limit = arg_int(ARGV[7], 'limit')
local budget = arg_int(ARGV[8], 'budget')
if limit < 1 or budget < 1 then
  error('taskito: retry_step needs limit and budget of at least 1, got ' .. limit .. ' and ' .. budget)
end

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
