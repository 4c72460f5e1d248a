import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { CircuitBreaker, IdempotencyKey, Retry } from "@service-client/plugins"
import { Effect, Fiber, TestClock } from "effect"
import * as Clock from "./support/clock.js"
import * as Server from "./support/server.js"

const Api = Spec.make({
  createCharge: Endpoint.post("/charges"),
  updateCharge: Endpoint.patch("/charges/{id}"),
  getCharge: Endpoint.get("/charges/{id}"),
  createNote: Endpoint.post("/notes")
})

const keys = (server: Server.TestServer) => server.received.map((r) => r.headers["idempotency-key"])

describe("IdempotencyKey against a real server", () => {
  it.scoped("a retried POST sends one key per call, the same on every attempt", () =>
    Effect.gen(function*() {
      let n = 0
      const server = yield* Server.start((_req, res) => Server.json(res, ++n % 3 === 0 ? 201 : 503, {}))
      const client = yield* ServiceClient.make(Api, {
        name: "payments",
        baseUrl: server.url,
        plugins: [Retry.make({ baseDelay: "100 millis", jitter: false }), IdempotencyKey.make()]
      })
      for (let call = 0; call < 2; call++) {
        const fiber = yield* Effect.fork(client.call("createCharge", { payload: { amount: 5 } }))
        yield* Clock.advance("100 millis")
        yield* Clock.advance("200 millis")
        const response = yield* Fiber.join(fiber)
        assert.strictEqual(response.status, 201)
        assert.strictEqual(response.attributes.attempts, 3)
        assert.strictEqual(response.attributes.idempotencyKey, keys(server)[3 * call])
      }
      const sent = keys(server)
      assert.strictEqual(sent.length, 6)
      assert.match(String(sent[0]), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      assert.deepStrictEqual(new Set(sent.slice(0, 3)).size, 1)
      assert.deepStrictEqual(new Set(sent.slice(3)).size, 1)
      assert.notStrictEqual(sent[0], sent[3])
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("PATCH too; GET and unlisted endpoints get none; a key or null from the call is kept", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => Server.json(res, 503, {}))
      const client = yield* ServiceClient.make(Api, {
        name: "payments",
        baseUrl: server.url,
        plugins: [
          Retry.make({ maxAttempts: 2, baseDelay: "100 millis", jitter: false }),
          // a breaker inside Retry: the key is made before it, once per call
          CircuitBreaker.make({ window: { calls: 50 } }),
          IdempotencyKey.make({ endpoints: ["createCharge", "updateCharge", "getCharge"], generate: () => "k-1" })
        ]
      })
      // every call ends within one backoff (a retried one) or without sleeping
      const run = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(Effect.flip(effect))
          const done = yield* Effect.race(Fiber.await(fiber), Effect.as(Clock.untilAsleep, undefined))
          if (done === undefined) yield* TestClock.adjust("100 millis")
          return yield* Fiber.join(fiber)
        })
      yield* run(client.updateCharge({ id: 1, payload: {} }))
      assert.deepStrictEqual(keys(server), ["k-1", "k-1"])
      yield* run(client.getCharge({ id: 1 }))
      assert.deepStrictEqual(keys(server).slice(2), [undefined, undefined])
      // not listed: no key, and a POST is not retried
      yield* run(client.createNote({ payload: {} }))
      assert.deepStrictEqual(keys(server).slice(4), [undefined])
      yield* run(client.createCharge({ payload: {}, headers: { "Idempotency-Key": "mine" } }))
      assert.deepStrictEqual(keys(server).slice(5), ["mine", "mine"])
      yield* run(client.createCharge({ payload: {}, headers: { "idempotency-key": null } }))
      assert.deepStrictEqual(keys(server).slice(7), [undefined])
      const bad = yield* run(client.createCharge({ payload: {}, headers: { "idempotency-key": "a\r\nb" } }))
      assert.strictEqual(bad._tag, "InputError")
      assert.strictEqual(server.received.length, 8)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it("bad options are a SpecError", () => {
    assert.throws(() => IdempotencyKey.make({ header: "bad header" }), /IdempotencyKey\.header/)
  })
})
