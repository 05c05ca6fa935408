-- Records outcomes, fenced by claim token, in one atomic step.
-- ARGV: wake ('1' to publish a wake-up), then 5 per outcome: kind, id, token, text, delay_ms,
-- where kind is S (succeeded, no result), R (succeeded with result text), F (failed, pending
-- again after delay_ms, error text) or D (failed, dead, error text).
-- Returns id and token of each outcome recorded.
local FIELDS = 5
local wake = ARGV[1] == '1'
if (#ARGV - 1) % FIELDS ~= 0 then
  error('taskito: finish needs ' .. FIELDS .. ' arguments per outcome, got ' .. (#ARGV - 1))
end
local outcomes = {}
for i = 2, #ARGV, FIELDS do
  local kind = ARGV[i]
  if kind ~= 'S' and kind ~= 'R' and kind ~= 'F' and kind ~= 'D' then
    error('taskito: unknown outcome kind ' .. tostring(kind))
  end
  outcomes[#outcomes + 1] = { kind = kind, id = arg_text(ARGV[i + 1], 'id'), token = arg_text(ARGV[i + 2], 'token'),
    text = ARGV[i + 3], delay = (kind == 'F') and arg_int(ARGV[i + 4], 'retry delay') or 0 }
end

local now = now_ms()
-- Printed once for every job of the call (see dequeue.lua).
local now_text = string.format('%d', now)
local recorded = {}
-- Removals from the claim sets and the leases are gathered and made once per key after the
-- loop: one command for the whole batch costs far less than one per job. The script is atomic, so nothing sees the sets in between.
local unclaimed, leases = {}, {}
-- The finished jobs' moves in the index, gathered the same way.
local unindexed, indexed = {}, {}
for _, o in ipairs(outcomes) do
  local jk = job_key(o.id)
  local f = redis.call('HMGET', jk, 'status', 'token', 'task', 'queue', 'unique_key', 'priority',
    'finished_token', 'awaited', 'ckey')
  if f[1] == 'RUNNING' and f[2] == o.token then
    if keyed(f[9]) then key_unclaimed(o.id, f[4], f[3], f[9], now) end
    local pk = pair_keys(f[4], f[3])
    -- As drop_claim does, but with the set removals gathered.
    gather(unclaimed, pk.task_claims, o.id)
    gather(unclaimed, pk.queue_claims, o.id)
    leases[#leases + 1] = o.id
    -- A finished job keeps its claim's fields (token, instance, batch, lease, prev_started):
    -- they mean something only while it is RUNNING, every script reads the status first, and
    -- a claim writes them all anew. Leaving them saves a command per job on the hot path.
    if o.kind == 'S' then
      redis.call('HSET', jk, 'finished_token', o.token, 'status', 'SUCCEEDED', 'finished', now_text)
    elseif o.kind == 'R' then
      redis.call('HSET', jk, 'finished_token', o.token, 'status', 'SUCCEEDED', 'finished', now_text, 'result', o.text)
    elseif o.kind == 'D' then
      redis.call('HSET', jk, 'finished_token', o.token, 'status', 'DEAD', 'finished', now_text, 'error', o.text)
    else
      -- The attempt stays consumed, and the unique key stays held: the job is still PENDING.
      redis.call('HDEL', jk, 'token', 'instance', 'batch', 'lease', 'prev_started')
      redis.call('HSET', jk, 'finished_token', o.token, 'error', o.text)
      make_pending(jk, o.id, f[4], f[3], tonumber(f[6]), now + o.delay, now, f[9])
    end
    if o.kind == 'S' or o.kind == 'R' then
      release_unique(f[5], o.id)
      gather(unindexed, pk.active, o.id)
      gather(indexed, pk.succeeded, o.id)
      note_finished(o.id, f[8])
    elseif o.kind == 'D' then
      release_unique(f[5], o.id)
      gather(unindexed, pk.active, o.id)
      gather(indexed, pk.dead, o.id)
      note_finished(o.id, f[8])
    end
    recorded[#recorded + 1] = o.id
    recorded[#recorded + 1] = o.token
  elseif f[7] == o.token then
    -- This outcome was recorded by an earlier call whose answer was lost (or that Lettuce
    -- re-sent): say so again, so that the caller does not take it for a lost lease.
    recorded[#recorded + 1] = o.id
    recorded[#recorded + 1] = o.token
  end
end
for key, ids in pairs(unclaimed) do redis.call('SREM', key, unpack(ids)) end
if #leases > 0 then redis.call('ZREM', K_LEASES, unpack(leases)) end
apply_index_moves(unindexed, indexed)
if wake and #recorded > 0 then publish_wake_up('freed') end
announce_finished()
return recorded
