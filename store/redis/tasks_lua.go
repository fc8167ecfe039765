package redis

import goredis "github.com/redis/go-redis/v9"

// The task store's scripts. Keys (prefix P; every one carries the hash tag {t}, so on Redis Cluster all
// tasks share one slot and a script may touch any of them): P {t}:t:<id>, a hash per task — d the record
// as JSON without its payloads, v its version (what UpdateTask compares), o its owner, m its index member,
// and r, e, q, a the payloads Result, Error, InputRequests, InputResponses as they are (absent when nil);
// P {t}:c:<owner>, a sorted set of the owner's tasks, every score 0, member "<CreatedAt, Unix ns, 20
// digits>:<id>", so that lexicographic order is creation order (ListTasks pages with ZRANGEBYLEX, the cursor
// being the last member returned); P {t}:x:<owner>, the same members scored by expiry (Unix ms), which
// finds the expired ones at once. The task key expires at CreatedAt+TTL (PEXPIREAT); both index keys at
// their last task's expiry, or are deleted when empty. Members of expired tasks are dropped (prune) by
// every script that reads an index; a member whose task key is gone otherwise (deleted behind the store's
// back, evicted by maxmemory) is dropped when met (alive). P {t}:k:<owner> marks for 1 s that the owner's
// indexes were checked for vanished tasks at the limit (createTaskScript).
const tasksLuaPrelude = `
local PAYLOADS = {'r', 'e', 'q', 'a'}
-- refresh makes the owner's index keys expire with their last task, or deletes them when empty.
local function refresh(c, x)
  local last = redis.call('ZRANGE', x, -1, -1, 'WITHSCORES')
  if last[2] then
    redis.call('PEXPIREAT', c, last[2])
    redis.call('PEXPIREAT', x, last[2])
  else
    redis.call('DEL', c, x)
  end
end
-- prune drops the members of the tasks expired at now (Unix ms); it returns how many.
local function prune(c, x, now)
  local gone = redis.call('ZRANGEBYSCORE', x, '-inf', now)
  for i = 1, #gone, 1000 do
    redis.call('ZREM', c, unpack(gone, i, math.min(i + 999, #gone)))
  end
  if #gone > 0 then redis.call('ZREMRANGEBYSCORE', x, '-inf', now) end
  return #gone
end
-- alive reports whether index member m names a task that still exists under it (not a newer task that
-- took the id of an expired one).
local function alive(tp, m)
  return redis.call('HGET', tp .. string.sub(m, 22), 'm') == m
end
-- drop takes member m out of both indexes.
local function drop(c, x, m)
  redis.call('ZREM', c, m)
  redis.call('ZREM', x, m)
end
-- setPayloads applies mask to the payloads, one letter each: 1 stores it from ARGV[first..first+3], 0
-- deletes it (when clear is set: a new hash has none), k keeps it.
local function setPayloads(k, mask, first, clear)
  for i = 1, 4 do
    local f = string.sub(mask, i, i)
    if f == '1' then
      redis.call('HSET', k, PAYLOADS[i], ARGV[first + i - 1])
    elseif f == '0' and clear then
      redis.call('HDEL', k, PAYLOADS[i])
    end
  end
end
`

