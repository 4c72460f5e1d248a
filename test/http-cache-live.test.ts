import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { HttpCache, Retry } from "@service-client/plugins"
import { Effect, Layer, Schema, TestClock } from "effect"
import type * as Http from "node:http"
import * as Clock from "./support/clock.js"
import * as Server from "./support/server.js"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: Schema.Struct({ id: Schema.Number, v: Schema.Number }) }),
  updateUser: Endpoint.put("/user/{user_id}")
})

const transports = [
  ["NodeTransport", NodeTransport.layer],
  ["Transport.layer", Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))]
] as const

type Reply = (req: Server.Received) => { status?: number; headers?: Http.OutgoingHttpHeaders; v?: number }

/** A server whose answers `reply` decides; the body is `{ id, v }` (none for a 304). */
const serve = Effect.gen(function*() {
  const state: { reply: Reply } = { reply: () => ({}) }
  const server = yield* Server.start((req, res) => {
    const { headers = {}, status = 200, v = 1 } = state.reply(req)
    if (status === 304) {
      res.writeHead(304, headers)
      return void res.end()
    }
    const id = Number(/\/user\/(\d+)/.exec(req.url)?.[1] ?? 0)
    Server.json(res, status, { id, v }, headers)
  })
  return { server, state }
})

describe("HttpCache against a real server", () => {
  for (const [name, transport] of transports) {
    it.scoped(`${name}: fresh → hit without I/O; stale → revalidated by ETag (304 serves the stored body)`, () =>
      Effect.gen(function*() {
        const { server, state } = yield* serve
        state.reply = (req) =>
          req.headers["if-none-match"] === "\"a\""
            ? { status: 304, headers: { etag: "\"a\"", "cache-control": "max-age=60" } }
            : { headers: { etag: "\"a\"", "cache-control": "max-age=60" } }
        const cache = yield* HttpCache.make()
        const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [cache] })
        const first = yield* client.call("getUser", { user_id: 1 })
        assert.strictEqual(first.attributes.cache, "miss")
        yield* TestClock.adjust("30 seconds")
        const second = yield* client.call("getUser", { user_id: 1 })
        assert.strictEqual(second.attributes.cache, "hit")
        assert.deepStrictEqual(second.data, { id: 1, v: 1 })
        assert.strictEqual(second.headers.age, "30")
        assert.strictEqual(server.received.length, 1)
        yield* TestClock.adjust("31 seconds")
        const third = yield* client.call("getUser", { user_id: 1 })
        assert.strictEqual(third.attributes.cache, "revalidated")
        assert.strictEqual(third.status, 200)
        assert.deepStrictEqual(third.data, { id: 1, v: 1 })
        assert.strictEqual(server.received.length, 2)
        assert.strictEqual(server.received[1]!.headers["if-none-match"], "\"a\"")
        // the 304 renewed its freshness
        assert.strictEqual((yield* client.call("getUser", { user_id: 1 })).attributes.cache, "hit")
        assert.strictEqual(server.received.length, 2)
      }).pipe(Effect.provide(transport)))
  }

  it.scoped("Last-Modified → If-Modified-Since; a changed resource (200) replaces the stored one", () =>
    Effect.gen(function*() {
      const { server, state } = yield* serve
      const lastModified = new Date(0).toUTCString()
      state.reply = () => ({ headers: { "last-modified": lastModified, "cache-control": "max-age=10" } })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [HttpCache.make()] })
      yield* client.getUser({ user_id: 1 })
      yield* TestClock.adjust("11 seconds")
      state.reply = () => ({ v: 2, headers: { "cache-control": "max-age=10" } })
      const changed = yield* client.call("getUser", { user_id: 1 })
      assert.strictEqual(server.received[1]!.headers["if-modified-since"], lastModified)
      assert.strictEqual(changed.attributes.cache, "miss")
      assert.deepStrictEqual(changed.data, { id: 1, v: 2 })
      const hit = yield* client.call("getUser", { user_id: 1 })
      assert.strictEqual(hit.attributes.cache, "hit")
      assert.deepStrictEqual(hit.data, { id: 1, v: 2 })
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("no-store is never stored; no-cache is stored but revalidated every time; no freshness info, no store", () =>
    Effect.gen(function*() {
      const { server, state } = yield* serve
      state.reply = (req) =>
        req.url.startsWith("/user/1")
          ? { headers: { "cache-control": "no-store, max-age=60" } }
          : req.url.startsWith("/user/2")
          ? (req.headers["if-none-match"] === "\"n\""
            ? { status: 304, headers: { etag: "\"n\"" } }
            : { headers: { "cache-control": "no-cache, max-age=60", etag: "\"n\"" } })
          : {}
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [HttpCache.make()] })
      yield* client.getUser({ user_id: 1 })
      assert.strictEqual((yield* client.call("getUser", { user_id: 1 })).attributes.cache, "miss")
      yield* client.getUser({ user_id: 2 })
      assert.strictEqual((yield* client.call("getUser", { user_id: 2 })).attributes.cache, "revalidated")
      yield* client.getUser({ user_id: 3 })
      assert.strictEqual((yield* client.call("getUser", { user_id: 3 })).attributes.cache, "miss")
      assert.strictEqual(server.received.length, 6)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("stale-while-revalidate: served stale at once, revalidated in the background; must-revalidate never stale", () =>
    Effect.gen(function*() {
      const { server, state } = yield* serve
      let v = 1
      state.reply = (req) => ({
        v,
        headers: {
          "cache-control": req.url.startsWith("/user/1")
            ? "max-age=10, stale-while-revalidate=30"
            : "max-age=10, stale-while-revalidate=30, must-revalidate"
        }
      })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [HttpCache.make()] })
      yield* client.getUser({ user_id: 1 })
      yield* client.getUser({ user_id: 2 })
      yield* TestClock.adjust("20 seconds")
      v = 2
      const stale = yield* client.call("getUser", { user_id: 1 })
      assert.strictEqual(stale.attributes.cache, "stale")
      assert.deepStrictEqual(stale.data, { id: 1, v: 1 })
      yield* Clock.waitFor(() => server.received.length === 3)
      // the background answer replaces the stored one (meanwhile, calls are served stale without I/O)
      let fresh = yield* client.call("getUser", { user_id: 1 })
      for (let i = 0; i < 500 && fresh.attributes.cache === "stale"; i++) {
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 2)))
        fresh = yield* client.call("getUser", { user_id: 1 })
      }
      assert.strictEqual(fresh.attributes.cache, "hit")
      assert.deepStrictEqual(fresh.data, { id: 1, v: 2 })
      const strict = yield* client.call("getUser", { user_id: 2 })
      assert.strictEqual(strict.attributes.cache, "miss")
      assert.deepStrictEqual(strict.data, { id: 2, v: 2 })
      assert.strictEqual(server.received.length, 4)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("Vary and Authorization keep variants apart; the call's Cache-Control is honoured", () =>
    Effect.gen(function*() {
      const { server, state } = yield* serve
      state.reply = (req) => ({
        v: req.headers["accept-language"] === "fr" ? 2 : 1,
        headers: { "cache-control": "max-age=60", vary: "Accept-Language" }
      })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [HttpCache.make()] })
      const call = (headers: Record<string, string>) =>
        Effect.map(
          client.call("getUser", { user_id: 1, headers }),
          (r) => [r.attributes.cache, (r.data as { v: number }).v]
        )
      assert.deepStrictEqual(yield* call({ "accept-language": "en" }), ["miss", 1])
      assert.deepStrictEqual(yield* call({ "accept-language": "fr" }), ["miss", 2])
      assert.deepStrictEqual(yield* call({ "accept-language": "en" }), ["hit", 1])
      assert.deepStrictEqual(yield* call({ "accept-language": "fr" }), ["hit", 2])
      assert.deepStrictEqual(yield* call({ "accept-language": "fr", authorization: "Bearer b" }), ["miss", 2])
      assert.deepStrictEqual(yield* call({ "accept-language": "fr", "cache-control": "no-store" }), ["miss", 2])
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(yield* call({ "accept-language": "fr", "cache-control": "max-age=2" }), ["miss", 2])
      assert.strictEqual(server.received.length, 5)
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("bounded in bytes, least recently used out first; a PUT forgets its URL", () =>
    Effect.gen(function*() {
      const { server, state } = yield* serve
      state.reply = () => ({ headers: { "cache-control": "max-age=60", "x-pad": "p".repeat(300) } })
      const cache = yield* HttpCache.make({ maxBytes: 1400, maxEntryBytes: 1400 })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [cache] })
      // each stored response takes ~550 bytes: two fit
      const outcome = (user_id: number) => Effect.map(client.call("getUser", { user_id }), (r) => r.attributes.cache)
      yield* outcome(1)
      yield* outcome(2)
      assert.strictEqual(yield* outcome(1), "hit") // 1 is now the most recent
      yield* outcome(3) // evicts 2
      assert.isAtMost(cache.stats().bytes, 1400)
      assert.strictEqual(cache.stats().entries, 2)
      assert.strictEqual(yield* outcome(1), "hit")
      assert.strictEqual(yield* outcome(2), "miss")
      yield* client.updateUser({ user_id: 2, payload: { name: "x" } })
      assert.strictEqual(yield* outcome(2), "miss")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("a hit skips Retry and the transport; Expires in the past is stale", () =>
    Effect.gen(function*() {
      const { server, state } = yield* serve
      state.reply = (req) => ({
        headers: req.url.startsWith("/user/1")
          ? { expires: new Date(Date.now() + 3_600_000).toUTCString(), date: new Date().toUTCString() }
          : { expires: "0" }
      })
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [HttpCache.make(), Retry.make()]
      })
      yield* client.getUser({ user_id: 1 })
      const hit = yield* client.call("getUser", { user_id: 1 })
      assert.strictEqual(hit.attributes.cache, "hit")
      assert.strictEqual(hit.attributes.attempts, undefined)
      yield* client.getUser({ user_id: 2 })
      assert.strictEqual((yield* client.call("getUser", { user_id: 2 })).attributes.cache, "miss")
    }).pipe(Effect.provide(NodeTransport.layer)))

  it.scoped("with Retry inside, the answer of the attempt that succeeded is the one stored", () =>
    Effect.gen(function*() {
      const { server, state } = yield* serve
      let n = 0
      state.reply = () => (++n === 1 ? { status: 503 } : { headers: { "cache-control": "max-age=60" }, v: n })
      const cache = yield* HttpCache.make()
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: server.url,
        plugins: [cache, Retry.make({ baseDelay: 0, jitter: false })]
      })
      const first = yield* client.call("getUser", { user_id: 1 })
      assert.deepStrictEqual([first.attributes.cache, first.attributes.attempts, first.data], ["miss", 2, {
        id: 1,
        v: 2
      }])
      assert.deepStrictEqual(cache.stats().entries, 1)
      const hit = yield* client.call("getUser", { user_id: 1 })
      assert.deepStrictEqual([hit.attributes.cache, hit.data], ["hit", { id: 1, v: 2 }])
      assert.strictEqual(server.received.length, 2)
    }).pipe(Effect.provide(NodeTransport.layer)))
})
