-- Writes (or removes) this node's record of its members in a room, keeps the room's log alive
-- while the room is occupied, and publishes a presence or nick event, with the room's size
-- across every node when the event asks for it. Records carry their own expiry (Redis time), so
-- a node that dies without a goodbye drops out once its last record expires.
--
-- KEYS  1 members (hash: node id -> "expires-ms\ncount\nname\nname..."), 2..6 the room's log keys
-- ARGV  1 node id, 2 record ("count\nname\n..."; '' removes it), 3 record ttl in ms,
--       4 room ttl in ms (0 for none), 5 channel, 6 event ('' for none),
--       7 '1' if the event ends in '"members":' and takes the room's size
-- Returns the room's size across every node.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[3])

if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', now + ttl) .. '\n' .. ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ttl)
  if ARGV[4] ~= '0' then
    for i = 2, #KEYS do
      redis.call('PEXPIRE', KEYS[i], ARGV[4])
    end
  end
end

local total = 0
local records = redis.call('HGETALL', KEYS[1])
for i = 1, #records, 2 do
  local expires, count = string.match(records[i + 1], '^(%d+)\n(%d+)')
  if expires == nil or tonumber(expires) < now then
    redis.call('HDEL', KEYS[1], records[i])
  else
    total = total + tonumber(count)
  end
end

if ARGV[6] ~= '' then
  local event = ARGV[6]
  if ARGV[7] == '1' then
    event = event .. string.format('%d', total) .. '}'
  end
  redis.call('PUBLISH', ARGV[5], event)
end
return total
