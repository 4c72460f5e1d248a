import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Auth } from "@service-client/plugins"
import { Effect, Fiber, Redacted, TestClock } from "effect"
import { scripted } from "./support/scriptedTransport.js"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{id}"),
  createUser: Endpoint.post("/user")
})

/** A server that accepts only the newest token, and a token source that takes 1 s. */
const setup = (options: { readonly header?: string; readonly scheme?: string | null } = {}) => {
  const state = { valid: "Bearer token-1", issued: 0 }
  const transport = scripted([
    (session) =>
      session.headers[(options.header ?? "authorization").toLowerCase()] === state.valid
        ? { status: 200, body: "{}" }
        : { status: 401 }
  ])
  const token = Effect.sleep("1 second").pipe(
    Effect.zipRight(Effect.sync(() => Redacted.make(`token-${++state.issued}`)))
  )
  const client = Effect.flatMap(
    Auth.make({ token, ...options }),
    (auth) => ServiceClient.make(Api, { name: "users", baseUrl: "http://127.0.0.1:1", plugins: [auth] })
  )
    .pipe(Effect.provide(transport.layer))
  return { state, seen: transport.seen, client }
}

describe("Auth", () => {
  it.scoped("concurrent calls share one token fetch; concurrent 401s share one refresh, each call replayed once", () =>
    Effect.gen(function*() {
      const { client, seen, state } = setup()
      const users = yield* client
      const batch = Effect.all(Array.from({ length: 5 }, (_, i) => users.getUser({ id: i })), {
        concurrency: "unbounded"
      })
      const first = yield* Effect.fork(batch)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(first)
      assert.strictEqual(state.issued, 1)
      assert.strictEqual(seen.length, 5)

      state.valid = "Bearer token-2" // the server rotates its key: every call now meets a 401
      const second = yield* Effect.fork(batch)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(second)
      assert.strictEqual(state.issued, 2)
      const after = seen.slice(5)
      assert.strictEqual(after.length, 10)
      assert.strictEqual(after.filter((s) => s.headers.authorization === "Bearer token-1").length, 5)
      assert.strictEqual(after.filter((s) => s.headers.authorization === "Bearer token-2").length, 5)
      for (let id = 0; id < 5; id++) {
        assert.strictEqual(after.filter((s) => s.url.endsWith(`/user/${id}`)).length, 2)
      }
    }))

  it.scoped("a call is replayed only once: a second 401 fails with the ResponseError", () =>
    Effect.gen(function*() {
      const { client, seen, state } = setup()
      state.valid = "nothing will do"
      const users = yield* client
      const fiber = yield* Effect.fork(Effect.flip(users.getUser({ id: 1 })))
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ResponseError")
      assert.strictEqual(error._tag === "ResponseError" && error.status, 401)
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(state.issued, 2)
    }))

  it.scoped("a later 401 on a token already refreshed by another call does not refresh again", () =>
    Effect.gen(function*() {
      const { client, seen, state } = setup()
      const users = yield* client
      const warm = yield* Effect.fork(users.getUser({ id: 0 }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(warm)
      state.valid = "Bearer token-2"
      const fiber = yield* Effect.fork(users.getUser({ id: 1 }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      yield* users.getUser({ id: 2 })
      assert.strictEqual(state.issued, 2)
      assert.strictEqual(seen.at(-1)!.headers.authorization, "Bearer token-2")
    }))

  it.scoped("custom header and no scheme; the call's own header is left alone", () =>
    Effect.gen(function*() {
      const { client, seen, state } = setup({ header: "X-Api-Key", scheme: null })
      state.valid = "token-1"
      const users = yield* client
      const fiber = yield* Effect.fork(users.getUser({ id: 1 }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(seen[0]!.headers["x-api-key"], "token-1")
      const error = yield* Effect.flip(users.getUser({ id: 2, headers: { "x-api-key": "mine" } }))
      assert.strictEqual(error._tag, "ResponseError")
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(seen[1]!.headers["x-api-key"], "mine")
      assert.strictEqual(state.issued, 1)
    }))

  it.scoped("a failing token source fails the call with PluginError; the next call tries again", () =>
    Effect.gen(function*() {
      let runs = 0
      const transport = scripted([{ status: 200, body: "{}" }])
      const token = Effect.suspend(() => ++runs === 1 ? Effect.fail("down") : Effect.succeed("t"))
      const users = yield* Effect.flatMap(
        Auth.make({ token }),
        (auth) => ServiceClient.make(Api, { name: "users", baseUrl: "http://127.0.0.1:1", plugins: [auth] })
      )
        .pipe(Effect.provide(transport.layer))
      const error = yield* Effect.flip(users.getUser({ id: 1 }))
      assert.strictEqual(error._tag, "PluginError")
      assert.strictEqual(error._tag === "PluginError" && error.plugin, "Auth")
      assert.strictEqual(transport.seen.length, 0)
      yield* users.getUser({ id: 1 })
      assert.strictEqual(transport.seen[0]!.headers.authorization, "Bearer t")
    }))

  it.scoped("a caller interrupted while the refresh runs does not cancel it for the others", () =>
    Effect.gen(function*() {
      const { client, seen, state } = setup()
      const users = yield* client
      const quitter = yield* Effect.fork(users.getUser({ id: 1 }))
      const stayer = yield* Effect.fork(users.getUser({ id: 2 }))
      yield* TestClock.adjust("500 millis")
      yield* Fiber.interrupt(quitter)
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(stayer)
      assert.strictEqual(state.issued, 1)
      assert.deepStrictEqual(seen.map((s) => s.url), ["http://127.0.0.1:1/user/2"])
    }))
})
