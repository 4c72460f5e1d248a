import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { RateLimit, Retry } from "@service-client/plugins"
import { Effect, Layer, Schema } from "effect"
import * as Server from "./support/server.js"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: Schema.Struct({ id: Schema.Number }) })
})

const Live = Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Answers 429 with `Retry-After: 1` for one second from the first request, then 200. */
const overloaded = Effect.gen(function*() {
  let openAt: number | undefined = undefined
  const server = yield* Server.start((req, res) => {
    const now = Date.now()
    openAt ??= now + 1000
    if (now < openAt) return Server.json(res, 429, { error: "slow down" }, { "retry-after": "1" })
    Server.json(res, 200, { id: Number(req.url.split("/").pop()) })
  })
  return server
})

const callers = Array.from({ length: 50 }, (_, i) => i)

const run = (adaptive: boolean) =>
  Effect.gen(function*() {
    const server = yield* overloaded
    const client = yield* ServiceClient.make(Api, {
      name: "users",
      baseUrl: server.url,
      plugins: [
        Retry.make({ maxAttempts: 3, maxRetryAfter: "2 seconds" }),
        RateLimit.make({ limit: 5, period: "50 millis", adaptive })
      ]
    })
    const started = Date.now()
    const results = yield* Effect.forEach(
      callers,
      (user_id) => Effect.either(client.call("getUser", { user_id })),
      { concurrency: "unbounded" }
    )
    const ok = results.filter((r) => r._tag === "Right").length
    const statuses = server.received.length
    return { ok, requests: statuses, ms: Date.now() - started }
  })

describe("adaptive RateLimit against a real server answering 429 + Retry-After", () => {
  it.scopedLive(
    "50 callers: all succeed after one pause; the server sees 50 + at most limit requests",
    () =>
      Effect.gen(function*() {
        const { ms, ok, requests } = yield* run(true)
        console.log(`adaptive: ${ok}/50 ok, ${requests} requests, ${ms} ms`)
        assert.strictEqual(ok, 50)
        // the first wave (at most `limit` = 5 calls in flight when the 429s arrive) plus one request per caller
        assert.isAtMost(requests, 55)
        assert.isAtLeast(requests, 51)
        assert.isAtLeast(ms, 900)
      }).pipe(Effect.provide(Live)),
    20_000
  )

  it.scopedLive("the same without adaptive: the queue keeps hitting the closed server", () =>
    Effect.gen(function*() {
      const { ms, ok, requests } = yield* run(false)
      console.log(`not adaptive: ${ok}/50 ok, ${requests} requests, ${ms} ms`)
      assert.isAbove(requests, 55)
    }).pipe(Effect.provide(Live)), 20_000)
})
