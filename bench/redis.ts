/**
 * Added latency of a Redis permit (acquire + release) against an in-memory Effect
 * Semaphore, sequential, one permit at a time (no waiting): median, p99 and mean over a
 * few thousand operations; then the same through a client's call (a transport that
 * answers at once) with the Pool and RateLimit plugins on the in-memory store and on
 * `RedisStore.layerLimiters`; then the wake-up latency of a waiter after a release (a
 * semaphore of 1 across the store) and the Redis commands sent per operation with 50
 * fibers waiting on a semaphore of 5 (counted on the client). Needs the Redis at REDIS_URL (default redis://127.0.0.1:6379).
 *
 *   npm run example bench/redis.ts [operations]
 */
import * as Endpoint from "@service-client/core/Endpoint"
import type * as Plugin from "@service-client/core/Plugin"
import * as ServiceClient from "@service-client/core/ServiceClient"
import * as Spec from "@service-client/core/Spec"
import * as Transport from "@service-client/core/Transport"
import * as Pool from "@service-client/plugins/Pool"
import * as RateLimit from "@service-client/plugins/RateLimit"
import * as RedisLimiter from "@service-client/redis/RedisLimiter"
import * as RedisStore from "@service-client/redis/RedisStore"
import { Effect, Exit, Fiber, Layer, Scope, Stream } from "effect"

const operations = Number(process.argv[2] ?? 5000)
const warmup = 300
const caller = { service: "bench", endpoint: "op" }

const measure = (label: string, op: Effect.Effect<unknown, unknown>) =>
  Effect.gen(function*() {
    for (let i = 0; i < warmup; i++) yield* op
    const samples = new Float64Array(operations)
    for (let i = 0; i < operations; i++) {
      const t0 = performance.now()
      yield* op
      samples[i] = performance.now() - t0
    }
    samples.sort()
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length
    return { label, median: at(0.5), p99: at(0.99), mean }
  })

const fmt = (ms: number) => `${(ms * 1000).toFixed(1)} µs`

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"
const Api = Spec.make({ ping: Endpoint.get("/ping") })
const body = new Uint8Array()
const Instant = Layer.succeed(Transport.Transport, {
  send: () => Effect.succeed({ status: 200, headers: {}, read: () => Effect.succeed(body), stream: Stream.empty })
})

/** One call of a client with `plugins`, built on the store in context. */
const client = (
  service: string,
  plugins: ReadonlyArray<Effect.Effect<Plugin.Plugin<Pool.Error>, never, Scope.Scope>>
) =>
  Effect.map(
    ServiceClient.make(Api, { name: service, baseUrl: "http://127.0.0.1:1", plugins }),
    (c) => c.call("ping")
  )

const program = Effect.gen(function*() {
  const store = yield* RedisStore.RedisStore
  const memory = yield* Effect.makeSemaphore(10)
  const sem = yield* RedisLimiter.semaphore({ name: "bench-sem", limit: 10 })
  const win = yield* RedisLimiter.window({ name: "bench-win", limit: 1_000_000, period: "1 second" })
  const log = yield* RedisLimiter.window({
    name: "bench-log",
    limit: 1_000_000,
    period: "100 millis",
    hold: "fromStart"
  })
  const redisStore = yield* Layer.build(
    RedisStore.layerLimiters({ url, prefix: `bench-${process.pid}-plugins` })
  )
  const onRedis = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, redisStore)
  const pool = { limit: 10 }
  const rate = { limit: 1_000_000, period: "1 second" } as const
  const bare = yield* client("bench", [])
  const rows = [
    yield* measure("in-memory Effect Semaphore", memory.withPermits(1)(Effect.void)),
    yield* measure("(context) one ioredis PING round trip", Effect.promise(() => store.redis.ping())),
    yield* measure("Redis semaphore (Pool)", sem.withPermit(caller)(Effect.void)),
    yield* measure("Redis window, afterResponse (RateLimit)", win.withPermit(caller)(Effect.void)),
    yield* measure("Redis window, fromStart (no release)", log.withPermit(caller)(Effect.void))
  ]
  const calls = [
    yield* measure("call, no limiter", bare),
    yield* measure("call + Pool, in memory", yield* client("bench", [Pool.make(pool)])),
    yield* measure("call + Pool, Redis", yield* onRedis(client("bench", [Pool.make(pool)]))),
    yield* measure("call + RateLimit, in memory", yield* client("bench", [RateLimit.make(rate)])),
    yield* measure("call + RateLimit, Redis", yield* onRedis(client("bench", [RateLimit.make(rate)])))
  ]
  const table = (title: string, rs: ReadonlyArray<{ label: string; median: number; p99: number; mean: number }>) => {
    const base = rs[0]!
    console.log(`\n| ${title} | median | p99 | mean | added median | added p99 |`)
    console.log("| --- | --- | --- | --- | --- | --- |")
    for (const r of rs) {
      console.log(
        `| ${r.label} | ${fmt(r.median)} | ${fmt(r.p99)} | ${fmt(r.mean)} | ${fmt(r.median - base.median)} | ${
          fmt(r.p99 - base.p99)
        } |`
      )
    }
  }
  // wake-up: from the holder's release to the waiter running, the waiter queued first
  const wake = yield* RedisLimiter.semaphore({ name: "bench-wake", limit: 1 })
  const wakeups: Array<number> = []
  for (let i = 0; i < 300; i++) {
    let woken = 0
    const holder = yield* Scope.make()
    yield* Scope.extend(wake.acquire(caller), holder)
    const waiter = yield* Effect.fork(wake.withPermit(caller)(Effect.sync(() => void (woken = performance.now()))))
    yield* Effect.sleep("3 millis")
    const released = performance.now()
    yield* Scope.close(holder, Exit.void)
    yield* Fiber.join(waiter)
    wakeups.push(woken - released)
  }
  wakeups.sort((a, b) => a - b)
  const q = (x: number) => wakeups[Math.min(wakeups.length - 1, Math.floor(x * wakeups.length))]!
  // commands per operation with 50 waiting fibers on a semaphore of 5, each holding it 2 ms
  const redis = store.redis as unknown as { sendCommand: (...a: Array<unknown>) => unknown }
  const send = redis.sendCommand.bind(redis)
  let sent = 0
  redis.sendCommand = (...a) => {
    sent++
    return send(...a)
  }
  const crowd = yield* RedisLimiter.semaphore({ name: "bench-crowd", limit: 5 })
  const ops = 500
  const t0 = performance.now()
  yield* Effect.forEach(Array.from({ length: ops }), () => crowd.withPermit(caller)(Effect.sleep("2 millis")), {
    concurrency: 50
  })
  const crowdMs = performance.now() - t0
  redis.sendCommand = send
  console.log(`${operations} sequential operations each (after ${warmup} warm-up), Node ${process.version}`)
  table("acquire + release", rows)
  table("one call (instant transport)", calls)
  console.log(
    `\nwake-up after a release (300 hand-offs): median ${fmt(q(0.5))}, p99 ${fmt(q(0.99))}, max ${fmt(q(1))}`
  )
  console.log(
    `50 fibers waiting on a Redis semaphore of 5: ${ops} operations in ${crowdMs.toFixed(0)} ms, ${
      (sent / ops).toFixed(2)
    } Redis commands sent per operation`
  )
}).pipe(
  Effect.scoped,
  Effect.provide(Instant),
  Effect.provide(
    RedisStore.layer({ url, prefix: `bench-${process.pid}` })
  )
)

Effect.runPromise(program).catch((e) => {
  console.error(e)
  process.exit(1)
})
