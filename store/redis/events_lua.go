package redis

import goredis "github.com/redis/go-redis/v9"

// The event log's scripts. Keys of session S (prefix P): P e:{S}:m, a hash — "n" the last sequence number
// given, "b" the event bytes held, "c:<stream>" those of one stream, "f:<stream>" the stream's floor (a
// replay after an id below it would need a dropped event); P e:{S}:z, a sorted set of the streams holding events, scored by the sequence
// number of each one's first event (so its lowest member holds the session's oldest event); and
// P e:{S}:s:<stream>, one Redis Stream per SSE stream, entry id "<seq>-0", fields d (data) and t (append
// time, Unix ms). Sequence numbers stay below 2^53, so Lua's numbers hold them exactly; they are formatted
// with %.0f, never tostring.
const eventsLuaPrelude = `
local M, Z = KEYS[1], KEYS[2]
local function fmt(n) return string.format('%.0f', n) end
local function seqOf(id) return tonumber(string.match(id, '^(%d+)%-')) end
local function first(k)
  return redis.call('XRANGE', k, '-', '+', 'COUNT', 1)[1]
end
-- forget takes the bytes stream st held out of the session's count, for a stream whose key is gone (expired:
-- a stream's key lives EventMaxAge after its own last append, the session's keys after any stream's).
-- (A stream written before "c:" existed may have a count below its bytes, even below 0: never added back.)
local function forget(st)
  local c = tonumber(redis.call('HGET', M, 'c:' .. st))
  if c then
    if c > 0 then redis.call('HINCRBY', M, 'b', -c) end
    redis.call('HDEL', M, 'c:' .. st)
  end
end
-- dropFirst drops the first event of stream st and moves its floor; it returns that event or nil (then st
-- holds no event and leaves Z).
local function dropFirst(pfx, st)
  local k = pfx .. st
  local e = first(k)
  if not e then
    if redis.call('EXISTS', k) == 0 then forget(st) end
    redis.call('ZREM', Z, st)
    return nil
  end
  local n = string.len(e[2][2])
  redis.call('XDEL', k, e[1])
  redis.call('HINCRBY', M, 'b', -n)
  redis.call('HINCRBY', M, 'c:' .. st, -n)
  redis.call('HSET', M, 'f:' .. st, fmt(seqOf(e[1])))
  local nx = first(k)
  if nx then redis.call('ZADD', Z, fmt(seqOf(nx[1])), st) else redis.call('ZREM', Z, st) end
  return e
end
-- sweep drops the session's events older than maxAge; a stream left empty by age is forgotten whole.
local function sweep(pfx, now, maxAge)
  while true do
    local o = redis.call('ZRANGE', Z, 0, 0)[1]
    if not o then return end
    local e = first(pfx .. o)
    if not e then
      if redis.call('EXISTS', pfx .. o) == 0 then forget(o) end
      redis.call('ZREM', Z, o)
    elseif now - tonumber(e[2][4]) > maxAge then
      dropFirst(pfx, o)
      if not first(pfx .. o) then
        redis.call('DEL', pfx .. o)
        redis.call('HDEL', M, 'f:' .. o, 'c:' .. o)
      end
    else
      return
    end
  end
end
`

