import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, ServiceClient, Spec } from "@service-client/core"
import { Metrics, Retry } from "@service-client/plugins"
import { Effect, Fiber, Metric, TestClock } from "effect"
import { type Answer, scripted } from "./support/scriptedTransport.js"

const Api = Spec.make({ getUser: Endpoint.get("/user/{id}") })

const setup = (prefix: string, answers: ReadonlyArray<Answer>, plugins: ReadonlyArray<Plugin.Plugin> = []) => {
  const transport = scripted(answers)
  const client = ServiceClient.make(Api, {
    name: "users",
    baseUrl: "http://127.0.0.1:1",
    plugins: [Metrics.make({ prefix }), ...plugins]
  }).pipe(Effect.provide(transport.layer))
  return { client, seen: transport.seen }
}

const tags = (m: Metric.Metric<any, any, any>, extra: Record<string, string> = {}) => {
  let out = m.pipe(Metric.tagged("service", "users"), Metric.tagged("endpoint", "getUser"))
  for (const [k, v] of Object.entries(extra)) out = out.pipe(Metric.tagged(k, v))
  return out
}

const callsWith = (prefix: string, status: string) =>
  Metric.value(tags(Metrics.metrics({ prefix }).calls, { status })).pipe(Effect.map((s) => s.count))

describe("Metrics", () => {
  it.scoped("counts calls by status (the HTTP status, or the error's tag)", () =>
    Effect.gen(function*() {
      const { client } = setup("m1", [{ status: 200 }, { status: 200 }, { status: 503 }, { error: "transport" }])
      const users = yield* client
      yield* users.getUser({ id: 1 })
      yield* users.getUser({ id: 1 })
      yield* Effect.flip(users.getUser({ id: 1 }))
      yield* Effect.flip(users.getUser({ id: 1 }))
      assert.strictEqual(yield* callsWith("m1", "200"), 2)
      assert.strictEqual(yield* callsWith("m1", "503"), 1)
      assert.strictEqual(yield* callsWith("m1", "RequestError"), 1)
    }))

  it.scoped("an interrupted call counts as Interrupted and leaves the calls in flight", () =>
    Effect.gen(function*() {
      const { client } = setup("m5", [{ hang: true }])
      const users = yield* client
      const fiber = yield* Effect.fork(users.getUser({ id: 1 }))
      yield* TestClock.adjust("10 millis")
      const pending = tags(Metrics.metrics({ prefix: "m5" }).pending)
      assert.strictEqual((yield* Metric.value(pending)).value, 1)
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(yield* callsWith("m5", "Interrupted"), 1)
      assert.strictEqual((yield* Metric.value(pending)).value, 0)
    }))

  it.scoped("records latency (TestClock time) and the calls in flight", () =>
    Effect.gen(function*() {
      const slow = Plugin.make("Slow", { aroundSend: (_, send) => Effect.delay(send, "300 millis") })
      const { client } = setup("m2", [{ status: 200 }], [slow])
      const users = yield* client
      const m = Metrics.metrics({ prefix: "m2" })
      const pending = tags(m.pending)
      const both = Effect.all([users.getUser({ id: 1 }), users.getUser({ id: 2 })], { concurrency: 2 })
      const fiber = yield* Effect.fork(both)
      yield* TestClock.adjust("100 millis")
      assert.strictEqual((yield* Metric.value(pending)).value, 2)
      yield* TestClock.adjust("200 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual((yield* Metric.value(pending)).value, 0)
      const duration = yield* Metric.value(tags(m.duration))
      assert.strictEqual(duration.count, 2)
      assert.strictEqual(duration.min, 300)
      assert.strictEqual(duration.max, 300)
    }))

  it.scoped("before Retry it counts calls, after Retry attempts", () =>
    Effect.gen(function*() {
      const before = setup("m3", [{ status: 503 }, { status: 200 }], [Retry.make({ jitter: false })])
      const f1 = yield* Effect.fork((yield* before.client).getUser({ id: 1 }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(f1)
      assert.strictEqual(yield* callsWith("m3", "200"), 1)
      assert.strictEqual(yield* callsWith("m3", "503"), 0)

      const transport = scripted([{ status: 503 }, { status: 200 }])
      const after = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: "http://127.0.0.1:1",
        plugins: [Retry.make({ jitter: false }), Metrics.make({ prefix: "m4" })]
      }).pipe(Effect.provide(transport.layer))
      const f2 = yield* Effect.fork(after.getUser({ id: 1 }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(f2)
      assert.strictEqual(yield* callsWith("m4", "200"), 1)
      assert.strictEqual(yield* callsWith("m4", "503"), 1)
    }))

  it.scoped("records the time blocked by a Pool or a RateLimit when the session has it", () =>
    Effect.gen(function*() {
      const limiter = Plugin.make("FakeLimiter", {
        aroundSend: (session, send) =>
          Effect.suspend(() => {
            session.attributes.blockedByPool = 12
            session.attributes.blockedByRateLimit = 40
            return send
          })
      })
      const { client } = setup("m5", [{ status: 200 }], [limiter])
      yield* (yield* client).getUser({ id: 1 })
      const blocked = Metrics.metrics({ prefix: "m5" }).blocked
      const pool = yield* Metric.value(tags(blocked, { limiter: "pool" }))
      const rateLimit = yield* Metric.value(tags(blocked, { limiter: "rateLimit" }))
      assert.strictEqual(pool.count, 1)
      assert.strictEqual(pool.sum, 12)
      assert.strictEqual(rateLimit.sum, 40)
    }))
})
