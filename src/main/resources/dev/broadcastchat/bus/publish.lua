-- Sequences one chat message in a room, atomically: creates the room's epoch when it has none,
-- answers a resend (same ref and text as a recent message) with the message stored the first
-- time, else takes the next sequence number, appends the message to the room's stream (capped
-- near the history size) and publishes it on the room's channel. Every node delivers what it
-- hears on the channel, so the order of this script's runs is the room's one order.
--
-- KEYS  1 epoch, 2 seq, 3 stream, 4 refs (hash: sha1(ref, text) -> message), 5 ref order (list)
-- ARGV  1 channel, 2 stream cap (the history size), 3 refs remembered, 4 room ttl in ms (0 for
--       none), 5 deadline in Redis milliseconds (0 for none), 6 room, 7 from, 8 addr, 9 text,
--       10 action ('1' or '0'), 11 ref ('' for none)
-- Returns {status, message}: status 1 stored and published, 0 a resend (the earlier message),
-- -1 refused because the deadline has passed: the sender has already been told that it failed,
-- so it must not appear now (the message is then '').
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local deadline = tonumber(ARGV[5])
if deadline > 0 and now > deadline then
  return {-1, ''}
end

local epoch = redis.call('GET', KEYS[1])
if not epoch then
  -- A new log. Created here, in the same atomic step as its first message, so that two nodes
  -- sending a room's first messages at once cannot start two logs.
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  epoch = string.sub(redis.sha1hex(ARGV[6] .. '\n' .. time[1] .. '.' .. time[2]), 1, 10)
  redis.call('SET', KEYS[1], epoch)
end

local refField = nil
if ARGV[11] ~= '' then
  refField = redis.sha1hex(ARGV[11] .. '\0' .. ARGV[9])
  local earlier = redis.call('HGET', KEYS[4], refField)
  if earlier then
    return {0, earlier}
  end
end

local seq = redis.call('INCR', KEYS[2])
local message = cjson.encode({
  t = 'm',
  id = epoch .. '-' .. seq,
  seq = seq,
  room = ARGV[6],
  from = ARGV[7],
  addr = ARGV[8],
  text = ARGV[9],
  ts = now,
  action = ARGV[10] == '1'
})
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '0-' .. seq, 'm', message)

if refField then
  redis.call('HSET', KEYS[4], refField, message)
  redis.call('RPUSH', KEYS[5], refField)
  local limit = tonumber(ARGV[3])
  while redis.call('LLEN', KEYS[5]) > limit do
    redis.call('HDEL', KEYS[4], redis.call('LPOP', KEYS[5]))
  end
end

if ARGV[4] ~= '0' then
  for i = 1, 5 do
    redis.call('PEXPIRE', KEYS[i], ARGV[4])
  end
end

redis.call('PUBLISH', ARGV[1], message)
return {1, message}
