import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import * as RateLimit from "@service-client/plugins/RateLimit"
import * as Timeout from "@service-client/plugins/Timeout"
import { Duration, Effect, Fiber, TestClock } from "effect"
import type { TooMuchTimePending } from "../src/LimiterError.js"
import * as Support from "./support.js"

const Api = Spec.make({ plain: Endpoint.get("/a/{n}") })

/** Call n = 0 answers `first` after 100 ms; every other call answers 200 after 100 ms. */
const setup = (first: Support.Answer) => {
  const g = Support.gauge((session) =>
    Effect.as(Effect.sleep("100 millis"), session.url.endsWith("/a/0") ? first : { body: { ok: true } })
  )
  return { state: g.state, layer: Support.layer(g.handler) }
}

const make = (options: RateLimit.Options, before: ReadonlyArray<ReturnType<typeof Timeout.make>> = []) =>
  ServiceClient.make(Api, {
    name: "svc",
    baseUrl: "http://127.0.0.1:1",
    plugins: [...before, RateLimit.make({ limit: 10, period: "100 millis", ...options })]
  })

const outcome = <A, E extends { _tag: string }>(e: Effect.Effect<A, E>) =>
  Effect.match(e, { onFailure: (error) => error._tag, onSuccess: () => "ok" })

const starts = (state: { starts: ReadonlyArray<{ at: number }> }) => state.starts.map((s) => s.at)