// appendScript: KEYS m, z, the stream's key, its lease key; ARGV stream, data, now ms, max age ms, max
// events per stream, max bytes per session, stream key prefix, initial sequence number, the pub/sub channel
// of the stream's watches, mode, and for mode "L" the node, lease TTL ms and request id. It publishes the
// event's id on the channel (the wake-up of EventWatcher, in the same round trip, in every mode) and
// returns {the event's sequence number, how many subscribers (nodes) the wake-up reached}, or, when it
// appends nothing, "final", "leased" or "none" (see store.Leases). Modes: "" a plain append; "L" the first
// event of a request's stream, which records the request id in m ("r:<stream>") and sets the lease key;
// "F" the final event, refused when one is stored ("x:<stream>" in m), which releases the lease; "O" the
// error stored for an orphaned request: like "F", and refused while the lease key exists or when the stream
// was never leased.
var appendScript = goredis.NewScript(eventsLuaPrelude + `
local S, L = KEYS[3], KEYS[4]
local sid, data = ARGV[1], ARGV[2]
local mode = ARGV[10]
if mode == 'F' or mode == 'O' then
  if redis.call('HEXISTS', M, 'x:' .. sid) == 1 then return 'final' end
end
if mode == 'O' then
  if redis.call('HEXISTS', M, 'r:' .. sid) == 0 then return 'none' end
  if redis.call('EXISTS', L) == 1 then return 'leased' end
end
local now, maxAge = tonumber(ARGV[3]), tonumber(ARGV[4])
local maxEvents, maxBytes, pfx = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
sweep(pfx, now, maxAge)
-- The session's first event: n was absent (HINCRBY made it 1; once set it is never below 1 + ARGV[8]).
local seq = redis.call('HINCRBY', M, 'n', 1)
if seq == 1 then seq = redis.call('HINCRBY', M, 'n', ARGV[8]) end
local seqs = fmt(seq)
if redis.call('HEXISTS', M, 'f:' .. sid) == 0 or redis.call('EXISTS', S) == 0 then
  -- A new stream, or one whose key expired: nothing before this event belongs to it.
  redis.call('DEL', S)
  forget(sid)
  redis.call('HSET', M, 'f:' .. sid, fmt(seq - 1))
  redis.call('ZADD', Z, seqs, sid)
elseif not redis.call('ZSCORE', Z, sid) then
  redis.call('ZADD', Z, seqs, sid)
end
redis.call('XADD', S, seqs .. '-0', 'd', data, 't', ARGV[3])
local bytes = redis.call('HINCRBY', M, 'b', string.len(data))
redis.call('HINCRBY', M, 'c:' .. sid, string.len(data))
local over = redis.call('XLEN', S) - maxEvents
while over > 0 do
  local e = dropFirst(pfx, sid)
  if e then bytes = bytes - string.len(e[2][2]) end
  over = over - 1
end
while bytes > maxBytes do
  local o = redis.call('ZRANGE', Z, 0, 0, 'WITHSCORES')
  if not o[1] or tonumber(o[2]) == seq then break end
  local e = dropFirst(pfx, o[1])
  if e then bytes = bytes - string.len(e[2][2]) end
end
if mode == 'L' and redis.call('HEXISTS', M, 'x:' .. sid) == 0 then
  redis.call('HSET', M, 'r:' .. sid, ARGV[13])
  redis.call('SET', L, ARGV[11], 'PX', ARGV[12])
elseif mode == 'F' or mode == 'O' then
  redis.call('HSET', M, 'x:' .. sid, '1')
  redis.call('DEL', L)
end
local ttl = ARGV[4]
redis.call('PEXPIRE', M, ttl)
redis.call('PEXPIRE', Z, ttl)
redis.call('PEXPIRE', S, ttl)
local woken = redis.call('PUBLISH', ARGV[9], sid .. '/' .. seqs)
return {seqs, woken}
`)

// stateScript: KEYS m, the lease key; ARGV stream. Returns {request id or false, final (0/1), leased (0/1)}.
var stateScript = goredis.NewScript(`
local r = redis.call('HGET', KEYS[1], 'r:' .. ARGV[1])
return {r, redis.call('HEXISTS', KEYS[1], 'x:' .. ARGV[1]), redis.call('EXISTS', KEYS[2])}
`)

// replayScript: KEYS m, z, the stream's key; ARGV stream, last sequence number, now ms, max age ms, stream
// key prefix. Returns false when the events after it are not all held, else the stream's entries after it;
// after sequence number 0, every entry the stream holds.
var replayScript = goredis.NewScript(eventsLuaPrelude + `
local S = KEYS[3]
local sid, last = ARGV[1], ARGV[2]
sweep(ARGV[5], tonumber(ARGV[3]), tonumber(ARGV[4]))
if last == '0' then
  -- From the start: every event the stream holds (none for an unknown stream).
  if redis.call('EXISTS', S) == 0 then return {} end
  return redis.call('XRANGE', S, '-', '+')
end
local floor = redis.call('HGET', M, 'f:' .. sid)
if not floor then return false end
if redis.call('EXISTS', S) == 0 then
  forget(sid)
  redis.call('HDEL', M, 'f:' .. sid)
  redis.call('ZREM', Z, sid)
  return false
end
local n = tonumber(redis.call('HGET', M, 'n'))
local l = tonumber(last)
if l < tonumber(floor) or not n or l > n then return false end
return redis.call('XRANGE', S, '(' .. last .. '-0', '+')
`)

// deleteStreamScript: KEYS m, z, the stream's key, its lease key; ARGV stream. The counter stays, so ids
// are not reused.
var deleteStreamScript = goredis.NewScript(eventsLuaPrelude + `
local S, sid = KEYS[3], ARGV[1]
local n = 0
for _, e in ipairs(redis.call('XRANGE', S, '-', '+')) do n = n + string.len(e[2][2]) end
if n > 0 then redis.call('HINCRBY', M, 'b', -n) else forget(sid) end
redis.call('DEL', S, KEYS[4])
redis.call('HDEL', M, 'f:' .. sid, 'r:' .. sid, 'x:' .. sid, 'c:' .. sid)
redis.call('ZREM', Z, sid)
return 1
`)

// deleteSessionScript: KEYS m, z; ARGV stream key prefix, lease key prefix.
var deleteSessionScript = goredis.NewScript(eventsLuaPrelude + `
for _, f in ipairs(redis.call('HKEYS', M)) do
  if string.sub(f, 1, 2) == 'f:' then redis.call('DEL', ARGV[1] .. string.sub(f, 3)) end
  if string.sub(f, 1, 2) == 'r:' then redis.call('DEL', ARGV[2] .. string.sub(f, 3)) end
end
redis.call('DEL', M, Z)
return 1
`)
