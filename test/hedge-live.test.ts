import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { CircuitBreaker, Hedge, Timeout } from "@service-client/plugins"
import { Effect, Fiber, Schema } from "effect"
import type * as Http from "node:http"
import * as Clock from "./support/clock.js"
import * as Server from "./support/server.js"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: Schema.Struct({ n: Schema.Number }) }),
  createUser: Endpoint.post("/user")
})

/** The n-th request is held until `release(n)`; it answers `{ n }`. */
const holding = Effect.gen(function*() {
  const held: Array<Http.ServerResponse> = []
  const server = yield* Server.start((_req, res) => void held.push(res))
  const release = (n: number) => Server.json(held[n - 1]!, 200, { n })
  return { server, release }
})

describe("Hedge against a real server", () => {
  it.scoped("a slow first attempt: the hedge answers first, the first request is aborted", () =>
    Effect.gen(function*() {
      const { release, server } = yield* holding
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Hedge.make({ delay: "100 millis" })]
      })
      const call = yield* Effect.fork(client.call("getUser", { user_id: 1 }))
      yield* Clock.waitFor(() => server.received.length === 1)
      yield* Clock.advance("100 millis")
      yield* Clock.waitFor(() => server.received.length === 2)
      release(2)
      const response = yield* Fiber.join(call)
      assert.deepStrictEqual(response.data, { n: 2 })
      assert.strictEqual(response.attributes.hedge, "won")
      yield* Clock.waitFor(() => server.aborted.length === 1)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("a first answer before the delay: no hedge; the first attempt can still win after it", () =>
    Effect.gen(function*() {
      const { release, server } = yield* holding
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Hedge.make({ delay: "100 millis" })]
      })
      const quick = yield* Effect.fork(client.call("getUser", { user_id: 1 }))
      yield* Clock.waitFor(() => server.received.length === 1)
      release(1)
      const answered = yield* Fiber.join(quick)
      assert.strictEqual(answered.attributes.hedge, undefined)
      assert.strictEqual(server.received.length, 1)

      const slow = yield* Effect.fork(client.call("getUser", { user_id: 1 }))
      yield* Clock.waitFor(() => server.received.length === 2)
      yield* Clock.advance("100 millis")
      yield* Clock.waitFor(() => server.received.length === 3)
      release(2)
      const first = yield* Fiber.join(slow)
      assert.deepStrictEqual(first.data, { n: 2 })
      assert.strictEqual(first.attributes.hedge, "sent")
      yield* Clock.waitFor(() => server.aborted.length === 1)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("never past the deadline; a POST only when its method is listed", () =>
    Effect.gen(function*() {
      const { release, server } = yield* holding
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Timeout.make(), Hedge.make({ delay: "100 millis", methods: ["GET", "POST"] })]
      })
      // the deadline (100 ms) leaves no room for a hedge at 100 ms
      const short = yield* Effect.fork(Effect.flip(client.getUser({ user_id: 1, timeout: "100 millis" })))
      yield* Clock.waitFor(() => server.received.length === 1)
      yield* Clock.advance("100 millis")
      assert.strictEqual((yield* Fiber.join(short))._tag, "TimeoutError")
      assert.strictEqual(server.received.length, 1)
      // POST only when listed in methods: here it is, so one hedge
      const post = yield* Effect.fork(client.call("createUser", { payload: {} }))
      yield* Clock.waitFor(() => server.received.length === 2)
      yield* Clock.advance("100 millis")
      yield* Clock.waitFor(() => server.received.length === 3)
      release(3)
      assert.strictEqual((yield* Fiber.join(post)).attributes.hedge, "won")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("a circuit opened by another call while the first attempt waits: no hedge", () =>
    Effect.gen(function*() {
      const held: Array<Http.ServerResponse> = []
      const server = yield* Server.start((req, res) => {
        if (req.url === "/user/2") return Server.json(res, 500, {})
        held.push(res)
      })
      const breaker = CircuitBreaker.make({ window: { calls: 1 }, minimumCalls: 1 })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Hedge.make({ delay: "100 millis" }), breaker]
      })
      const slow = yield* Effect.fork(client.call("getUser", { user_id: 1 }))
      yield* Clock.waitFor(() => server.received.length === 1)
      yield* Effect.flip(client.getUser({ user_id: 2 }))
      assert.strictEqual(breaker.state("users"), "open")
      yield* Clock.advance("100 millis")
      Server.json(held[0]!, 200, { n: 1 })
      const answered = yield* Fiber.join(slow)
      assert.strictEqual(answered.attributes.hedge, undefined)
      assert.strictEqual(server.received.length, 2)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("the percentile of the observed latencies sets the delay", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => Server.json(res, 200, { n: 0 }))
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Hedge.make({ percentile: 0.9, delay: "1 hour", minDelay: "5 seconds" })]
      })
      // 20 answers at once (TestClock: 0 ms each): the percentile is 0, the delay its floor, 5 s
      for (let i = 0; i < 20; i++) yield* client.getUser({ user_id: 1 })
      assert.strictEqual(server.received.length, 20)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it("bad options are a SpecError", () => {
    assert.throws(() => Hedge.make({ percentile: 2 }), /Hedge\.percentile/)
    assert.throws(() => Hedge.make({ delay: "soon" as never }), /Hedge\.delay/)
  })
})
