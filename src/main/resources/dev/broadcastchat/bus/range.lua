-- Reads a room's log for a replay or to fill a gap, in one atomic step with the log's epoch and
-- last sequence number, so that what it returns and the position it reports agree.
--
-- KEYS  1 epoch, 2 seq, 3 stream
-- ARGV  1 mode: 'last' (the last N messages) or 'after' (the messages after a position)
--       2 N, the most messages returned
--       3 'after': the epoch of the position ('' with position 0: the start of the log there is)
--       4 'after': the sequence number of the position
--       5 'after': how far behind the log's last message the position may be (-1: any distance)
-- Returns {gap, epoch, last seq, message...}, oldest message first; epoch is '' and last 0 when
-- the room has no log. 'after' from a position that is not in this log (another epoch, past its
-- end, further behind than the window, or trimmed away) answers gap 1 and the last N messages.
local epoch = redis.call('GET', KEYS[1]) or ''
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local n = tonumber(ARGV[2])

local function lastN(gap)
  local out = {gap, epoch, last}
  if n > 0 then
    local entries = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', n)
    for i = #entries, 1, -1 do
      out[#out + 1] = entries[i][2][2]
    end
  end
  return out
end

if ARGV[1] == 'last' then
  return lastN(0)
end

local after = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local sameLog = ARGV[3] == epoch or (ARGV[3] == '' and after == 0)
if not sameLog or after < 0 or after > last or (window >= 0 and after < last - window) then
  return lastN(1)
end

local out = {0, epoch, last}
if after < last and n > 0 then
  local first = '0-' .. (after + 1)
  local entries = redis.call('XRANGE', KEYS[3], first, '+', 'COUNT', n)
  if #entries == 0 or entries[1][1] ~= first then
    return lastN(1)
  end
  for i = 1, #entries do
    out[#out + 1] = entries[i][2][2]
  end
end
return out
