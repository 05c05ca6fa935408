-- Removes an instance's record, so its caps and what it serves no longer count; its claims stay.
-- ARGV: instance.
local instance = arg_text(ARGV[1], 'instance')
redis.call('ZREM', K_INSTANCES, instance)
redis.call('DEL', instance_key(instance), served_key(instance), beat_key(instance), running_key(instance))
refresh_cluster_caps(now_ms())
return 1
