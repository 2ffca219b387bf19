-- Writes (or removes) this node's record of its members in a room, keeps the room's log alive
-- while the room is occupied, and publishes a presence or nick event, with the room's size
-- across every node when the event asks for it. Records carry their own expiry (Redis time), so
-- a node that dies without a goodbye drops out once its last record expires: the first node to
-- find such a record removes it and announces the members it lists as gone. A node whose record
-- was removed so (it had not reached Redis for that long) announces its members as joined again
-- at its next heartbeat.
--
-- KEYS  1 members (hash: node id -> "expires-ms\ncount\nname\nname..."), 2..6 the room's log keys
-- ARGV  1 node id, 2 record ("count\nname\n..."; '' removes it), 3 record ttl in ms,
--       4 room ttl in ms (0 for none), 5 channel, 6 event ('' for none),
--       7 '1' if the event ends in '"members":' and takes the room's size, 8 the room's name,
--       9 '1' for a heartbeat's refresh of a record written before, 10 the most names a presence
--       event carries
-- Returns the room's size across every node.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[3])

local rejoined = false
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  local added = redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', now + ttl) .. '\n' .. ARGV[2])
  rejoined = added == 1 and ARGV[9] == '1'
  redis.call('PEXPIRE', KEYS[1], ttl)
  if ARGV[4] ~= '0' then
    for i = 2, #KEYS do
      redis.call('PEXPIRE', KEYS[i], ARGV[4])
    end
  end
end

local total = 0
local gone = {}
local records = redis.call('HGETALL', KEYS[1])
for i = 1, #records, 2 do
  local expires, count = string.match(records[i + 1], '^(%d+)\n(%d+)')
  if expires == nil or tonumber(expires) < now then
    redis.call('HDEL', KEYS[1], records[i])
    gone[#gone + 1] = string.match(records[i + 1], '^%d+\n(.*)$')
  else
    total = total + tonumber(count)
  end
end

-- Announces the members a record ("count\nname\n...") lists as joined or gone, as BusPayloads
-- writes a presence event.
local function announce(joined, record)
  local count, names = string.match(record or '', '^(%d+)\n?(.*)$')
  if count == nil or tonumber(count) == 0 then
    return
  end
  local nicks = {}
  local limit = tonumber(ARGV[10])
  for name in string.gmatch(names, '[^\n]+') do
    if #nicks >= limit then
      break
    end
    nicks[#nicks + 1] = cjson.encode(name)
  end
  redis.call('PUBLISH', ARGV[5], '{"t":"p","room":' .. cjson.encode(ARGV[8]) .. ',"joined":' .. joined
    .. ',"nicks":[' .. table.concat(nicks, ',') .. '],"count":' .. count
    .. ',"members":' .. string.format('%d', total) .. '}')
end
for _, record in ipairs(gone) do
  announce('false', record)
end
if rejoined then
  announce('true', ARGV[2])
end

if ARGV[6] ~= '' then
  local event = ARGV[6]
  if ARGV[7] == '1' then
    event = event .. string.format('%d', total) .. '}'
  end
  redis.call('PUBLISH', ARGV[5], event)
end
return total
