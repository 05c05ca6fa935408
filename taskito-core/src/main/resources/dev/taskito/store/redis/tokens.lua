-- Takes tokens from (or gives them back to) token buckets, each atomically. A bucket starts
-- full with `permits` tokens and refills at permits per period_ms, on the store's clock.
-- ARGV: 4 per request: bucket, permits, period_ms, count (negative gives back).
-- Returns the tokens granted per request, in order.
local FIELDS = 4
if #ARGV % FIELDS ~= 0 then
  error('taskito: tokens needs ' .. FIELDS .. ' arguments per request, got ' .. #ARGV)
end
local requests = {}
for i = 1, #ARGV, FIELDS do
  local r = { bucket = arg_text(ARGV[i], 'bucket'), permits = arg_int(ARGV[i + 1], 'permits'),
    period = arg_int(ARGV[i + 2], 'period'), count = arg_int(ARGV[i + 3], 'count') }
  if r.permits < 1 or r.period < 1 then error('taskito: bucket ' .. r.bucket .. ' needs positive permits and period') end
  requests[#requests + 1] = r
end

local now = now_ms()
local out = {}
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
