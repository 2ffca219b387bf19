-- Claims nicks in a room across every node, or gives them up. Each node keeps its own members'
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
-- ARGV  1 'claim' or 'release', 2 node id, 3 record ttl in ms, then pairs of a nick's key and
--       its token: one to release, one or more to claim (a node making its claims again)
-- Returns the keys of the nicks among those to claim that a member of another node holds.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local node_id = ARGV[2]
local ttl = tonumber(ARGV[3])

local function holder(key)
  local current = redis.call('HGET', KEYS[1], key)
  if not current then
    return nil
  end
  return string.match(current, '^([^\n]*)\n([^\n]*)\n(%d+)$')
end

if ARGV[1] == 'release' then
  local node, token = holder(ARGV[4])
  if node == node_id and token == ARGV[5] then
    redis.call('HDEL', KEYS[1], ARGV[4])
  end
  return {}
end

local taken = {}
for i = 4, #ARGV, 2 do
  local key, token = ARGV[i], ARGV[i + 1]
  local node, _, claimed = holder(key)
  local held = false
  if node ~= nil and node ~= node_id then
    held = tonumber(claimed) + ttl >= now
    if not held then
      -- HGET answers false, not nil, for a node without a record.
      local record = redis.call('HGET', KEYS[2], node)
      local expires = record and string.match(record, '^(%d+)\n')
      held = expires and tonumber(expires) >= now or false
    end
  end
  if held then
    taken[#taken + 1] = key
  else
    redis.call('HSET', KEYS[1], key, node_id .. '\n' .. token .. '\n' .. string.format('%d', now))
  end
end
-- Kept alive by every node's record writes too (presence.lua), while the room has members.
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return taken
