-- Gives claims back without consuming their attempts, fenced by claim token: each job is
-- PENDING again, due delay_ms from now, with the attempts and start time it had before.
-- ARGV: 3 per claim: id, token, delay_ms. Returns id and token of each claim given back; a
-- claim given back already is not given back again, and is not in the answer.
local FIELDS = 3
if #ARGV % FIELDS ~= 0 then
  error('taskito: rollback needs ' .. FIELDS .. ' arguments per claim, got ' .. #ARGV)
end
local claims = {}
for i = 1, #ARGV, FIELDS do
  claims[#claims + 1] = { id = arg_text(ARGV[i], 'id'), token = arg_text(ARGV[i + 1], 'token'),
    delay = arg_int(ARGV[i + 2], 'delay') }
end

local now = now_ms()
local out = {}
for _, c in ipairs(claims) do
  local jk = job_key(c.id)
  local f = redis.call('HMGET', jk, 'status', 'token', 'task', 'queue', 'priority', 'attempts', 'prev_started',
    'ckey')
  if f[1] == 'RUNNING' and f[2] == c.token then
    drop_claim(jk, c.id, f[3], f[4], f[8], now)
    if tonumber(f[6]) > 0 then redis.call('HINCRBY', jk, 'attempts', -1) end
    if f[7] and f[7] ~= '' then redis.call('HSET', jk, 'started', f[7]) else redis.call('HDEL', jk, 'started') end
    -- A keyed job is due again at once, in its old place within its key (its key's ready set
    -- orders by priority and id): the gate leaves no room in a key that rejected it, so the
    -- delay that keeps racing claimers out of lockstep is not needed there.
    make_pending(jk, c.id, f[4], f[3], tonumber(f[5]), keyed(f[8]) and now or (now + c.delay), now, f[8])
    out[#out + 1] = c.id
    out[#out + 1] = c.token
  end
end
return out
