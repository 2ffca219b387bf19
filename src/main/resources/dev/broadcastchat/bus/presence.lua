-- Writes (or removes) this node's record of its members in a room, keeps the room's log alive
-- while the room is occupied, and publishes a presence or nick event, with the room's size
-- across every node when the event asks for it. Records carry their own expiry (Redis time), so
-- a node that dies without a goodbye drops out once its last record expires.
--
-- The members of an expired record are announced as gone, once, by the first node to find it
-- that has kept its own record current since before that one expired ("+" and the node id holds
-- since when) and had written it again more than a grace after that: after Redis stalled or was
-- out of reach for everyone, either no node has kept current (a gap longer than a record lives)
-- or no record expired longer than a grace before the gap (a shorter one; the grace is longer
-- than a node's heartbeat), so nobody is judged. The judging node leaves a mark ("-" and the node
-- id) for an hour; a node that finds its record gone and its mark there was cut off, not dead, and
-- announces its members as joined again. Both announcements name the judged node ("from"): its
-- own members, if it can still hear the channel, never saw it leave.
--
-- KEYS  1 members (hash: node id -> "expires-ms\ncount\nname\nname...", "+" node id -> current
--       since (ms), "-" node id -> expiry (ms) of the mark), 2 the room's nick claims (nick.lua),
--       kept alive with the records, 3..7 the room's log keys
-- ARGV  1 node id, 2 record ("count\nname\n..."; '' removes it), 3 record ttl in ms,
--       4 room ttl in ms (0 for none), 5 channel, 6 event ('' for none),
--       7 '1' if the event ends in '"members":' and takes the room's size, 8 the room's name,
--       9 the most names a presence event carries, 10 the grace in ms
-- Returns {the room's size across every node, 1 if the record was written anew else 0}.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[3])
local mark_ttl = 3600000
local grace = tonumber(ARGV[10])

local previous = redis.call('HGET', KEYS[1], ARGV[1])
local since = now
local last_write = 0
local current = false
if previous then
  local expires = string.match(previous, '^(%d+)\n')
  if expires ~= nil and tonumber(expires) >= now then
    current = true
    since = tonumber(redis.call('HGET', KEYS[1], '+' .. ARGV[1])) or now
    last_write = tonumber(expires) - ttl
  end
end

local rejoined = false
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1], '+' .. ARGV[1], '-' .. ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', now + ttl) .. '\n' .. ARGV[2],
    '+' .. ARGV[1], string.format('%d', since))
  if not previous then
    rejoined = redis.call('HDEL', KEYS[1], '-' .. ARGV[1]) == 1
  end
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  if ARGV[4] ~= '0' then
    for i = 3, #KEYS do
      redis.call('PEXPIRE', KEYS[i], ARGV[4])
    end
  end
end

local total = 0
local gone = {}
local records = redis.call('HGETALL', KEYS[1])
for i = 1, #records, 2 do
  local node, record = records[i], records[i + 1]
  local kind = string.sub(node, 1, 1)
  if kind == '-' then
    if (tonumber(record) or 0) < now then
      redis.call('HDEL', KEYS[1], node)
    end
  elseif kind ~= '+' then
    local expires, count = string.match(record, '^(%d+)\n(%d+)')
    if expires ~= nil and tonumber(expires) >= now then
      total = total + tonumber(count)
    elseif ARGV[2] ~= '' and since < tonumber(expires or 0)
        and last_write > tonumber(expires or 0) + grace then
      redis.call('HDEL', KEYS[1], node, '+' .. node)
      redis.call('HSET', KEYS[1], '-' .. node, string.format('%d', now + mark_ttl))
      gone[#gone + 1] = {node, string.match(record, '^%d+\n(.*)$')}
    elseif tonumber(expires or 0) + mark_ttl < now then
      -- Expired long ago while nobody was in touch to judge it, or malformed: dropped unannounced.
      redis.call('HDEL', KEYS[1], node, '+' .. node)
    end
  end
end

-- Announces the members a record ("count\nname\n...") lists as joined or gone, as BusPayloads
-- writes a presence event, with "from", the (judged) node whose own members it is not for.
local function announce(joined, record, from)
  local count, names = string.match(record or '', '^(%d+)\n?(.*)$')
  if count == nil or tonumber(count) == 0 then
    return
  end
  local nicks = {}
  local limit = tonumber(ARGV[9])
  for name in string.gmatch(names, '[^\n]+') do
    if #nicks >= limit then
      break
    end
    nicks[#nicks + 1] = cjson.encode(name)
  end
  redis.call('PUBLISH', ARGV[5], '{"t":"p","room":' .. cjson.encode(ARGV[8]) .. ',"joined":' .. joined
    .. ',"nicks":[' .. table.concat(nicks, ',') .. '],"count":' .. count
    .. ',"members":' .. string.format('%d', total) .. ',"from":' .. cjson.encode(from) .. '}')
end
for _, judged in ipairs(gone) do
  announce('false', judged[2], judged[1])
end
if rejoined then
  announce('true', ARGV[2], ARGV[1])
end

if ARGV[6] ~= '' then
  local event = ARGV[6]
  if ARGV[7] == '1' then
    event = event .. string.format('%d', total) .. '}'
  end
  redis.call('PUBLISH', ARGV[5], event)
end
-- A record written anew (the node's first member here, or its record had expired or was lost with
-- Redis's data): its nick claims may have gone too, and the node makes them again.
return {total, (ARGV[2] ~= '' and not current) and 1 or 0}
