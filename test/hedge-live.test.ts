import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { CircuitBreaker, Hedge, Pool, RateLimit, Timeout } from "@service-client/plugins"
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

const hedgeOf = (response: { readonly attributes: Record<string, unknown> }) => response.attributes.hedge

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

  it.scoped("a hedge takes a Pool permit only when one is free at once, and holds it while it runs", () =>
    Effect.gen(function*() {
      const { release, server } = yield* holding
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Pool.make({ limit: 2 }), Hedge.make({ delay: "100 millis" })]
      })
      // both permits taken by real calls: neither is hedged
      const a = yield* Effect.fork(client.call("getUser", { user_id: 1 }))
      const b = yield* Effect.fork(client.call("getUser", { user_id: 2 }))
      yield* Clock.waitFor(() => server.received.length === 2)
      yield* Clock.advance("100 millis")
      release(1)
      release(2)
      assert.strictEqual(hedgeOf(yield* Fiber.join(a)), undefined)
      assert.strictEqual(hedgeOf(yield* Fiber.join(b)), undefined)
      assert.strictEqual(server.received.length, 2)
      // one permit free: the hedge takes it, so the next real call waits for the hedge to end
      const c = yield* Effect.fork(client.call("getUser", { user_id: 3 }))
      yield* Clock.waitFor(() => server.received.length === 3)
      yield* Clock.advance("100 millis")
      yield* Clock.waitFor(() => server.received.length === 4)
      const d = yield* Effect.fork(client.call("getUser", { user_id: 4 }))
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 30)))
      assert.strictEqual(server.received.length, 4)
      release(4)
      assert.strictEqual(hedgeOf(yield* Fiber.join(c)), "won")
      yield* Clock.waitFor(() => server.received.length === 5)
      release(5)
      assert.strictEqual(((yield* Fiber.join(d)).data as { n: number }).n, 5)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("no hedge while a RateLimit has no permit left, or with a Pool listed after Hedge", () =>
    Effect.gen(function*() {
      const { release, server } = yield* holding
      const limited = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [RateLimit.make({ limit: 1, period: "1 second" }), Hedge.make({ delay: "100 millis" })]
      })
      const inside = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [Hedge.make({ delay: "100 millis" }), Pool.make({ limit: 5 })]
      })
      const roomy = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [RateLimit.make({ limit: 2, period: "1 second" }), Hedge.make({ delay: "100 millis" })]
      })
      for (const [n, client] of [[1, limited], [2, inside]] as const) {
        const call = yield* Effect.fork(client.call("getUser", { user_id: n }))
        yield* Clock.waitFor(() => server.received.length === n)
        yield* Clock.advance("100 millis")
        release(n)
        assert.strictEqual(hedgeOf(yield* Fiber.join(call)), undefined)
        assert.strictEqual(server.received.length, n)
      }
      const call = yield* Effect.fork(roomy.call("getUser", { user_id: 3 }))
      yield* Clock.waitFor(() => server.received.length === 3)
      yield* Clock.advance("100 millis")
      yield* Clock.waitFor(() => server.received.length === 4)
      release(4)
      assert.strictEqual(hedgeOf(yield* Fiber.join(call)), "won")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it("bad options are a SpecError", () => {
    assert.throws(() => Hedge.make({ percentile: 2 }), /Hedge\.percentile/)
    assert.throws(() => Hedge.make({ delay: "soon" as never }), /Hedge\.delay/)
  })
})
