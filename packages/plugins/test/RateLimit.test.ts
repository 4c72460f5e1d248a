import { assert, describe, it } from "@effect/vitest"
import { Endpoint, RequestError, ServiceClient, Spec } from "@service-client/core"
import * as RateLimit from "@service-client/plugins/RateLimit"
import { Effect, Exit, Fiber, Scope, TestClock } from "effect"
import * as Support from "./support.js"

const Api = Spec.make({ plain: Endpoint.get("/a/{n}"), failing: Endpoint.get("/fail") })

const make = (options: RateLimit.Options) =>
  ServiceClient.make(Api, { name: "svc", baseUrl: "http://127.0.0.1:1", plugins: [RateLimit.make(options)] })

/** Each call takes 100 ms; /fail fails after 100 ms. */
const setup = () => {
  const g = Support.gauge((session) =>
    Effect.zipRight(
      Effect.sleep("100 millis"),
      session.url.endsWith("/fail")
        ? Effect.fail(new RequestError({ ...session, reason: "Transport", cause: "boom", description: "boom" }))
        : Effect.succeed({})
    )
  )
  return { state: g.state, layer: Support.layer(g.handler) }
}

const flipTag = <A, E extends { _tag: string }>(e: Effect.Effect<A, E>) =>
  Effect.match(e, { onFailure: (error) => error._tag, onSuccess: () => "ok" })

const maxInWindow = (starts: ReadonlyArray<{ readonly at: number }>, period: number) =>
  Math.max(0, ...starts.map((s) => starts.filter((t) => t.at >= s.at && t.at < s.at + period).length))

describe("RateLimit", () => {
  it.scoped("regular work: calls under the limit start at once", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* make({ limit: 3, period: "1 second" })
      const fiber = yield* Effect.fork(Effect.forEach([1, 2, 3], (n) => c.call("plain", { n })))
      yield* TestClock.adjust("1 second")
      const results = yield* Fiber.join(fiber)
      assert.deepStrictEqual(results.map((r) => r.attributes.blockedByRateLimit), [0, 0, 0])
      assert.deepStrictEqual(state.starts.map((s) => s.at), [0, 100, 200])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("limit 5 per second over 20 calls: never more than 5 starts in any 1 s window", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* make({ limit: 5, period: "1 second" })
      const ns = Array.from({ length: 20 }, (_, i) => i)
      const fiber = yield* Effect.fork(Effect.forEach(ns, (n) => c.call("plain", { n }), { concurrency: "unbounded" }))
      yield* TestClock.adjust("10 seconds")
      const results = yield* Fiber.join(fiber)
      assert.strictEqual(results.length, 20)
      assert.strictEqual(state.starts.length, 20)
      assert.strictEqual(maxInWindow(state.starts, 1000), 5)
      // a permit returns one period after the response (100 ms): waves at 0, 1.1 s, 2.2 s, 3.3 s
      assert.deepStrictEqual(
        state.starts.map((s) => s.at),
        [0, 0, 0, 0, 0, 1100, 1100, 1100, 1100, 1100, 2200, 2200, 2200, 2200, 2200, 3300, 3300, 3300, 3300, 3300]
      )
      assert.deepStrictEqual(results.map((r) => r.attributes.blockedByRateLimit).slice(4, 6), [0, 1100])
      assert.deepStrictEqual(state.starts.map((s) => Number(s.url.split("/").pop())), ns)
    }).pipe(Effect.provide(layer))
  })

  it.scoped("the permit returns period after an exception too", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* make({ limit: 1, period: "1 second" })
      const fiber = yield* Effect.fork(
        Effect.all([flipTag(c.call("failing")), flipTag(c.call("plain", { n: 1 }))], { concurrency: "unbounded" })
      )
      yield* TestClock.adjust("1099 millis")
      assert.strictEqual(state.starts.length, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(state.starts.length, 2)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), ["RequestError", "ok"])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("timeout and hardLimit fail with the rateLimit limiter, taking no permit", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* make({ limit: 1, period: "1 second", hardLimit: 1, timeout: "500 millis" })
      const first = yield* Effect.fork(c.call("plain", { n: 1 }))
      yield* TestClock.adjust("1 millis")
      const waiter = yield* Effect.fork(Effect.flip(c.call("plain", { n: 2 })))
      yield* TestClock.adjust("1 millis")
      const rejected = yield* Effect.flip(c.call("plain", { n: 3 }))
      assert.strictEqual(rejected._tag, "TooManyRequestsPending")
      if (rejected._tag === "TooManyRequestsPending") assert.strictEqual(rejected.limiter, "rateLimit")
      yield* TestClock.adjust("500 millis")
      const timedOut = yield* Fiber.join(waiter)
      assert.strictEqual(timedOut._tag, "TooMuchTimePending")
      if (timedOut._tag === "TooMuchTimePending") assert.strictEqual(timedOut.limiter, "rateLimit")
      yield* Fiber.join(first)
      yield* TestClock.adjust("198 millis")
      // the first call's permit comes back at 1100 ms: 400 ms of waiting, under the timeout
      const next = yield* Effect.fork(c.call("plain", { n: 4 }))
      yield* TestClock.adjust("1 second")
      const res = yield* Fiber.join(next)
      assert.strictEqual(res.attributes.blockedByRateLimit, 400)
      assert.deepStrictEqual(state.starts.map((s) => s.at), [0, 1100])
    }).pipe(Effect.provide(layer))
  })

  it.scoped("an interrupted waiter gives its place back", () => {
    const { layer, state } = setup()
    return Effect.gen(function*() {
      const c = yield* make({ limit: 1, period: "1 second", hardLimit: 1 })
      yield* Effect.fork(c.call("plain", { n: 1 }))
      yield* TestClock.adjust("1 millis")
      const b = yield* Effect.fork(c.call("plain", { n: 2 }))
      yield* TestClock.adjust("1 millis")
      yield* Fiber.interrupt(b)
      const c3 = yield* Effect.fork(c.call("plain", { n: 3 }))
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual((yield* Fiber.join(c3)).status, 200)
      assert.deepStrictEqual(state.starts.map((s) => s.url.slice(-1)), ["1", "3"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("closing the client fails every waiter with ClientClosed, and later calls", () => {
    const { layer } = setup()
    return Effect.gen(function*() {
      const scope = yield* Scope.make()
      const c = yield* make({ limit: 1, period: "1 minute" }).pipe(Scope.extend(scope))
      yield* c.call("plain", { n: 1 }).pipe(Effect.fork, Effect.zipLeft(TestClock.adjust("100 millis")))
      const waiters = yield* Effect.forEach([2, 3], (n) => Effect.fork(flipTag(c.call("plain", { n }))))
      yield* TestClock.adjust("1 millis")
      yield* Scope.close(scope, Exit.void)
      for (const w of waiters) assert.strictEqual(yield* Fiber.join(w), "ClientClosed")
      assert.strictEqual(yield* flipTag(c.call("plain", { n: 4 })), "ClientClosed")
    }).pipe(Effect.provide(layer))
  })

  it("rejects bad options when made", () => {
    assert.throws(() => RateLimit.make({ limit: 0 }), /RateLimit.limit/)
    assert.throws(() => RateLimit.make({ period: 0 }), /RateLimit.period/)
    assert.throws(() => RateLimit.make({ period: Number.POSITIVE_INFINITY }), /RateLimit.period/)
    assert.throws(() => RateLimit.make({ hardLimit: -2 }), /RateLimit.hardLimit/)
  })
})
