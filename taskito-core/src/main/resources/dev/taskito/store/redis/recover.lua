-- Reads back the claims a dequeue call wrote, when its answer was lost.
-- ARGV: instance, batch. Returns 14 fields per job that still holds its claim.
return held_claims(arg_text(ARGV[2], 'batch'), arg_text(ARGV[1], 'instance'))