// createTaskScript: KEYS the task, the owner's c and x indexes, the owner's check marker; ARGV member,
// expiry ms, now ms, the limit (0: none), the task key prefix, the record's JSON, its version, its owner,
// the payload mask, the four payloads. Returns "exists", "limit" or "ok". At the limit it looks for members
// whose task key vanished (alive) before refusing, at most once a second per owner (the marker, which
// expires after 1 s): a client retrying at its limit must not make Redis read all its tasks each time.
var createTaskScript = goredis.NewScript(tasksLuaPrelude + `
local k, c, x, mark = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if redis.call('EXISTS', k) == 1 then return 'exists' end
local changed = prune(c, x, ARGV[3]) > 0
local max = tonumber(ARGV[4])
if max > 0 and redis.call('ZCARD', x) >= max then
  if redis.call('EXISTS', mark) == 0 then
    for _, m in ipairs(redis.call('ZRANGE', x, 0, -1)) do
      if not alive(ARGV[5], m) then
        drop(c, x, m)
        changed = true
      end
    end
  end
  if redis.call('ZCARD', x) >= max then
    redis.call('SET', mark, '1', 'PX', 1000, 'NX')
    if changed then refresh(c, x) end
    return 'limit'
  end
end
redis.call('HSET', k, 'd', ARGV[6], 'v', ARGV[7], 'o', ARGV[8], 'm', ARGV[1])
setPayloads(k, ARGV[9], 10, false)
redis.call('PEXPIREAT', k, ARGV[2])
redis.call('ZADD', c, 0, ARGV[1])
redis.call('ZADD', x, ARGV[2], ARGV[1])
refresh(c, x)
return 'ok'
`)

// updateTaskScript: KEYS the task; ARGV the version read, the new version, the new JSON, the payload mask
// (encodeTask), the four payloads, the new expiry ms ("" when the TTL did not change), the prefixes of the c and x index
// keys. Stores the new record when the version is still the one read and returns "ok"; returns the current
// record (v, d and the payloads) when another writer changed it since; nil when the task is gone.
var updateTaskScript = goredis.NewScript(tasksLuaPrelude + `
local k = KEYS[1]
local cur = redis.call('HMGET', k, 'v', 'd', 'r', 'e', 'q', 'a')
if not cur[1] then return false end
if cur[1] ~= ARGV[1] then return cur end
redis.call('HSET', k, 'v', ARGV[2], 'd', ARGV[3])
setPayloads(k, ARGV[4], 5, true)
if ARGV[9] ~= '' then
  local o, m = unpack(redis.call('HMGET', k, 'o', 'm'))
  redis.call('PEXPIREAT', k, ARGV[9])
  local c, x = ARGV[10] .. o, ARGV[11] .. o
  redis.call('ZADD', x, 'XX', ARGV[9], m)
  refresh(c, x)
end
return 'ok'
`)

// deleteTaskScript: KEYS the task; ARGV the prefixes of the c and x index keys. Deletes the task and its
// index members; returns 1, or 0 when there was no task.
var deleteTaskScript = goredis.NewScript(tasksLuaPrelude + `
local o, m = unpack(redis.call('HMGET', KEYS[1], 'o', 'm'))
if not m then return 0 end
redis.call('DEL', KEYS[1])
local c, x = ARGV[1] .. o, ARGV[2] .. o
drop(c, x, m)
refresh(c, x)
return 1
`)

// listTasksScript: KEYS the owner's c and x indexes; ARGV now ms, the ZRANGEBYLEX start ("-" or "(" and
// the cursor), the page size, the task key prefix. Returns up to page size + 1 tasks after the start, oldest
// first, 6 values each: the member, then d and the four payloads.
var listTasksScript = goredis.NewScript(tasksLuaPrelude + `
local c, x = KEYS[1], KEYS[2]
local changed = prune(c, x, ARGV[1]) > 0
local want = tonumber(ARGV[3]) + 1
local start = ARGV[2]
local out, n = {}, 0
while n < want do
  local ms = redis.call('ZRANGEBYLEX', c, start, '+', 'LIMIT', 0, want - n)
  if #ms == 0 then break end
  for _, m in ipairs(ms) do
    local f = redis.call('HMGET', ARGV[4] .. string.sub(m, 22), 'm', 'd', 'r', 'e', 'q', 'a')
    if f[1] == m then
      out[#out + 1] = m
      for i = 2, 6 do out[#out + 1] = f[i] end
      n = n + 1
    else
      drop(c, x, m)
      changed = true
    end
  end
  start = '(' .. ms[#ms]
end
if changed then refresh(c, x) end
return out
`)
