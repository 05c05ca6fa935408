-- Indexes the jobs stored before the index existed, one bounded step per call (see
-- index_sweep_step). ARGV: scan_count. Returns 1 once the sweep went round, else 0.
if redis.replicate_commands then
  -- Redis 5 and 6 need this before a write that follows SCAN; Redis 7 always does it.
  redis.replicate_commands()
end
return index_sweep_step(arg_int(ARGV[1], 'scan count')) and 1 or 0
