import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, SpecLoader, Transport } from "@service-client/core"
import { Effect, Layer } from "effect"

describe("Spec", () => {
  it("make keeps typed endpoints", () => {
    const spec = Spec.make({ getUser: Endpoint.get("/user/{id}") })
    assert.isTrue(Spec.isSpec(spec))
    assert.deepStrictEqual(Object.keys(spec.endpoints), ["getUser"])
  })

  it("make rejects names that clash with the client's members", () => {
    // @ts-expect-error "call" is reserved
    assert.throws(() => Spec.make({ call: Endpoint.get("/x") }), /reserved/)
    // @ts-expect-error "name" would be hidden by Function.prototype.name on an Effect.Tag
    assert.throws(() => Spec.make({ name: Endpoint.get("/x") }), /reserved/)
  })

  it.effect("fromRecord decodes the seed's dictionary shape", () =>
    Effect.gen(function*() {
      const spec = yield* SpecLoader.fromRecord({
        getUsers: { path: "/user", method: "get" },
        getUser: { path: "/user/{user_id}" },
        createUser: {
          path: "/user",
          method: "POST",
          headers: { "X-Fake": "a" },
          query: { a: 1, b: [1, 2], c: null },
          timeout: "5 seconds",
          elapsed: { headers: false },
          logger: { hiddenRequestBody: true },
          mock: { type: "json", data: { id: 1 }, status: 201 }
        },
        ping: "/ping"
      })
      assert.strictEqual(spec.endpoints.getUsers!.method, "GET")
      assert.strictEqual(spec.endpoints.getUser!.method, "GET")
      assert.deepStrictEqual(spec.endpoints.getUser!.tokens, ["user_id"])
      const create = spec.endpoints.createUser!
      assert.strictEqual(create.method, "POST")
      assert.deepStrictEqual(create.headers, { "X-Fake": "a" })
      assert.strictEqual((create as unknown as Record<string, unknown>).timeout, "5 seconds")
      assert.deepStrictEqual(create.mock, { type: "json", data: { id: 1 }, status: 201 })
      assert.strictEqual(spec.endpoints.ping!.path, "/ping")
    }))

  const fails = (data: unknown, endpoint: string | undefined, key: string | undefined, reason: RegExp) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(SpecLoader.fromRecord(data, { file: "users.json" }))
      assert.strictEqual(error._tag, "SpecError")
      assert.strictEqual(error.endpoint, endpoint)
      assert.strictEqual(error.key, key)
      assert.match(error.reason, reason)
      assert.include(error.message, "users.json")
    })

  it.effect("fromRecord errors name the endpoint and the key", () =>
    Effect.gen(function*() {
      yield* fails([], undefined, undefined, /must be a mapping/)
      yield* fails({ a: 12 }, "a", undefined, /expected a mapping/)
      yield* fails({ a: { method: "get" } }, "a", "path", /missing/)
      yield* fails({ a: { path: 3 } }, "a", "path", /expected a string/)
      yield* fails({ a: { path: "/x", method: "FETCH" } }, "a", "method", /unknown method/)
      yield* fails({ a: { path: "/x", success: "a Schema" } }, "a", "success", /unknown key/)
      yield* fails(JSON.parse(`{ "a": { "path": "/x", "__proto__": { "x": 1 } } }`), "a", "__proto__", /unknown key/)
      yield* fails({ a: { path: "/a/{b" } }, "a", "path", /unclosed/)
      yield* fails({ a: { path: "//evil/x" } }, "a", "path", /another host/)
      yield* fails({ a: { path: "/x", headers: { "X-A": "a\r\nb" } } }, "a", "headers.X-A", /CR, LF/)
      yield* fails({ a: { path: "/x", redirect: "soon" } }, "a", "redirect", /"follow", "manual" or "error"/)
      yield* fails(
        { a: { path: "/x", mock: { type: "json", data: 1, total: true } } },
        "a",
        "mock.total",
        /unknown key/
      )
      yield* fails({ a: { path: "/x", mock: { type: "xml" } } }, "a", "mock.type", /unknown mock type/)
      yield* fails({ a: { path: "/x", mock: { type: "raw", data: 3 } } }, "a", "mock.data", /raw mock/)
      yield* fails({ a: { path: "/x", query: { q: { a: 1 } } } }, "a", "query.q", /string, number or boolean/)
      yield* fails({ a: { path: "/x", maxResponseBytes: -1 } }, "a", "maxResponseBytes", /positive/)
      yield* fails({ call: { path: "/x" } }, "call", undefined, /reserved/)
      yield* fails({ a: { path: "/a/{timeout}" } }, "a", "path", /reserved input key/)
    }))

  it.effect("a key no core setting has is kept for a plugin, and refused when no plugin of the client owns it", () =>
    Effect.gen(function*() {
      const spec = yield* SpecLoader.fromRecord({ a: { path: "/x", verb: "get" } }, { file: "users.json" })
      assert.strictEqual((spec.endpoints.a as unknown as Record<string, unknown>).verb, "get")
      const error = yield* Effect.flip(
        ServiceClient.make(spec, { name: "users", baseUrl: "http://127.0.0.1:1" }).pipe(
          Effect.scoped,
          Effect.provide(Layer.succeed(Transport.Transport, Transport.make(() => Effect.die("no call is made"))))
        )
      )
      assert.strictEqual(error._tag, "SpecError")
      if (error._tag === "SpecError") {
        assert.deepStrictEqual([error.endpoint, error.key], ["a", "verb"])
        assert.match(error.reason, /unknown key: no plugin of this client owns it/)
      }
    }))
})
