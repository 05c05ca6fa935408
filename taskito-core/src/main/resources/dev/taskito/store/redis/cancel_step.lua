-- One bounded step of a bulk cancel: cancels (as cancel.lua does) the PENDING jobs of a task
-- and queue ('' for any) due in a range, with an id after `from` and up to `to`, the first
-- `limit` of them by id, looking at about `budget` index entries at most.
-- ARGV: task, queue, due_from, due_before (ms; '' for open), from ('' for the start), to,
-- limit, budget. Returns changed, skipped (always 0), the last id looked at ('' when the
-- index holds no more), then id, task and queue of each job cancelled.
local task, queue, due_from, due_before, from, to, limit, budget = step_args('cancel_step')

local now = now_ms()
local statuses = { PENDING = true }
local function due(run_at) return job_matches(statuses, due_from, due_before, 'PENDING', run_at) end
local done, out, into = {}, {}, {}
local changed = 0
local cancelled = {}
local last = index_walk(query_sources(statuses, task, queue), from, to, false, budget, limit,
  function(id)
    local ok, job_task, job_queue = cancel_job(id, now, due, done, out, into)
    if ok then
      changed = changed + 1
      cancelled[#cancelled + 1] = id
      cancelled[#cancelled + 1] = job_task
      cancelled[#cancelled + 1] = job_queue
      return true
    end
    return false
  end)
apply_index_moves(out, into)
announce_finished()
local reply = { changed, 0, last or "" }
for _, v in ipairs(cancelled) do reply[#reply + 1] = v end
return reply
