-- Moves a PENDING job to CANCELLED. ARGV: id. Returns 1 if it was cancelled, else 0.
local id = arg_text(ARGV[1], 'id')
local now = now_ms()
local done, out, into = {}, {}, {}
if not cancel_job(id, now, nil, done, out, into) then return 0 end
apply_index_moves(out, into)
announce_finished()
return 1
