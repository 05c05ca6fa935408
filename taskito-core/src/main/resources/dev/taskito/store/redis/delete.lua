-- Deletes a finished job (SUCCEEDED, DEAD or CANCELLED) now, with its entries in the done or
-- dead set and in the index. ARGV: id. Returns 1 if the job was finished and is gone, else 0.
local id = arg_text(ARGV[1], 'id')
local jk = job_key(id)
local f = redis.call('HMGET', jk, 'status', 'queue', 'task', 'unique_key')
if f[1] ~= 'SUCCEEDED' and f[1] ~= 'DEAD' and f[1] ~= 'CANCELLED' then return 0 end
redis.call('ZREM', (f[1] == 'DEAD') and K_DEAD or K_DONE, id)
release_unique(f[4], id)
redis.call('DEL', jk)
if f[2] and f[3] then
  redis.call('ZREM', index_key(INDEX_KIND[f[1]], f[2], f[3]), id)
  prune_index_pair(f[2], f[3])
end
return 1
