-- Takes tokens from (or gives them back to) token buckets, each atomically. A bucket starts
-- full with `permits` tokens and refills at permits per period_ms, on the store's clock.
-- ARGV: call_id ('' for none), then 4 per request: bucket, permits, period_ms, count
-- (negative gives back).
-- Returns the tokens granted per request, in order.
-- A call that gives tokens back carries an id: Lettuce re-sends a call whose connection
-- dropped, and one that had run would otherwise credit its tokens twice. A call whose id was
-- seen in the last GIVEN_TTL_MS changes nothing and answers as the first did (nothing granted).
local FIELDS = 4
local GIVEN_TTL_MS = 300000
if (#ARGV - 1) % FIELDS ~= 0 then
  error('taskito: tokens needs ' .. FIELDS .. ' arguments per request, got ' .. (#ARGV - 1))
end
local call_id = ARGV[1]
local requests = {}
for i = 2, #ARGV, FIELDS do
  local r = { bucket = arg_text(ARGV[i], 'bucket'), permits = arg_int(ARGV[i + 1], 'permits'),
    period = arg_int(ARGV[i + 2], 'period'), count = arg_int(ARGV[i + 3], 'count') }
  if r.permits < 1 or r.period < 1 then error('taskito: bucket ' .. r.bucket .. ' needs positive permits and period') end
  requests[#requests + 1] = r
end

local out = {}
if call_id ~= '' and not redis.call('SET', given_key(call_id), 1, 'NX', 'PX', GIVEN_TTL_MS) then
  for _ in ipairs(requests) do out[#out + 1] = 0 end
  return out
end
local now = now_ms()
for _, r in ipairs(requests) do
  local bk = bucket_key(r.bucket)
  local f = redis.call('HMGET', bk, 'tokens', 'ts')
  local tokens, ts = tonumber(f[1]), tonumber(f[2])
  if tokens == nil or ts == nil then
    tokens, ts = r.permits, now
  end
  if now > ts then
    tokens = tokens + (now - ts) * r.permits / r.period
  end
  tokens = math.min(tokens, r.permits)
  local granted = 0
  if r.count > 0 then
    granted = math.min(r.count, math.floor(tokens))
    tokens = tokens - granted
  elseif r.count < 0 then
    tokens = math.min(r.permits, tokens - r.count)
  end
  redis.call('HSET', bk, 'tokens', tostring(tokens), 'ts', math.max(now, ts))
  -- A bucket left alone for a period is full again, which is what a missing bucket means.
  redis.call('PEXPIRE', bk, r.period + 1000)
  out[#out + 1] = granted
end
return out
