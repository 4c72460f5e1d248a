import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import {
  Elapsed,
  Headers,
  PathTokens,
  Pool,
  QueryParams,
  RateLimit,
  Timeout,
  TrackingToken
} from "@service-client/plugins"
import { Effect, Layer } from "effect"
import * as Server from "./support/server.js"

const Api = Spec.make({
  item: Endpoint.get("/{version}/items/{id}"),
  slow: Endpoint.get("/slow")
})

// an endpoint `timeout` is the Timeout plugin's setting: only a client with Timeout takes this spec
const HangApi = Spec.make({ hang: Endpoint.get("/hang", { timeout: "200 millis" }) })

const Live = Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Answers /hang never, /slow after 50 ms, the rest at once; counts requests in flight. */
const startServer = () => {
  const stats = { inFlight: 0, max: 0, starts: [] as Array<number> }
  return Effect.map(
    Server.start(async (req, res) => {
      stats.starts.push(performance.now())
      if (req.url === "/hang") return
      stats.inFlight++
      stats.max = Math.max(stats.max, stats.inFlight)
      if (req.url.startsWith("/slow")) await delay(50)
      stats.inFlight--
      Server.json(res, 200, { url: req.url })
    }),
    (server) => ({ server, stats })
  )
}

/** Waits (bounded) until `check` holds. */
const eventually = (check: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 250 && !check(); i++) yield* Effect.promise(() => delay(20))
    return check()
  })

describe("plugins over the live transport", () => {
  it.live("PathTokens, Headers, QueryParams, TrackingToken and Elapsed shape a real request", () =>
    Effect.gen(function*() {
      const { server } = yield* startServer()
      const client = yield* ServiceClient.make(Api, {
        name: "items",
        baseUrl: server.url,
        plugins: [
          PathTokens.make({ tokens: { version: "v1" } }),
          Headers.make({ headers: { "X-Client": "tests", Accept: "application/json" } }),
          QueryParams.make({ query: { lang: "en", tag: ["a", "b"] } }),
          TrackingToken.make({ prefix: "t-", header: "X-Tracking-Token" }),
          Elapsed.make()
        ]
      })
      const res = yield* client.call(
        "item",
        { id: "a b", query: { page: 2 }, headers: { "x-client": "override" } } as never
      )
      const received = server.received[0]!
      assert.strictEqual(received.url, "/v1/items/a%20b?page=2&lang=en&tag=a&tag=b")
      assert.strictEqual(received.headers["x-client"], "override")
      assert.strictEqual(received.headers["accept"], "application/json")
      assert.match(res.attributes.trackingToken as string, /^t-[A-Z0-9]{10}$/)
      assert.strictEqual(received.headers["x-tracking-token"], res.attributes.trackingToken)
      const slow = yield* client.call("slow")
      const elapsed = slow.attributes.elapsed as Elapsed.Durations
      assert.isAtLeast(elapsed.headers!, 40)
      assert.isAtLeast(elapsed.read!, 0)
      assert.isAtLeast(elapsed.parse!, 0)
    }).pipe(Effect.scoped, Effect.provide(Live)))

  it.live("Timeout aborts the request: the server sees the connection close", () =>
    Effect.gen(function*() {
      const { server } = yield* startServer()
      const client = yield* ServiceClient.make(HangApi, {
        name: "items",
        baseUrl: server.url,
        plugins: [Timeout.make({ timeout: "5 seconds" })]
      })
      const start = performance.now()
      const error = yield* Effect.flip(client.hang())
      assert.strictEqual(error._tag, "TimeoutError")
      assert.isBelow(performance.now() - start, 4000)
      assert.isTrue(yield* eventually(() => server.aborted.includes("/hang")))
    }).pipe(Effect.scoped, Effect.provide(Live)))

  it.live("Pool keeps at most limit requests in flight at the server", () =>
    Effect.gen(function*() {
      const { server, stats } = yield* startServer()
      const client = yield* ServiceClient.make(Api, {
        name: "items",
        baseUrl: server.url,
        plugins: [Pool.make({ limit: 2, hardLimit: 10 })]
      })
      const results = yield* Effect.forEach(Array.from({ length: 8 }), () => client.call("slow"), {
        concurrency: "unbounded"
      })
      assert.strictEqual(results.length, 8)
      assert.strictEqual(stats.max, 2)
      assert.isAbove(Math.max(...results.map((r) => r.attributes.blockedByPool as number)), 0)
    }).pipe(Effect.scoped, Effect.provide(Live)))

  it.live("RateLimit spaces request starts by the period", () =>
    Effect.gen(function*() {
      const { server, stats } = yield* startServer()
      const client = yield* ServiceClient.make(Api, {
        name: "items",
        baseUrl: server.url,
        plugins: [RateLimit.make({ limit: 2, period: "300 millis" })]
      })
      const results = yield* Effect.forEach(Array.from({ length: 4 }), () => client.call("slow"), {
        concurrency: "unbounded"
      })
      assert.strictEqual(results.length, 4)
      const starts = [...stats.starts].sort((a, b) => a - b)
      assert.isAtLeast(starts[2]! - starts[0]!, 300)
      assert.isAtLeast(starts[3]! - starts[1]!, 300)
    }).pipe(Effect.scoped, Effect.provide(Live)))
})
