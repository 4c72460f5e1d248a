/**
 * The plugins built from plain data (the Registry of built-in plugin types, through
 * `ClientConfig.makeClient`) and the Redis limiters, over the mock transport.
 */
import { assert, describe, it } from "@effect/vitest"
import { ClientConfig, ServiceClient, SpecLoader } from "@service-client/core"
import { Mock } from "@service-client/mock"
import * as NodeMockTransport from "@service-client/mock/NodeMockTransport"
import { Pool, RateLimit, Registry } from "@service-client/plugins"
import { RedisStore } from "@service-client/redis"
import { Effect, Fiber, HashMap, Logger, LogLevel, TestClock } from "effect"

const baseUrl = "http://users.test"

describe("plugins from a config over the mock transport", () => {
  it.effect("every built-in plugin type of the Registry shapes, limits and logs a mocked call", () => {
    const records: Array<Record<string, unknown>> = []
    const logger = Logger.replace(
      Logger.defaultLogger,
      Logger.make((o) => void records.push(Object.fromEntries(HashMap.toEntries(o.annotations))))
    )
    return Effect.gen(function*() {
      const client = yield* ClientConfig.makeClient({
        name: "users",
        baseUrl,
        spec: {
          getUser: { path: "/{version}/user/{id}", mock: { type: "json", data: { id: 12 }, delay: "50 millis" } }
        },
        plugins: [
          { type: "Timeout", timeout: "5 seconds" },
          { type: "Pool", limit: 1, hardLimit: 5 },
          { type: "RateLimit", limit: 2, period: "1 second" },
          { type: "Elapsed" },
          { type: "TrackingToken", prefix: "cfg-", header: "X-Tracking-Token" },
          { type: "Headers", headers: { "User-Agent": "config/1.0" } },
          { type: "QueryParams", query: { lang: "en" } },
          { type: "PathTokens", tokens: { version: "v2" } },
          { type: "OuterLogger", level: "Debug" },
          { type: "InnerLogger", maxBodyLength: 4 }
        ]
      })
      const fiber = yield* Effect.fork(
        Effect.forEach([1, 2, 3], (id) => client.call("getUser", { id }), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("100 millis")
      assert.strictEqual((yield* Mock.calls).length, 2, "one at a time (Pool), two per second (RateLimit)")
      yield* TestClock.adjust("1 second")
      const responses = yield* Fiber.join(fiber)
      const calls = yield* Mock.calls
      assert.deepStrictEqual(calls.map((c) => c.url), [1, 2, 3].map((id) => `${baseUrl}/v2/user/${id}?lang=en`))
      responses.forEach((res, i) => {
        assert.strictEqual(calls[i]!.headers["user-agent"], "config/1.0")
        assert.strictEqual(calls[i]!.headers["x-tracking-token"], res.attributes.trackingToken)
        assert.match(res.attributes.trackingToken as string, /^cfg-[A-Z0-9]{10}$/)
        assert.strictEqual(res.attributes.timeout, 5000)
        assert.strictEqual((res.attributes.elapsed as { headers: number }).headers, 50)
      })
      assert.deepStrictEqual(responses.map((r) => r.attributes.blockedByPool), [0, 50, 100])
      assert.deepStrictEqual(responses.map((r) => r.attributes.blockedByRateLimit), [0, 0, 950])
      const logged = records.filter((r) => "record" in r)
      assert.strictEqual(logged.length, 12)
      assert.deepStrictEqual(
        logged.filter((r) => r.logger === "InnerLogger" && r.record === "response").map((r) => r.body),
        ["{\"id…<CUT 9 bytes>", "{\"id…<CUT 9 bytes>", "{\"id…<CUT 9 bytes>"]
      )
    }).pipe(
      Effect.scoped,
      Effect.provide(NodeMockTransport.layer),
      Effect.provide(Registry.layer),
      Effect.provide(logger),
      Logger.withMinimumLogLevel(LogLevel.Debug)
    )
  })
})

// Runs against the Redis at 127.0.0.1:6379 (`.ci/run` starts one), with a key prefix of its own.
describe("Pool and RateLimit on the Redis store over the mock transport", () => {
  const Store = RedisStore.layerLimiters({ prefix: `over-mock-${process.pid}-${Date.now().toString(36)}` })

  it.live("Pool and RateLimit on Redis bound mocked calls and record their blocked time", () =>
    Effect.gen(function*() {
      const gauge = { inFlight: 0, max: 0, starts: [] as Array<number> }
      yield* Mock.use(() =>
        Effect.acquireUseRelease(
          Effect.sync(() => {
            gauge.starts.push(performance.now())
            gauge.max = Math.max(gauge.max, ++gauge.inFlight)
          }),
          () => Effect.zipRight(Effect.sleep("30 millis"), Mock.json({ ok: true })),
          () => Effect.sync(() => void gauge.inFlight--)
        ), { limit: 0 })
      const spec = yield* SpecLoader.fromRecord({ ping: { path: "/ping" } })
      const pool = yield* Pool.make({ key: "pool", limit: 2 })
      const client = yield* ServiceClient.make(spec, { name: "users", baseUrl, plugins: [pool] })
      const responses = yield* Effect.all(Array.from({ length: 6 }, () => client.call("ping")), {
        concurrency: "unbounded"
      })
      assert.strictEqual(responses.length, 6)
      assert.strictEqual(gauge.max, 2)
      assert.strictEqual((yield* Mock.calls).length, 6)
      assert.isTrue(responses.every((r) => typeof r.attributes.blockedByPool === "number"))
      assert.isAbove(Math.max(...responses.map((r) => r.attributes.blockedByPool as number)), 20)

      gauge.starts.length = 0
      const rateLimit = yield* RateLimit.make({ key: "rate", limit: 2, period: "300 millis" })
      const limited = yield* ServiceClient.make(spec, { name: "users", baseUrl, plugins: [rateLimit] })
      const more = yield* Effect.all(Array.from({ length: 4 }, () => limited.call("ping")), {
        concurrency: "unbounded"
      })
      const starts = [...gauge.starts].sort((a, b) => a - b)
      assert.isAtLeast(starts[2]! - starts[0]!, 250)
      assert.isAtLeast(starts[3]! - starts[1]!, 250)
      assert.isAbove(Math.max(...more.map((r) => r.attributes.blockedByRateLimit as number)), 200)
    }).pipe(Effect.scoped, Effect.provide(NodeMockTransport.layer), Effect.provide(Store)))
})
