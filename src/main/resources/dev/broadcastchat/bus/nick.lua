-- Claims a nick in a room across every node, or gives one up. Each node keeps its own members'
-- nicks unique (it claims a nick on the node first); this makes them unique across nodes.
--
-- A claim names the node and a token of the node's choosing, new for every claim, so that only
-- the claim a release was meant for is given up, however late the release comes. A claim of
-- another node stands while it is fresh (younger than the record ttl) or while that node's
-- record of its members in the room (presence.lua) has not expired: a node that dies, or leaves
-- the room, leaves claims nobody honours once its record is gone. A claim of this node is always
-- taken over: the node has already made sure that none of its other members holds the nick.
--
-- KEYS  1 nicks (hash: nick key -> "node\ntoken\nclaimed-ms"), 2 members (presence.lua's hash)
-- ARGV  1 'claim' or 'release', 2 the nick's key, 3 node id, 4 token, 5 record ttl in ms
-- Returns 1 when claimed (or released), 0 when a member of another node holds the nick.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[5])
local current = redis.call('HGET', KEYS[1], ARGV[2])
local node, token, claimed
if current then
  node, token, claimed = string.match(current, '^([^\n]*)\n([^\n]*)\n(%d+)$')
end

if ARGV[1] == 'release' then
  if node == ARGV[3] and token == ARGV[4] then
    redis.call('HDEL', KEYS[1], ARGV[2])
  end
  return 1
end

if node ~= nil and node ~= ARGV[3] then
  local held = tonumber(claimed) + ttl >= now
  if not held then
    -- HGET answers false, not nil, for a node without a record.
    local record = redis.call('HGET', KEYS[2], node)
    local expires = record and string.match(record, '^(%d+)\n')
    held = expires and tonumber(expires) >= now or false
  end
  if held then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3] .. '\n' .. ARGV[4] .. '\n' .. string.format('%d', now))
-- Kept alive by every node's record writes too (presence.lua), while the room has members.
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
