import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Coalesce, Pool, Timeout } from "@service-client/plugins"
import { Effect, Exit, Fiber, Layer, Schema } from "effect"
import type * as Http from "node:http"
import * as Clock from "./support/clock.js"
import * as Server from "./support/server.js"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: Schema.Struct({ id: Schema.Number }) }),
  createUser: Endpoint.post("/user")
})

const transports = [
  ["NodeTransport", NodeTransport.layer],
  ["Transport.layer", Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))]
] as const

/** A server that holds every response until `release(status)`. */
const holding = Effect.gen(function*() {
  const held: Array<Http.ServerResponse> = []
  const server = yield* Server.start((req, res) => {
    held.push(res)
    void req
  })
  const release = (status = 200) => {
    for (const res of held.splice(0)) {
      const id = Number(/\/user\/(\d+)/.exec(server.received[0]?.url ?? "")?.[1] ?? 0)
      Server.json(res, status, { id })
    }
  }
  return { server, release }
})

describe("Coalesce against a real server", () => {
  for (const [name, transport] of transports) {
    it.scoped(`${name}: identical calls in flight share one request; each caller gets its own response`, () =>
      Effect.gen(function*() {
        const { release, server } = yield* holding
        const client = yield* ServiceClient.make(Api, {
          name: "users",
          baseUrl: server.url,
          plugins: [Coalesce.make(), Pool.make({ limit: 1 })]
        })
        const calls = yield* Effect.forEach(
          [1, 2, 3],
          (n) => Effect.fork(client.call("getUser", { user_id: 7, headers: { "x-request-id": `r${n}` } })),
          { concurrency: "unbounded" }
        )
        yield* Clock.waitFor(() => server.received.length === 1)
        release()
        const responses = yield* Effect.forEach(calls, Fiber.join)
        assert.strictEqual(server.received.length, 1)
        for (const r of responses) assert.deepStrictEqual(r.data, { id: 7 })
        assert.deepStrictEqual(responses.map((r) => r.attributes.coalesced), [undefined, true, true])
        assert.notStrictEqual(responses[1], responses[2])
        assert.notStrictEqual(responses[1]!.attributes, responses[2]!.attributes)
        // once it is over, the next call sends its own request
        const next = yield* Effect.fork(client.getUser({ user_id: 7 }))
        yield* Clock.waitFor(() => server.received.length === 2)
        release()
        yield* Fiber.join(next)
      }).pipe(Effect.provide(transport)))
  }

  it.scoped("different URLs or headers do not share; per-call headers (x-request-id, traceparent) do; a POST never", () =>
    Effect.gen(function*() {
      const { release, server } = yield* holding
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [Coalesce.make()] })
      const calls = yield* Effect.forEach(
        [
          client.call("getUser", { user_id: 1 }),
          client.call("getUser", { user_id: 1, headers: { traceparent: "00-1-2-01" } }),
          client.call("getUser", { user_id: 1, query: { v: 2 } }),
          client.call("getUser", { user_id: 1, headers: { authorization: "Bearer other" } }),
          client.call("createUser", { payload: {} }),
          client.call("createUser", { payload: {} })
        ],
        (e) => Effect.fork(Effect.exit(e)),
        { concurrency: "unbounded" }
      )
      yield* Clock.waitFor(() => server.received.length === 5)
      release()
      yield* Effect.forEach(calls, Fiber.join)
      assert.strictEqual(server.received.length, 5)

      // only the endpoints named
      const named = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Coalesce.make({ endpoints: ["listUsers"] })]
      })
      const twice = yield* Effect.forEach([1, 2], () => Effect.fork(named.getUser({ user_id: 9 })), {
        concurrency: "unbounded"
      })
      yield* Clock.waitFor(() => server.received.length === 7)
      release()
      yield* Effect.forEach(twice, Fiber.join)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("interrupting the first caller does not cancel the others; when all leave, the request is aborted", () =>
    Effect.gen(function*() {
      const { release, server } = yield* holding
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [Coalesce.make()] })
      const first = yield* Effect.fork(client.getUser({ user_id: 3 }))
      yield* Clock.waitFor(() => server.received.length === 1)
      const second = yield* Effect.fork(client.getUser({ user_id: 3 }))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(first)
      release()
      assert.deepStrictEqual(yield* Fiber.join(second), { id: 3 })
      assert.deepStrictEqual(server.aborted, [])

      const a = yield* Effect.fork(client.getUser({ user_id: 4 }))
      yield* Clock.waitFor(() => server.received.length === 2)
      const b = yield* Effect.fork(client.getUser({ user_id: 4 }))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(a)
      yield* Fiber.interrupt(b)
      yield* Clock.waitFor(() => server.aborted.length === 1)
      // a later call starts afresh
      const c = yield* Effect.fork(client.getUser({ user_id: 4 }))
      yield* Clock.waitFor(() => server.received.length === 3)
      release()
      yield* Fiber.join(c)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("a failure is shared; each caller's own timeout bounds its wait only", () =>
    Effect.gen(function*() {
      const { release, server } = yield* holding
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Timeout.make(), Coalesce.make()]
      })
      const patient = yield* Effect.fork(Effect.exit(client.getUser({ user_id: 5 })))
      yield* Clock.waitFor(() => server.received.length === 1)
      const hasty = yield* Effect.fork(Effect.exit(client.getUser({ user_id: 5, timeout: "1 second" })))
      yield* Clock.advance("1 second")
      const timedOut = yield* Fiber.join(hasty)
      assert.isTrue(Exit.isFailure(timedOut) && String(timedOut).includes("TimeoutError"))
      const later = yield* Effect.fork(Effect.flip(client.getUser({ user_id: 5 })))
      yield* Effect.yieldNow()
      release(503)
      const failed = yield* Fiber.join(patient)
      assert.isTrue(Exit.isFailure(failed))
      const error = yield* Fiber.join(later)
      assert.strictEqual(error._tag, "ResponseError")
      if (error._tag === "ResponseError") assert.strictEqual(error.attributes.coalesced, true)
      assert.strictEqual(server.received.length, 1)
    }).pipe(Effect.provide(NodeTransport.layer)))
})
