import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, type Errors, ServiceClient, Spec } from "@service-client/core"
import { Chaos, Mock, MockTransport } from "@service-client/mock"
import { Effect, Fiber, Layer, Schema, TestClock } from "effect"

const Api = Spec.make({
  getThing: Endpoint.get("/thing", {
    success: Schema.Struct({ ok: Schema.Boolean }),
    mock: { type: "json", data: { ok: true } }
  }),
  other: Endpoint.get("/other", { mock: { type: "json", data: { ok: true } } })
})

const WithHealth = Spec.make({
  ...Api.endpoints,
  health: Endpoint.get("/health", { chaos: false, mock: { type: "json", data: { ok: true } } })
})

const TestLayer = MockTransport.layer.pipe(Layer.provide(NodeFileSystem.layer))

const outcome = (e: Effect.Effect<unknown, Errors.CallError>) =>
  Effect.match(e, {
    onSuccess: () => "ok",
    onFailure: (e) => (e._tag === "ResponseError" ? String(e.status) : e._tag)
  })

const outcomes = (plugins: ReadonlyArray<ReturnType<typeof Chaos.make>> = [], n = 40) =>
  Effect.gen(function*() {
    const api = yield* ServiceClient.make(Api, { name: "api", baseUrl: "http://api.test", plugins })
    const out: Array<string> = []
    for (let i = 0; i < n; i++) out.push(yield* outcome(api.getThing()))
    return out
  })

describe("Mock.chaos", () => {
  it.scoped("answers the given statuses and transport failures", () =>
    Effect.gen(function*() {
      const api = yield* ServiceClient.make(Api, { name: "api", baseUrl: "http://api.test" })
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Mock.chaos({ statuses: { 503: 1 }, retryAfter: "2 seconds" })
        const e = yield* Effect.flip(api.getThing())
        assert.strictEqual(e._tag, "ResponseError")
        if (e._tag === "ResponseError") {
          assert.strictEqual(e.status, 503)
          assert.strictEqual(e.headers["retry-after"], "2")
        }
      }))
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Mock.chaos({ failureRate: 1 })
        const e = yield* Effect.flip(api.getThing())
        assert.strictEqual(e._tag, "RequestError")
        if (e._tag === "RequestError") {
          assert.strictEqual(e.reason, "Transport")
          assert.instanceOf(e.cause, Chaos.ChaosFailure)
        }
      }))
      // gone with its scope
      assert.deepStrictEqual(yield* api.getThing(), { ok: true })
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("the same seed gives the same faults; another seed others", () =>
    Effect.gen(function*() {
      const run = (seed: number) =>
        Effect.scoped(Effect.zipRight(Mock.chaos({ failureRate: 0.3, statuses: { 429: 0.2 }, seed }), outcomes()))
      const a = yield* run(1)
      const b = yield* run(1)
      const c = yield* run(2)
      assert.deepStrictEqual(a, b)
      assert.notDeepEqual(a, c)
      assert.isTrue(a.includes("ok") && a.includes("429") && a.includes("RequestError"))
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("latency is slept on the TestClock", () =>
    Effect.gen(function*() {
      const api = yield* ServiceClient.make(Api, { name: "api", baseUrl: "http://api.test" })
      yield* Mock.chaos({ latency: { min: "2 seconds", max: "2 seconds" } })
      const fiber = yield* Effect.fork(api.getThing())
      yield* TestClock.adjust("1999 millis")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(yield* Fiber.join(fiber), { ok: true })
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("only the given endpoints; bad options are a MockOptionsError", () =>
    Effect.gen(function*() {
      const api = yield* ServiceClient.make(Api, { name: "api", baseUrl: "http://api.test" })
      yield* Mock.chaos({ failureRate: 1, endpoints: ["other"] })
      assert.deepStrictEqual(yield* api.getThing(), { ok: true })
      assert.strictEqual((yield* Effect.flip(api.other()))._tag, "RequestError")
      for (
        const bad of [{ failureRate: 2 }, { statuses: { 503: 0.6, 429: 0.6 } }, { latency: "soon" }, {
          statuses: { 42: 0.1 }
        }]
      ) {
        const e = yield* Effect.flip(Mock.chaos(bad as Chaos.Options))
        assert.strictEqual(e._tag, "MockOptionsError")
      }
    }).pipe(Effect.provide(TestLayer)))
})

describe("Chaos plugin", () => {
  it.scoped("does nothing unless configured", () =>
    Effect.gen(function*() {
      const out = yield* outcomes([Chaos.make()], 10)
      assert.deepStrictEqual(out, Array(10).fill("ok"))
    }).pipe(Effect.provide(TestLayer)))

  it.scoped("injects faults deterministically per seed, and its 429/503 fail as ResponseError", () =>
    Effect.gen(function*() {
      const options = { failureRate: 0.2, statuses: { 503: 0.2, 429: 0.1 }, seed: "s" }
      const a = yield* outcomes([Chaos.make(options)])
      const b = yield* outcomes([Chaos.make(options)])
      assert.deepStrictEqual(a, b)
      assert.isTrue(a.includes("503") && a.includes("429") && a.includes("RequestError") && a.includes("ok"))
      assert.throws(() => Chaos.make({ failureRate: -1 }))
      // the chaos setting: false on an endpoint or a call keeps faults away
      const api = yield* ServiceClient.make(WithHealth, {
        name: "api",
        baseUrl: "http://api.test",
        plugins: [Chaos.make({ failureRate: 1 })]
      })
      assert.deepStrictEqual(yield* api.health(), { ok: true })
      assert.deepStrictEqual(yield* api.getThing({ chaos: false }), { ok: true })
      assert.strictEqual((yield* Effect.flip(api.getThing()))._tag, "RequestError")
      yield* Mock.chaos({ failureRate: 1 })
      assert.deepStrictEqual(yield* api.health(), { ok: true })
    }).pipe(Effect.provide(TestLayer)))
})