describe("RateLimit adaptive", () => {
  it.scoped("a 429 with Retry-After holds every start until the reset", () => {
    const { layer, state } = setup({ status: 429, headers: { "retry-after": "2" } })
    return Effect.gen(function*() {
      const c = yield* make({ adaptive: true })
      const first = yield* Effect.fork(outcome(c.call("plain", { n: 0 })))
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(yield* Fiber.join(first), "ResponseError")
      // the pause runs from t = 100 to t = 2100
      const rest = yield* Effect.fork(
        Effect.forEach([1, 2, 3], (n) => c.call("plain", { n }), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("1999 millis")
      assert.deepStrictEqual(starts(state), [0])
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(starts(state), [0, 2100, 2100, 2100])
      yield* TestClock.adjust("100 millis")
      const results = yield* Fiber.join(rest)
      assert.deepStrictEqual(results.map((r) => r.attributes.blockedByRateLimit), [2000, 2000, 2000])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("without adaptive a 429 does not pause", () => {
    const { layer, state } = setup({ status: 429, headers: { "retry-after": "2" } })
    return Effect.gen(function*() {
      const c = yield* make({})
      const fiber = yield* Effect.fork(
        Effect.forEach([0, 1], (n) => outcome(c.call("plain", { n })))
      )
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), ["ResponseError", "ok"])
      assert.deepStrictEqual(starts(state), [0, 100])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("RateLimit-Remaining: 0 on a success pauses until RateLimit-Reset", () => {
    const { layer, state } = setup({ body: {}, headers: { "ratelimit-remaining": "0", "ratelimit-reset": "3" } })
    return Effect.gen(function*() {
      const c = yield* make({ adaptive: true })
      const fiber = yield* Effect.fork(Effect.forEach([0, 1], (n) => outcome(c.call("plain", { n }))))
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), ["ok", "ok"])
      assert.deepStrictEqual(starts(state), [0, 3100])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("X-RateLimit-Reset as Unix seconds; a remaining above 0 does not pause", () => {
    const { layer, state } = setup({
      body: {},
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000000004" }
    })
    return Effect.gen(function*() {
      yield* TestClock.setTime(1_000_000_000_000)
      const c = yield* make({ adaptive: true })
      const fiber = yield* Effect.fork(Effect.forEach([0, 1], (n) => outcome(c.call("plain", { n }))))
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), ["ok", "ok"])
      // the reset is at 4 s on the clock: the response came at 0.1 s
      assert.deepStrictEqual(starts(state).map((t) => t - 1_000_000_000_000), [0, 4000])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("a bare 429 pauses for defaultPause (period by default); maxPause cuts a long Retry-After", () =>
    Effect.gen(function*() {
      const bare = setup({ status: 429 })
      const c1 = yield* make({ adaptive: true }).pipe(Effect.provide(bare.layer))
      const f1 = yield* Effect.fork(Effect.forEach([0, 1], (n) => outcome(c1.call("plain", { n }))))
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* Fiber.join(f1), ["ResponseError", "ok"])
      assert.deepStrictEqual(starts(bare.state), [0, 200])

      const long = setup({ status: 429, headers: { "retry-after": "3600" } })
      const c2 = yield* make({ adaptive: { maxPause: "1 second" } }).pipe(Effect.provide(long.layer))
      const t0 = yield* TestClock.currentTimeMillis
      const f2 = yield* Effect.fork(Effect.forEach([0, 1], (n) => outcome(c2.call("plain", { n }))))
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* Fiber.join(f2), ["ResponseError", "ok"])
      assert.deepStrictEqual(starts(long.state).map((t) => t - t0), [0, 1100])
    }))

  it.scoped("a 503 pauses only with Retry-After", () => {
    const { layer, state } = setup({ status: 503 })
    return Effect.gen(function*() {
      const c = yield* make({ adaptive: true })
      const fiber = yield* Effect.fork(Effect.forEach([0, 1], (n) => outcome(c.call("plain", { n }))))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), ["ResponseError", "ok"])
      assert.deepStrictEqual(starts(state), [0, 100])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("a call whose RateLimit timeout ends before the pause fails at once; queued waiters too", () => {
    const { layer, state } = setup({ status: 429, headers: { "retry-after": "5" } })
    return Effect.gen(function*() {
      // limit 1: call 1 queues behind call 0 and is waiting when the 429 arrives
      const c = yield* make({ adaptive: true, limit: 1, timeout: "1 second" })
      const fiber = yield* Effect.fork(
        Effect.all([outcome(c.call("plain", { n: 0 })), Effect.flip(c.call("plain", { n: 1 }))], {
          concurrency: "unbounded"
        })
      )
      yield* TestClock.adjust("100 millis")
      const [first, queued] = yield* Fiber.join(fiber)
      assert.strictEqual(first, "ResponseError")
      assert.strictEqual(queued._tag, "TooMuchTimePending")
      const q = queued as TooMuchTimePending
      assert.deepStrictEqual([q.limiter, Duration.toMillis(q.waited), q.expected && Duration.toMillis(q.expected)], [
        "rateLimit",
        100,
        5000
      ])
      // a new call fails before any wait
      const late = yield* Effect.flip(c.call("plain", { n: 2 }))
      assert.strictEqual(late._tag, "TooMuchTimePending")
      const l = late as TooMuchTimePending
      assert.deepStrictEqual([Duration.toMillis(l.waited), l.expected && Duration.toMillis(l.expected)], [0, 5000])
      assert.match(late.message, /waited 0 for the rateLimit \(0 pending\), and 5s more expected exceeds the time left/)
      assert.deepStrictEqual(starts(state), [0])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("the deadline of a Timeout listed before: too short fails fast, long enough waits", () => {
    const { layer, state } = setup({ status: 429, headers: { "retry-after": "2" } })
    return Effect.gen(function*() {
      const c = yield* make({ adaptive: true }, [Timeout.make({ timeout: "10 seconds" })])
      const first = yield* Effect.fork(outcome(c.call("plain", { n: 0 })))
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(yield* Fiber.join(first), "ResponseError")
      const short = yield* Effect.flip(c.call("plain", { n: 1, timeout: "500 millis" }))
      assert.strictEqual(short._tag, "TooMuchTimePending")
      const long = yield* Effect.fork(outcome(c.call("plain", { n: 2 })))
      yield* TestClock.adjust("2100 millis")
      assert.strictEqual(yield* Fiber.join(long), "ok")
      assert.deepStrictEqual(starts(state), [0, 2100])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("a Timeout listed after the RateLimit does not count the wait: the call waits", () => {
    const { layer, state } = setup({ status: 429, headers: { "retry-after": "2" } })
    return Effect.gen(function*() {
      const c = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://127.0.0.1:1",
        plugins: [RateLimit.make({ limit: 10, period: "100 millis", adaptive: true }), Timeout.make()]
      })
      const fiber = yield* Effect.fork(
        Effect.forEach([0, 1], (n) => outcome(c.call("plain", { n, timeout: "500 millis" })))
      )
      yield* TestClock.adjust("3 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), ["ResponseError", "ok"])
      assert.deepStrictEqual(starts(state), [0, 2100])
    }).pipe(Effect.provide(layer))
  })

  it("bad adaptive options throw", () => {
    assert.throws(() => RateLimit.make({ adaptive: "yes" as never }), /RateLimit.adaptive/)
    assert.throws(() => RateLimit.make({ adaptive: { maxPause: -1 } }), /RateLimit.adaptive.maxPause/)
  })
})
