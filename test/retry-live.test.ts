import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { Auth, Retry, Tracing } from "@service-client/plugins"
import { Effect, Layer, Redacted, Schema } from "effect"
import * as Server from "./support/server.js"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: Schema.Struct({ id: Schema.Number }) }),
  createUser: Endpoint.post("/user")
})

const Live = Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))

describe("Retry against a real server", () => {
  it.scopedLive("503 twice, then 200: three requests, one success", () =>
    Effect.gen(function*() {
      let n = 0
      const server = yield* Server.start((_req, res) => {
        if (++n <= 2) return Server.json(res, 503, { error: "busy" }, { "retry-after": "0" })
        Server.json(res, 200, { id: 7 })
      })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Tracing.make(), Retry.make({ baseDelay: "10 millis" })]
      })
      const response = yield* client.call("getUser", { user_id: 7 })
      assert.deepStrictEqual(response.data, { id: 7 })
      assert.strictEqual(response.attributes.attempts, 3)
      assert.strictEqual(server.received.length, 3)
      // each attempt carried its own traceparent, all of one trace
      const parents = server.received.map((r) => String(r.headers.traceparent).split("-"))
      assert.strictEqual(new Set(parents.map((p) => p[1])).size, 1)
      assert.strictEqual(new Set(parents.map((p) => p[2])).size, 3)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("a reset connection is retried; a POST is not", () =>
    Effect.gen(function*() {
      let n = 0
      const server = yield* Server.start((req, res, raw) => {
        if (++n === 1 || req.method === "POST") return void raw.socket.destroy()
        Server.json(res, 200, { id: 1 })
      })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Retry.make({ baseDelay: "10 millis" })]
      })
      assert.deepStrictEqual(yield* client.getUser({ user_id: 1 }), { id: 1 })
      assert.strictEqual(server.received.length, 2)
      const error = yield* Effect.flip(client.createUser({ payload: { name: "x" } }))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(server.received.length, 3)
    }).pipe(Effect.provide(Live)))

  it.scopedLive("headers set in aroundSend (Auth, traceparent) reach the server; a 401 is replayed once", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((req, res) => {
        if (req.headers.authorization !== "Bearer fresh") return Server.json(res, 401, {})
        Server.json(res, 200, { id: 3 })
      })
      let issued = 0
      const auth = yield* Auth.make({ token: Effect.sync(() => Redacted.make(++issued === 1 ? "stale" : "fresh")) })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Tracing.make(), auth]
      })
      assert.deepStrictEqual(yield* client.getUser({ user_id: 3 }), { id: 3 })
      assert.deepStrictEqual(server.received.map((r) => r.headers.authorization), ["Bearer stale", "Bearer fresh"])
      assert.strictEqual(issued, 2)
      for (const r of server.received) assert.match(String(r.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    }).pipe(Effect.provide(Live)))
})
