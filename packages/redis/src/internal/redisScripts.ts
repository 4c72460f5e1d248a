/**
 * The Lua scripts behind the Redis permit store. One sorted set per limiter holds its
 * permits (member: lease id, score: expiry in Redis milliseconds); a second sorted set
 * is the FIFO queue of waiting tickets (score: arrival sequence) and a third their
 * heartbeats (score: expiry). Every script reads the clock of Redis (`TIME`), so all
 * processes share one clock, and first evicts what has expired.
 *
 * KEYS: 1 permits, 2 queue, 3 heartbeats, 4 sequence, 5 wake-up channel (published to only).
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

/**
 * ARGV: 1 limit, 2 permit ttl (ms), 3 heartbeat ttl (ms), 4 id, 5 enqueue (1/0), 6 key ttl (ms).
 * Returns `{granted (1/0), position in queue or -1, ms until the first permit expires or -1}`.
 * A caller is granted when a permit is free and fewer callers wait ahead of it than
 * permits are free, so waiters are served roughly in arrival order across processes.
 *
 * @internal
 */
export const acquire = `${now}${evict}
local limit = tonumber(ARGV[1])
local id = ARGV[4]
local free = limit - redis.call('ZCARD', KEYS[1])
local rank = redis.call('ZRANK', KEYS[2], id)
local ahead = rank or redis.call('ZCARD', KEYS[2])
${touch}
if free > 0 and ahead < free then
  if rank then
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZREM', KEYS[3], id)
  end
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), id)
  return {1, -1, -1}
end
if ARGV[5] == '1' then
  if not rank then
    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), id)
    rank = redis.call('ZCARD', KEYS[2]) - 1
  end
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), id)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local hint = -1
if first[2] then hint = tonumber(first[2]) - now end
return {0, rank or -1, hint}
`

/**
 * ARGV: 1 id, 2 permit ttl (ms), 6 key ttl (ms). Extends a held permit; returns 0 when
 * the permit had already expired (it is not taken back: that could exceed the limit).
 *
 * @internal
 */
export const renew = `${now}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
${touch}
return 1
`

/**
 * ARGV: 1 id, 2 hold (ms: 0 frees the permit now, otherwise it stays taken that long,
 * as RateLimit's permit returns `period` after the response), 6 key ttl (ms).
 * Wakes the waiters of every process when a permit is freed and someone waits.
 *
 * @internal
 */
export const release = `${now}
local hold = tonumber(ARGV[2])
if hold > 0 then
  redis.call('ZADD', KEYS[1], now + hold, ARGV[1])
  ${touch}
  return 1
end
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if removed > 0 and redis.call('ZCARD', KEYS[2]) > 0 then redis.call('PUBLISH', KEYS[5], '1') end
return removed
`

/**
 * ARGV: 1 id. Takes a ticket out of the queue (a waiter gave up or was interrupted).
 *
 * @internal
 */
export const cancel = `
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[2]) > 0 then redis.call('PUBLISH', KEYS[5], '1') end
return 1
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
  scCount: count
} as const

/** @internal */
export type ScriptName = keyof typeof commands
