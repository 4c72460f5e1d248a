import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import * as Headers from "@service-client/plugins/Headers"
import { Effect } from "effect"
import * as Support from "./support.js"

const Api = Spec.make({
  plain: Endpoint.get("/a"),
  withHeaders: Endpoint.get("/b", { headers: { "X-Endpoint": "e", "X-Both": "endpoint" } })
})

const client = ServiceClient.make(Api, {
  name: "svc",
  baseUrl: "http://127.0.0.1:1",
  plugins: [Headers.make({ headers: { "X-Default": "d", "x-both": "default", Accept: "application/json" } })]
})

const sent = Effect.map(Support.sessions, (s) => s[s.length - 1]!.headers)

describe("Headers", () => {
  it.scoped("adds the defaults with lower-cased names", () =>
    Effect.gen(function*() {
      const c = yield* client
      yield* c.plain()
      assert.deepStrictEqual(yield* sent, {
        "user-agent": ServiceClient.userAgent,
        "x-default": "d",
        "x-both": "default",
        accept: "application/json"
      })
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("default < endpoint < input, case-insensitively", () =>
    Effect.gen(function*() {
      const c = yield* client
      yield* c.withHeaders()
      assert.deepStrictEqual(yield* sent, {
        "x-endpoint": "e",
        "user-agent": ServiceClient.userAgent,
        "x-both": "endpoint",
        "x-default": "d",
        accept: "application/json"
      })
      yield* c.withHeaders({ headers: { "X-BOTH": "input", "x-DEFAULT": "input-d" } })
      const h = yield* sent
      assert.strictEqual(h["x-both"], "input")
      assert.strictEqual(h["x-default"], "input-d")
      assert.strictEqual(h["x-endpoint"], "e")
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("a null input value removes a default", () =>
    Effect.gen(function*() {
      const c = yield* client
      yield* c.plain({ headers: { Accept: null } })
      assert.isFalse("accept" in (yield* sent))
      assert.strictEqual((yield* sent)["x-default"], "d")
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("an input value with CR or LF is an InputError and nothing is sent", () =>
    Effect.gen(function*() {
      const c = yield* client
      const error = yield* Effect.flip(c.plain({ headers: { "X-Evil": "a\r\nInjected: 1" } }))
      assert.strictEqual(error._tag, "InputError")
      assert.strictEqual((error as { key?: string }).key, "headers")
      assert.strictEqual((yield* Support.sessions).length, 0)
    }).pipe(Effect.provide(Support.layer())))

  it("rejects bad defaults when made", () => {
    assert.throws(() => Headers.make({ headers: { "X-Evil": "a\nb" } }), /CR, LF/)
    assert.throws(() => Headers.make({ headers: { "X-Evil": "a\rb" } }), /CR, LF/)
    assert.throws(() => Headers.make({ headers: { "bad name": "x" } }), /valid header name/)
    assert.throws(() => Headers.make({ headers: { "x-num": 1 as never } }), /must be a string/)
  })
})
