/**
 * The Lua scripts of the circuits shared through Redis (`RedisCircuit`). Each circuit has
 * three keys sharing the hash tag `{<circuit key>}` (one Cluster slot):
 *
 * - KEYS[1], a hash: `s` state (`closed`, `open`, `half-open`), `g` generation (+1 on
 *   every transition), `p` when an open circuit lets a probe through (Redis ms), `ok`
 *   probes that succeeded in this half-open period;
 * - KEYS[2], the failure window, a hash: for a count window `n` (next slot), `c` calls,
 *   `f` failures and one field per slot (`0`/`1`); for a time window per bucket `e<i>`
 *   (its epoch), `c<i>`, `f<i>`;
 * - KEYS[3], a sorted set of the probes in flight (member: probe id, score: expiry), so a
 *   probe of a process that died frees its place after the probe TTL.
 *
 * Every script reads the clock of Redis (`TIME`), so all processes share one clock, and
 * answers `{state, generation, retryIn, event, calls, failures}` (`retryIn`: ms until the
 * next probe when open; `event`: what this script did — `""`, `"probe"`, `"opened"`,
 * `"closed"`, `"half-open"`). A transition is PUBLISHed on the store's channel (ARGV[10])
 * as JSON `{k, s, g, r}` (key, state, generation, retryIn), so every process learns of it
 * without asking.
 *
 * ARGV: 1 window kind (`c`/`t`), 2 window size (calls) or length (ms), 3 buckets,
 * 4 failure rate, 5 minimum calls, 6 openFor (ms), 7 probes, 8 key TTL (ms), 9 probe TTL
 * (ms), 10 channel, 11 circuit key (for the message), 12 generation the caller knows,
 * 13 outcome (`1` failed, `0` succeeded, `-1` neither), 14 probe id.
 *
 * @internal
 */

const head = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local st = redis.call('HMGET', KEYS[1], 's', 'g', 'p', 'ok')
local state = st[1] or 'closed'
local gen = tonumber(st[2] or '0')
local probeAt = tonumber(st[3] or '0')
local succeeded = tonumber(st[4] or '0')
local keyTtl = tonumber(ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local function touch()
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], keyTtl) end
end
local function retryIn()
  if state == 'open' then return math.max(0, probeAt - now) end
  return 0
end
local function move(to)
  state = to
  gen = gen + 1
  succeeded = 0
  redis.call('DEL', KEYS[2], KEYS[3])
  if to == 'open' then probeAt = now + tonumber(ARGV[6]) end
  redis.call('HSET', KEYS[1], 's', state, 'g', gen, 'p', probeAt, 'ok', 0)
  touch()
  redis.call('PUBLISH', ARGV[10], cjson.encode({k = ARGV[11], s = state, g = gen, r = retryIn()}))
end
`

/**
 * Lets a call into a circuit its process believes is open and due for a probe, or
 * half-open: moves an open circuit whose time has come to half-open, and takes a probe
 * when fewer than `probes` are in flight or succeeded (`event` `"probe"`).
 *
 * @internal
 */
export const enter = `${head}
if state == 'open' and now >= probeAt then move('half-open') end
if state ~= 'half-open' then return {state, gen, retryIn(), '', 0, 0} end
if redis.call('ZCARD', KEYS[3]) + succeeded >= tonumber(ARGV[7]) then return {state, gen, 0, '', 0, 0} end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[9]), ARGV[14])
touch()
return {state, gen, 0, 'probe', 0, 0}
`

/**
 * Records the outcome of a call that passed a closed circuit of generation ARGV[12]
 * (dropped when the circuit moved since), and opens it when the window's failure rate
 * reaches the threshold.
 *
 * @internal
 */
export const record = `${head}
if state ~= 'closed' or gen ~= tonumber(ARGV[12]) then return {state, gen, retryIn(), '', 0, 0} end
local failed = ARGV[13] == '1'
local calls, failures
if ARGV[1] == 'c' then
  local size = tonumber(ARGV[2])
  local w = redis.call('HMGET', KEYS[2], 'n', 'c', 'f')
  local n = tonumber(w[1] or '0')
  calls = tonumber(w[2] or '0')
  failures = tonumber(w[3] or '0')
  if calls == size then failures = failures - tonumber(redis.call('HGET', KEYS[2], n) or '0') else calls = calls + 1 end
  if failed then failures = failures + 1 end
  redis.call('HSET', KEYS[2], n, failed and 1 or 0, 'n', (n + 1) % size, 'c', calls, 'f', failures)
else
  local buckets = tonumber(ARGV[3])
  local width = math.max(1, tonumber(ARGV[2]) / buckets)
  local epoch = math.floor(now / width)
  local i = epoch % buckets
  local e = tonumber(redis.call('HGET', KEYS[2], 'e' .. i) or '-1')
  if e ~= epoch then redis.call('HSET', KEYS[2], 'e' .. i, epoch, 'c' .. i, 0, 'f' .. i, 0) end
  redis.call('HINCRBY', KEYS[2], 'c' .. i, 1)
  if failed then redis.call('HINCRBY', KEYS[2], 'f' .. i, 1) end
  calls, failures = 0, 0
  if failed then
    for j = 0, buckets - 1 do
      local b = redis.call('HMGET', KEYS[2], 'e' .. j, 'c' .. j, 'f' .. j)
      if b[1] and tonumber(b[1]) > epoch - buckets then
        calls = calls + tonumber(b[2])
        failures = failures + tonumber(b[3])
      end
    end
  end
end
touch()
if not failed or calls < tonumber(ARGV[5]) or failures < calls * tonumber(ARGV[4]) then
  return {state, gen, 0, '', 0, 0}
end
move('open')
return {state, gen, retryIn(), 'opened', calls, failures}
`

/**
 * A probe ended (ARGV[13]: `1` failed, `0` succeeded, `-1` neither): frees its place;
 * a failure opens the circuit again, the `probes`-th success closes it.
 *
 * @internal
 */
export const probed = `${head}
redis.call('ZREM', KEYS[3], ARGV[14])
if state ~= 'half-open' or gen ~= tonumber(ARGV[12]) or ARGV[13] == '-1' then
  return {state, gen, retryIn(), '', 0, 0}
end
if ARGV[13] == '1' then
  move('open')
  return {state, gen, retryIn(), 'opened', 0, 0}
end
succeeded = succeeded + 1
if succeeded < tonumber(ARGV[7]) then
  redis.call('HSET', KEYS[1], 'ok', succeeded)
  return {state, gen, 0, '', 0, 0}
end
move('closed')
return {state, gen, 0, 'closed', 0, 0}
`

/**
 * The circuit's state (a process that lost touch with Redis reads it back).
 *
 * @internal
 */
export const read = `${head}
return {state, gen, retryIn(), '', 0, 0}
`

/**
 * The scripts by the name of the ioredis command each is defined as.
 *
 * @internal
 */
export const commands = {
  scCircuitEnter: enter,
  scCircuitRecord: record,
  scCircuitProbed: probed,
  scCircuitRead: read
} as const

/** @internal */
export type ScriptName = keyof typeof commands
