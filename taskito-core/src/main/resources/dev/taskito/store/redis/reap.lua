-- Takes back RUNNING jobs whose lease expired at least grace_ms ago: the claim goes, and the
-- job is PENDING, due now, with retries left (the attempt stays consumed), else DEAD.
--
-- It also looks at up to scan_count more keys of the namespace, continuing a SCAN whose
-- cursor all instances share, for RUNNING jobs that have no lease at all. No script of
-- Taskito leaves a job so (the claim and the status change together), but a hand-made or
-- corrupted job hash can, and nothing else would ever look at it again; such a job is taken
-- back at once, as the JDBC store does with a RUNNING row that has no claim row. One reap
-- looks at a bounded number of keys, so a large namespace is swept over many reaps, never
-- in one long script.
--
-- Only leases that expired before connected_ms are taken back: the store time of the reaper's
-- last heartbeat whose answer it received, its proof that it reached Redis after the lease
-- ran out. A reap (or heartbeat) sent into a network partition and delivered after it, when
-- every lease looks expired because nobody could renew, so takes back only what had expired
-- before the partition.
-- ARGV: grace_ms, max, scan_count (0 for none), connected_ms.
-- Returns 4 per job: id, task, instance, status.
local grace = arg_int(ARGV[1], 'grace')
local max = arg_int(ARGV[2], 'max')
local scan_count = arg_int(ARGV[3], 'scan count')
local connected = arg_int(ARGV[4], 'connected')
if redis.replicate_commands then
  -- Redis 5 and 6 need this before a write that follows SCAN; Redis 7 always does it.
  redis.replicate_commands()
end
local now = now_ms()
local out = {}
local pending = false

local function take_back(id, f, reason)
  local jk = job_key(id)
  local instance = f[4] or ''
  drop_claim(jk, id, f[2], f[3], f[11], now)
  local status
  if tonumber(f[5] or 0) <= tonumber(f[6] or 0) then
    status = 'PENDING'
    redis.call('HSET', jk, 'error', reason)
    make_pending(jk, id, f[3], f[2], tonumber(f[8] or 0), now, now, f[11])
    pending = true
  else
    status = 'DEAD'
    redis.call('HSET', jk, 'status', 'DEAD', 'finished', now, 'error', reason .. '; no retries were left')
    release_unique(f[7], id)
    redis.call('ZREM', index_key('active', f[3], f[2]), id)
    redis.call('ZADD', index_key('dead', f[3], f[2]), 0, id)
    note_finished(id, f[10])
  end
  out[#out + 1] = id
  out[#out + 1] = f[2]
  out[#out + 1] = instance
  out[#out + 1] = status
end

local FIELDS = { 'status', 'task', 'queue', 'instance', 'attempts', 'max_retries', 'unique_key', 'priority', 'lease',
  'awaited', 'ckey' }

-- Two ranges of one set: the leases of unkeyed claims, and those of keyed claims, scored
-- KEYED_LEASE_OFFSET later (see lib.lua). '%.0f': Lua's own number text keeps 14 digits.
local before = math.min(now - grace + 1, connected)
-- The keyed range gets what the unkeyed one leaves of max; a full reply makes the caller reap again.
local expired = redis.call('ZRANGEBYSCORE', K_LEASES, '-inf', '(' .. string.format('%.0f', before), 'LIMIT', 0, max)
if #expired < max then
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', K_LEASES, string.format('%.0f', KEYED_LEASE_OFFSET),
      '(' .. string.format('%.0f', KEYED_LEASE_OFFSET + before), 'LIMIT', 0, max - #expired)) do
    expired[#expired + 1] = id
  end
end
for _, id in ipairs(expired) do
  local f = redis.call('HMGET', job_key(id), unpack(FIELDS))
  if f[1] == 'RUNNING' then
    take_back(id, f, 'The lease of instance ' .. (f[4] or '') .. ' expired at ' .. tostring(f[9])
      .. ' (ms on the store clock) before the attempt finished')
  else
    -- Not RUNNING any more: a lease entry that outlived its claim; it holds nothing.
    redis.call('ZREM', K_LEASES, id)
    redis.call('SREM', task_claims_key(f[2] or ''), id)
    redis.call('SREM', queue_claims_key(f[3] or ''), id)
    if keyed(f[11]) and f[2] then key_unclaimed(id, f[3] or '', f[2], f[11], now) end
  end
end

if scan_count > 0 then
  local prefix = job_key('')
  local reply = redis.call('SCAN', redis.call('GET', K_SWEEP) or '0', 'MATCH', glob_escape(prefix) .. '*',
    'COUNT', scan_count)
  redis.call('SET', K_SWEEP, reply[1])
  for _, key in ipairs(reply[2]) do
    local id = string.sub(key, #prefix + 1)
    -- pcall: a key of another type under job: is not Taskito's, and is left alone.
    if redis.pcall('HGET', key, 'status') == 'RUNNING' and not redis.call('ZSCORE', K_LEASES, id) then
      local f = redis.call('HMGET', key, unpack(FIELDS))
      -- A hand-made job may still be listed as due or delayed: only take_back places it now.
      undelay(id, f[3], f[2], f[11])
      local listed = redis.call('HGET', key, 'ready')
      if listed and f[2] and f[3] then
        if keyed(f[11]) then keyed_unready(f[3], f[2], f[11], listed) else redis.call('ZREM', ready_key(f[3], f[2]), listed) end
      end
      if f[2] and f[3] then
        -- A hand-made job may be missing from the index too: it is in the active set now.
        redis.call('ZADD', index_key('active', f[3], f[2]), 0, id)
        mark_index_pair(f[3], f[2])
        take_back(id, f, 'The job was RUNNING without a lease (a claim no Taskito script made), '
          .. 'so its lease counts as expired')
      else
        redis.call('HSET', key, 'status', 'DEAD', 'finished', now,
          'error', 'The job was RUNNING without a lease and has no task or queue, so it cannot run again')
        redis.call('ZADD', K_DEAD, now, id)
        note_finished(id, f[10])
        out[#out + 1] = id
        out[#out + 1] = f[2] or ''
        out[#out + 1] = f[4] or ''
        out[#out + 1] = 'DEAD'
      end
    end
  end
end

if pending then publish_wake_up('reaped') end
announce_finished()
return out
