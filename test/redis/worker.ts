/**
 * One process of the multi-process Redis limiter tests (bundled and run by distributed.test.ts;
 * `node --import tsx test/redis/worker.ts '<job>'` runs it by hand). Its command timeout is generous (the test is about limits, and a busy CI
 * machine can stall an event loop for a second). Reads its job from argv[2] (JSON), calls the test's server through
 * a client with the Pool or RateLimit plugin on the Redis store (`RedisStore.layerLimiters`; the limit is named after
 * the client, `<name>:pool` or `<name>:rateLimit`), and prints one JSON line with its results.
 */
import { FetchHttpClient } from "@effect/platform"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import * as Pool from "@service-client/plugins/Pool"
import * as RateLimit from "@service-client/plugins/RateLimit"
import * as RedisStore from "@service-client/redis/RedisStore"
import { Effect, Layer } from "effect"

interface Job {
  readonly id: string
  readonly kind: "pool" | "rateLimit" | "both"
  readonly url?: string
  readonly name: string
  readonly prefix: string
  readonly baseUrl: string
  readonly path: "/work" | "/hang"
  readonly calls: number
  readonly concurrency: number
  readonly limit: number
  readonly rate?: number
  readonly period?: number
  readonly leaseTtl?: number
}

const job = JSON.parse(process.argv[2]!) as Job
const Api = Spec.make({ work: Endpoint.get("/work"), hang: Endpoint.get("/hang") })

const limiters = job.kind === "pool"
  ? [Pool.make({ limit: job.limit })]
  : job.kind === "rateLimit"
  ? [RateLimit.make({ limit: job.limit, period: job.period ?? 1000 })]
  : [Pool.make({ limit: job.limit }), RateLimit.make({ limit: job.rate ?? 100, period: job.period ?? 1000 })]

const program = Effect.gen(function*() {
  const client = yield* ServiceClient.make(Api, { name: job.name, baseUrl: job.baseUrl, plugins: limiters })
  const blocked: Array<number> = []
  const errors: Array<string> = []
  const one = (i: number) =>
    client.call(job.path === "/hang" ? "hang" : "work", { headers: { "x-worker": job.id, "x-call": String(i) } }).pipe(
      Effect.tap((res) => {
        const b = res.attributes.blockedByPool ?? res.attributes.blockedByRateLimit
        if (typeof b === "number") blocked.push(b)
      }),
      Effect.catchAll((e) => Effect.sync(() => void errors.push(e._tag === "LimiterUnavailable" ? e.message : e._tag)))
    )
  yield* Effect.forEach(Array.from({ length: job.calls }, (_, i) => i), one, { concurrency: job.concurrency })
  process.stdout.write(
    JSON.stringify({ id: job.id, done: blocked.length, errors, maxBlocked: Math.max(0, ...blocked) }) + "\n"
  )
}).pipe(
  Effect.scoped,
  Effect.provide(Transport.layer.pipe(Layer.provide(FetchHttpClient.layer))),
  Effect.provide(
    RedisStore.layerLimiters({
      url: job.url,
      prefix: job.prefix,
      commandTimeout: "5 seconds",
      leaseTtl: job.leaseTtl ?? 10_000
    })
  )
)

Effect.runPromise(program).then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(String(e) + "\n")
    process.exit(1)
  }
)
