import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, SpecLoader } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { CircuitBreaker, HttpCache, IdempotencyKey } from "@service-client/plugins"
import { Effect, Either } from "effect"
import * as Server from "./support/server.js"

const Api = Spec.make({
  capture: Endpoint.put("/charges/{id}/capture", { idempotencyKey: true }),
  createCharge: Endpoint.post("/charges"),
  live: Endpoint.get("/live", { cache: false, circuitBreaker: false }),
  cached: Endpoint.get("/cached")
})

describe("the resilience plugins' settings", () => {
  it.scoped("endpoint and call settings: idempotencyKey, cache, circuitBreaker", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((req, res) =>
        Server.json(res, req.url === "/live" ? 500 : 200, {}, { "cache-control": "max-age=60" })
      )
      const breaker = CircuitBreaker.make({ window: { calls: 1 }, minimumCalls: 1 })
      const client = yield* ServiceClient.make(Api, {
        name: "pay",
        baseUrl: server.url,
        plugins: [HttpCache.make(), breaker, IdempotencyKey.make({ generate: () => "generated" })]
      })
      yield* client.capture({ id: 1 })
      yield* client.createCharge({ payload: {}, idempotencyKey: "mine" })
      yield* client.createCharge({ payload: {}, idempotencyKey: false })
      assert.deepStrictEqual(server.received.map((r) => r.headers["idempotency-key"]), ["generated", "mine", undefined])

      // cache: false, circuitBreaker: false — a failing endpoint outside both
      yield* Effect.flip(client.live())
      yield* Effect.flip(client.live())
      assert.strictEqual(server.received.length, 5)
      assert.strictEqual(breaker.state("pay"), "closed")
      yield* client.cached()
      const hit = yield* client.call("cached")
      // typed attributes, read through the plugins' own keys
      const outcome: HttpCache.Outcome | undefined = HttpCache.cache.get(hit)
      assert.strictEqual(outcome, "hit")
      assert.strictEqual(CircuitBreaker.circuit.get(hit), undefined) // a hit never reached the breaker
      const captured = yield* client.call("capture", { id: 2 })
      assert.strictEqual(IdempotencyKey.idempotencyKey.get(captured), "generated")
      assert.strictEqual(CircuitBreaker.circuit.get(captured), "closed")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("a spec file's plugin settings are checked when the client is built", () =>
    Effect.gen(function*() {
      const spec = SpecLoader.fromRecordEither({ feed: { path: "/feed", cache: "sometimes" } })
      assert.isTrue(Either.isRight(spec))
      if (Either.isLeft(spec)) return
      const error = yield* Effect.flip(
        ServiceClient.make(spec.right, { name: "feed", baseUrl: "http://127.0.0.1:1", plugins: [HttpCache.make()] })
      )
      assert.strictEqual(error._tag, "SpecError")
      assert.match(error.message, /cache/)
    }).pipe(Effect.provide(NodeTransport.layer)))
})
