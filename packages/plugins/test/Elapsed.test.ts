import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Plugin, ServiceClient, Spec } from "@service-client/core"
import * as Elapsed from "@service-client/plugins/Elapsed"
import * as Pool from "@service-client/plugins/Pool"
import { Effect, Fiber, TestClock } from "effect"
import * as Support from "./support.js"

const Api = Spec.make({
  plain: Endpoint.get("/a"),
  noHeaders: Endpoint.get("/b", { elapsed: { headers: false } }),
  streamed: Endpoint.get("/c", { streamResponse: true })
})

/** Sleeps in onRead after Elapsed's mark, so the time counts as parse time. */
const slowParse = Plugin.make("SlowParse", { onRead: () => Effect.sleep("30 millis") })

const timed = Support.layer(() =>
  Effect.as(Effect.sleep("100 millis"), { body: { ok: true }, read: Effect.sleep("50 millis") })
)

const run = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    yield* TestClock.adjust("10 seconds")
    return yield* Fiber.join(fiber)
  })

const make = (options: Elapsed.Options = {}) =>
  ServiceClient.make(Api, {
    name: "svc",
    baseUrl: "http://127.0.0.1:1",
    plugins: [Elapsed.make(options), slowParse]
  })

describe("Elapsed", () => {
  it.scoped("measures headers, read and parse with the Clock", () =>
    Effect.gen(function*() {
      const c = yield* make()
      const res = yield* run(c.call("plain"))
      assert.deepStrictEqual(res.attributes.elapsed, { headers: 100, read: 50, parse: 30, total: 180 })
    }).pipe(Effect.provide(timed)))

  it.scoped("each switch: plugin < endpoint < input", () =>
    Effect.gen(function*() {
      const c = yield* make({ parse: false })
      assert.deepStrictEqual((yield* run(c.call("plain"))).attributes.elapsed, { headers: 100, read: 50, total: 180 })
      assert.deepStrictEqual((yield* run(c.call("noHeaders"))).attributes.elapsed, { read: 50, total: 180 })
      assert.deepStrictEqual(
        (yield* run(c.call("noHeaders", { elapsed: { headers: true, parse: true, read: false } }))).attributes.elapsed,
        { headers: 100, parse: 30, total: 180 }
      )
      assert.isUndefined(
        (yield* run(c.call("plain", { elapsed: { headers: false, read: false } }))).attributes.elapsed
      )
    }).pipe(Effect.provide(timed)))

  it.scoped("headers time leaves out the time blocked in a Pool listed before it; blocked has it", () =>
    Effect.gen(function*() {
      const c = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://127.0.0.1:1",
        plugins: [Pool.make({ limit: 1 }), Elapsed.make()]
      })
      const [a, b] = yield* run(Effect.all([c.call("plain"), c.call("plain")], { concurrency: "unbounded" }))
      assert.strictEqual(a.attributes.blockedByPool, 0)
      assert.strictEqual(b.attributes.blockedByPool, 150)
      assert.deepStrictEqual(a.attributes.elapsed, { blocked: 0, headers: 100, read: 50, parse: 0, total: 150 })
      assert.deepStrictEqual(b.attributes.elapsed, { blocked: 150, headers: 100, read: 50, parse: 0, total: 300 })
    }).pipe(Effect.provide(timed)))

  it.scoped("a streamed response has headers time (and total) only", () =>
    Effect.gen(function*() {
      const c = yield* make()
      const res = yield* run(c.call("streamed"))
      assert.deepStrictEqual(res.attributes.elapsed, { headers: 100, total: 100 })
    }).pipe(Effect.provide(timed)))

  it("rejects a switch that is not a boolean", () => {
    assert.throws(() => Elapsed.make({ read: "yes" as never }), /Elapsed.read/)
  })
})
