-- One bounded step of listing, counting or finding the newest of the jobs a query matches,
-- read from the index (see query_sources in lib.lua), never by scanning jobs.
-- ARGV: mode ('list', 'count' or 'newest'), statuses ('PENDING,DEAD'; '' for all), task and
-- queue ('' for any), due_from and due_before (ms; '' for open), from (the id to go on after;
-- for 'newest', the id to go on below; '' for the start), to (the highest id; '' for open),
-- want (the most matches), budget (about the most index entries to look at).
-- Returns last (the id to go on from, '' for none), '1' when the index holds no more, the
-- number of matches, then per match: 'list' its id and VIEW_FIELDS, 'newest' its id.
-- A count without a due range is answered in one call from the sizes of the sets.
local mode = ARGV[1]
if mode ~= 'list' and mode ~= 'count' and mode ~= 'newest' then
  error('taskito: jobs_page mode must be list, count or newest, was ' .. tostring(mode))
end
local statuses = arg_statuses(ARGV[2])
local task, queue = ARGV[3] or '', ARGV[4] or ''
local due_from = (ARGV[5] ~= '') and arg_int(ARGV[5], 'due from') or nil
local due_before = (ARGV[6] ~= '') and arg_int(ARGV[6], 'due before') or nil
local from = (ARGV[7] ~= '') and ARGV[7] or nil
local to = (ARGV[8] ~= '') and ARGV[8] or nil
local want = arg_int(ARGV[9], 'want')
local budget = arg_int(ARGV[10], 'budget')
if want < 1 or budget < 1 then
  error('taskito: jobs_page needs want and budget of at least 1, got ' .. want .. ' and ' .. budget)
end

if mode == 'count' and not due_from and not due_before and not to then
  -- Exact from the sets' sizes: PENDING alone is the active set less the pair's running jobs.
  local lower = from and ('(' .. from) or '-'
  local function running_after(q, t)
    local n = 0
    for _, id in ipairs(running_ids(q, t)) do
      if not from or id > from then n = n + 1 end
    end
    return n
  end
  local total = 0
  for _, pair in ipairs(query_pairs(task, queue)) do
    local q, t = pair[1], pair[2]
    if statuses.PENDING then
      total = total + redis.call('ZLEXCOUNT', index_key('active', q, t), lower, '+')
      if not statuses.RUNNING then total = total - running_after(q, t) end
    elseif statuses.RUNNING then
      total = total + running_after(q, t)
    end
    for _, status in ipairs({ 'SUCCEEDED', 'DEAD', 'CANCELLED' }) do
      if statuses[status] then
        total = total + redis.call('ZLEXCOUNT', index_key(INDEX_KIND[status], q, t), lower, '+')
      end
    end
  end
  return { '', '1', total }
end

local out = {}
local matched = 0
local visit
if mode == 'list' then
  visit = function(id)
    local f = redis.call('HMGET', job_key(id), unpack(VIEW_FIELDS))
    if not job_matches(statuses, due_from, due_before, f[3], tonumber(f[8])) then return false end
    matched = matched + 1
    out[#out + 1] = id
    for j = 1, #VIEW_FIELDS do out[#out + 1] = f[j] end
    return true
  end
else
  visit = function(id)
    local f = redis.call('HMGET', job_key(id), 'status', 'run_at')
    if not job_matches(statuses, due_from, due_before, f[1], tonumber(f[2])) then return false end
    matched = matched + 1
    if mode == 'newest' then out[#out + 1] = id end
    return true
  end
end
local last, exhausted = index_walk(query_sources(statuses, task, queue), from, to, mode == 'newest', budget, want,
  visit)
local reply = { last or '', exhausted and '1' or '0', matched }
for _, v in ipairs(out) do reply[#reply + 1] = v end
return reply
