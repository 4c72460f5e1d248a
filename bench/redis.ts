/**
 * Added latency of a Redis permit (acquire + release) against an in-memory Effect
 * Semaphore, sequential, one permit at a time (no waiting): median, p99 and mean over a
 * few thousand operations. Needs the Redis at REDIS_URL (default redis://127.0.0.1:6379).
 *
 *   npx tsx bench/redis.ts [operations]
 */
import * as RedisLimiter from "@service-client/plugins/RedisLimiter"
import * as RedisStore from "@service-client/plugins/RedisStore"
import { Effect } from "effect"

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
  const rows = [
    yield* measure("in-memory Effect Semaphore", memory.withPermits(1)(Effect.void)),
    yield* measure("(context) one ioredis PING round trip", Effect.promise(() => store.redis.ping())),
    yield* measure("Redis semaphore (Pool)", sem.withPermit(caller)(Effect.void)),
    yield* measure("Redis window, afterResponse (RateLimit)", win.withPermit(caller)(Effect.void)),
    yield* measure("Redis window, fromStart (no release)", log.withPermit(caller)(Effect.void))
  ]
  const base = rows[0]!
  console.log(`${operations} sequential acquire+release each (after ${warmup} warm-up), Node ${process.version}`)
  console.log("| store | median | p99 | mean | added median | added p99 |")
  console.log("| --- | --- | --- | --- | --- | --- |")
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${fmt(r.median)} | ${fmt(r.p99)} | ${fmt(r.mean)} | ${fmt(r.median - base.median)} | ${
        fmt(r.p99 - base.p99)
      } |`
    )
  }
}).pipe(
  Effect.scoped,
  Effect.provide(
    RedisStore.layer({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", prefix: `bench-${process.pid}` })
  )
)

Effect.runPromise(program).catch((e) => {
  console.error(e)
  process.exit(1)
})
