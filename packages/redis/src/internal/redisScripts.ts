/**
 * The Lua scripts behind the Redis permit store. One sorted set per limiter holds its
 * permits (member: lease id, score: expiry in Redis milliseconds); a second sorted set
 * is the FIFO queue of waiting tickets (score: arrival sequence) and a third their
 * heartbeats (score: expiry). Every script reads the clock of Redis (`TIME`), so all
 * processes share one clock, and first evicts what has expired.
 *
 * KEYS: 1 permits, 2 queue, 3 heartbeats, 4 sequence, 5 wake-up channel (published to only).
 * All five share the hash tag `{<limiter name>}`, so they live in one Cluster slot.
 *
 * @internal
 */

const now = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

const evict = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local stale = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 500)
if #stale > 0 then
  redis.call('ZREM', KEYS[3], unpack(stale))
  redis.call('ZREM', KEYS[2], unpack(stale))
end
`

const touch = `
local keyTtl = tonumber(ARGV[6])
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], keyTtl) end
`

const hand = `
local function hint()
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if first[2] then return tonumber(first[2]) - now end
  return -1
end
local function promote()
  local free = tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1])
  if free <= 0 then return {} end
  local heads = redis.call('ZRANGE', KEYS[2], 0, free - 1)
  for _, h in ipairs(heads) do
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), h)
    redis.call('ZREM', KEYS[2], h)
    redis.call('ZREM', KEYS[3], h)
  end
  if #heads > 0 then redis.call('PUBLISH', KEYS[5], hint() .. ' ' .. table.concat(heads, ' ')) end
  return heads
end
`

/**
 * Every script takes the same ARGV: 1 limit, 2 permit ttl (ms), 3 heartbeat ttl (ms),
 * 4 id, 5 enqueue (1/0, acquire) or hold (release), 6 key ttl (ms), 7... ids (tick).
 *
 * Permits are handed off, not grabbed: whenever a permit is free and tickets wait, the
 * script that sees it (`promote`) moves the oldest tickets into the permits and
 * PUBLISHes `"<hint> <id> <id>..."` on the limiter's channel, so the processes that own
 * those tickets know they hold a permit without asking (`hint`: ms until the first
 * permit expires, -1 when none is taken).
 *
 * Acquire returns `{1, -1}` when `id` holds a permit, else `{0, hint}` (queued when
 * `enqueue`). A caller is granted at once only when nobody waits: strict FIFO across
 * processes.
 *
 * @internal
 */
export const acquire = `${now}${evict}${hand}
local id = ARGV[4]
${touch}
if redis.call('ZSCORE', KEYS[1], id) then return {1, -1} end
if redis.call('ZCARD', KEYS[2]) == 0 and redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), id)
  return {1, -1}
end
if ARGV[5] == '1' then
  if not redis.call('ZSCORE', KEYS[2], id) then redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), id) end
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), id)
end
promote()
if redis.call('ZSCORE', KEYS[1], id) then return {1, -1} end
return {0, hint()}
`

/**
 * Extends a held permit; returns 0 when the permit had already expired (it is not taken
 * back: that could exceed the limit).
 *
 * @internal
 */
export const renew = `${now}
if not redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[4])
${touch}
return 1
`

/**
 * ARGV 5 hold (ms): 0 frees the permit now and hands it to the oldest ticket; otherwise
 * it stays taken that long (RateLimit's permit returns `period` after the response) and,
 * when tickets wait, the new expiry is published (`"<hint>"`) so the processes that wait
 * check at that moment.
 *
 * @internal
 */
export const release = `${now}${evict}${hand}
local hold = tonumber(ARGV[5])
${touch}
if hold > 0 then
  redis.call('ZADD', KEYS[1], now + hold, ARGV[4])
  if redis.call('ZCARD', KEYS[2]) > 0 then redis.call('PUBLISH', KEYS[5], tostring(hint())) end
  return 1
end
redis.call('ZREM', KEYS[1], ARGV[4])
promote()
return 1
`

/**
 * Takes a ticket out of the queue, and its permit when one was handed to it and never
 * used (the waiter gave up or was interrupted), handing that on.
 *
 * @internal
 */
export const cancel = `${now}${evict}${hand}
redis.call('ZREM', KEYS[2], ARGV[4])
redis.call('ZREM', KEYS[3], ARGV[4])
redis.call('ZREM', KEYS[1], ARGV[4])
promote()
return 1
`

/**
 * The fallback check of one process for all of its waiters (ARGV 7...): hands free
 * permits on, refreshes the waiters' heartbeats, and returns
 * `{hint, {ids holding a permit}, {ids with no ticket (evicted: they queue again)}}`.
 *
 * @internal
 */
export const tick = `${now}${evict}${hand}
${touch}
promote()
local held, lost = {}, {}
for i = 7, #ARGV do
  local id = ARGV[i]
  if redis.call('ZSCORE', KEYS[1], id) then
    held[#held + 1] = id
  elseif redis.call('ZSCORE', KEYS[2], id) then
    redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), id)
  else
    lost[#lost + 1] = id
  end
end
return {hint(), held, lost}
`

/**
 * Counts the permits taken now (after eviction) and the waiters.
 *
 * @internal
 */
export const count = `${now}${evict}
return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])}
`

/**
 * The scripts by the name of the ioredis command each is defined as.
 *
 * @internal
 */
export const commands = {
  scAcquire: acquire,
  scRenew: renew,
  scRelease: release,
  scCancel: cancel,
  scTick: tick,
  scCount: count
} as const

/** @internal */
export type ScriptName = keyof typeof commands
