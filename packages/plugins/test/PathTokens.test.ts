import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import * as PathTokens from "@service-client/plugins/PathTokens"
import { Effect } from "effect"
import * as Support from "./support.js"

const Api = Spec.make({
  plain: Endpoint.get("/{version}/users/{id}"),
  withEndpointTokens: Endpoint.get("/{version}/users/{id}", { pathTokens: { version: "v3" } })
})

const client = ServiceClient.make(Api, {
  name: "svc",
  baseUrl: "http://127.0.0.1:1",
  plugins: [PathTokens.make({ tokens: { version: "v1", id: 7 } })]
})

describe("PathTokens", () => {
  it.scoped("fills absent tokens with the defaults", () =>
    Effect.gen(function*() {
      const c = yield* client
      const res = yield* c.call("plain", {} as never)
      assert.strictEqual(res.url, "http://127.0.0.1:1/v1/users/7")
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("default < endpoint pathTokens < input", () =>
    Effect.gen(function*() {
      const c = yield* client
      assert.strictEqual((yield* c.call("withEndpointTokens", { id: 1 })).url, "http://127.0.0.1:1/v3/users/1")
      assert.strictEqual(
        (yield* c.call("withEndpointTokens", { id: 1, version: "v9" })).url,
        "http://127.0.0.1:1/v9/users/1"
      )
      assert.strictEqual((yield* c.call("plain", { id: 2, version: "v4" })).url, "http://127.0.0.1:1/v4/users/2")
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("default values are percent-encoded like any token", () =>
    Effect.gen(function*() {
      const c = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://127.0.0.1:1",
        plugins: [PathTokens.make({ tokens: { version: "../a/b?c" } })]
      })
      assert.strictEqual((yield* c.call("plain", { id: 1 } as never)).url, "http://127.0.0.1:1/..%2Fa%2Fb%3Fc/users/1")
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("a token without default nor input is an InputError before any I/O", () =>
    Effect.gen(function*() {
      const c = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://127.0.0.1:1",
        plugins: [PathTokens.make({ tokens: { version: "v1" } })]
      })
      const error = yield* Effect.flip(c.call("plain", {} as never))
      assert.strictEqual(error._tag, "InputError")
      assert.strictEqual((yield* Support.sessions).length, 0)
    }).pipe(Effect.provide(Support.layer())))

  it("rejects bad defaults when made", () => {
    assert.throws(() => PathTokens.make({ tokens: { id: { a: 1 } as never } }), /PathTokens.tokens.id/)
    assert.throws(() => PathTokens.make({ tokens: { id: Number.NaN } }), /finite/)
  })
})
