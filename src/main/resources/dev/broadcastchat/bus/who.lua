-- Lists the members of a room on the other nodes, from their records that have not expired.
-- Expired ones are left for presence.lua, which removes them and announces their members as gone.
--
-- KEYS  1 members (hash: node id -> "expires-ms\ncount\nname\nname...", and presence.lua's
--       fields beside the records, whose values are bare numbers)
-- ARGV  1 this node's id (its own record is left out), 2 the most names returned
-- Returns {count, name...}: how many members the other nodes have, and at most N of their names.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local limit = tonumber(ARGV[2])
local out = {0}
local records = redis.call('HGETALL', KEYS[1])
for i = 1, #records, 2 do
  local node, record = records[i], records[i + 1]
  local expires, count, names = string.match(record, '^(%d+)\n(%d+)\n?(.*)$')
  if expires ~= nil and tonumber(expires) >= now and node ~= ARGV[1] then
    out[1] = out[1] + tonumber(count)
    for name in string.gmatch(names, '[^\n]+') do
      if #out > limit then
        break
      end
      out[#out + 1] = name
    end
  end
end
return out
