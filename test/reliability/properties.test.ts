/**
 * Property-based round trips over the live transport (one fault server and one client
 * shared by every sample): what the server decodes from the wire equals what the caller
 * gave, for arbitrary Unicode path tokens and query records, and header/query defaults
 * merge as documented (endpoint < input, case-insensitive header names, `null` removes).
 */
import { assert, layer } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Context, Effect, Either, Layer } from "effect"
import * as fc from "fast-check"
import * as Fault from "./faultServer.js"
import { Live } from "./support.js"

const Api = Spec.make({
  token: Endpoint.get("/t/{id}/x"),
  pair: Endpoint.get("/p/{a}/{b}"),
  query: Endpoint.get("/q"),
  defaults: Endpoint.get("/d", {
    headers: { "X-One": "endpoint-1", "x-two": "endpoint-2" },
    query: { one: "endpoint-1", two: ["endpoint-2a", "endpoint-2b"] }
  })
})

class Fixture extends Context.Tag("reliability/properties/Fixture")<Fixture, {
  readonly server: Fault.FaultServer
  readonly client: ServiceClient.Client<typeof Api>
}>() {}

const FixtureLive = Layer.scoped(
  Fixture,
  Effect.gen(function*() {
    const server = yield* Fault.start((_, c) => Fault.json(c, 200, { ok: true }))
    const client = yield* ServiceClient.make(Api, { name: "props", baseUrl: `${server.url}/base` })
    return { server, client }
  })
).pipe(Layer.provide(Live))

/** Sends a call and returns the request the server received, or the call's error. */
const sent = (call: Effect.Effect<unknown, { readonly _tag: string }>) =>
  Effect.gen(function*() {
    const { server } = yield* Fixture
    const before = server.requests.length
    const result = yield* Effect.either(call)
    if (Either.isLeft(result)) {
      assert.strictEqual(server.requests.length, before, "a refused call reached the server")
      return Either.left(result.left)
    }
    return Either.right(yield* server.request(before + 1))
  })

const wellFormed = (s: string) => {
  try {
    encodeURIComponent(s)
    return true
  } catch {
    return false
  }
}

/** Strings of any code units: well-formed Unicode (all planes), lone surrogates, dots, separators. */
const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.string({
    unit: fc.constantFrom(".", "/", "?", "#", "%", "2", "e", "E", "\\", "@", ":", "+", " ", "\r", "\n"),
    maxLength: 8
  })
)

const segments = (target: string) => target.split("?")[0]!.split("/").slice(1).map(decodeURIComponent)

/** Query values as the server reads them back: key -> values, in order. */
const multimap = (pairs: Iterable<readonly [string, string]>) => {
  // no prototype: keys such as "valueOf" or "__proto__" are plain keys
  const out: Record<string, Array<string>> = Object.create(null)
  for (const [k, v] of pairs) (out[k] ??= []).push(v)
  return out
}

const fastCheck = { fastCheck: { numRuns: 80 } }

layer(FixtureLive)("property: round trips over the wire", (it) => {
  // found by the header property below (seed 2035240052): a value of obs-text 0xA0 (NBSP) at its edges
  // found by the query property (seed -40247575, numRuns 1500): a key named like an Object.prototype member
  it.effect("query keys named like Object.prototype members reach the server as given", () =>
    Effect.gen(function*() {
      const { client } = yield* Fixture
      // JSON.parse makes "__proto__" an own key, as fast-check's dictionary does
      const query = JSON.parse("{\"valueOf\":0,\"__proto__\":\"p\",\"constructor\":[\"a\",\"b\"]}")
      const result = yield* sent(client.call("query", { query }))
      if (Either.isLeft(result)) return assert.fail(`refused: ${JSON.stringify(result.left)}`)
      const search = result.right.target.split("?")[1] ?? ""
      assert.deepStrictEqual(
        multimap(new URLSearchParams(search)),
        multimap([["valueOf", "0"], ["__proto__", "p"], ["constructor", "a"], ["constructor", "b"]])
      )
    }))

  it.effect("a header value with 0xA0 at its edges reaches the server as given", () =>
    Effect.gen(function*() {
      const { client } = yield* Fixture
      for (const value of ["\u00a0", "a\u00a0", "\u00a0b"]) {
        const result = yield* sent(client.call("defaults", { headers: { "x-three": value } }))
        if (Either.isLeft(result)) return assert.fail(`refused: ${JSON.stringify(result.left)}`)
        assert.strictEqual(result.right.headers["x-three"], value)
      }
    }))

  it.effect.prop(
    "a path token reaches the server as given, or is refused before any I/O",
    [anyText],
    ([token]) =>
      Effect.gen(function*() {
        const { client, server } = yield* Fixture
        const result = yield* sent(client.call("token", { id: token }))
        if (Either.isLeft(result)) {
          assert.strictEqual(result.left._tag, "InputError")
          assert.isTrue(token === "" || token === "." || token === ".." || !wellFormed(token), JSON.stringify(token))
          return
        }
        const request = result.right
        assert.strictEqual(request.headers.host, server.host)
        assert.notInclude(request.target, "?")
        assert.notInclude(request.target, "#")
        assert.deepStrictEqual(segments(request.target), ["base", "t", token, "x"])
      }),
    fastCheck
  )

  it.effect.prop("two adjacent tokens keep their own segments", [anyText, anyText], ([a, b]) =>
    Effect.gen(function*() {
      const { client } = yield* Fixture
      const result = yield* sent(client.call("pair", { a, b }))
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "InputError")
        return
      }
      assert.deepStrictEqual(segments(result.right.target), ["base", "p", a, b])
    }), fastCheck)

  const queryValue = fc.oneof(
    anyText,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.array(fc.oneof(anyText, fc.integer()), { maxLength: 3 }),
    fc.constant(null)
  )
  it.effect.prop(
    "a query record reaches the server as given (null removes a key), or is refused before any I/O",
    [fc.dictionary(anyText, queryValue, { maxKeys: 6 })],
    ([query]) =>
      Effect.gen(function*() {
        const { client } = yield* Fixture
        const result = yield* sent(client.call("query", { query }))
        const expected: Array<[string, string]> = []
        let valid = true
        for (const key in query) {
          const value = query[key]
          if (value === null) continue
          if (!wellFormed(key)) valid = false
          for (const item of Array.isArray(value) ? value : [value]) {
            if (typeof item === "string" && !wellFormed(item)) valid = false
            expected.push([key, String(item)])
          }
        }
        if (Either.isLeft(result)) {
          assert.strictEqual(result.left._tag, "InputError")
          assert.isFalse(valid, JSON.stringify(query))
          return
        }
        assert.isTrue(valid)
        const [path, search = ""] = result.right.target.split("?")
        assert.strictEqual(path, "/base/q")
        assert.deepStrictEqual(multimap(new URLSearchParams(search)), multimap(expected))
      }),
    fastCheck
  )

  const headerName = fc.constantFrom("x-one", "X-One", "X-ONE", "x-two", "X-Two", "x-three", "X-Three")
  const headerValue = fc.oneof(
    fc.string({
      unit: fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c))
    }),
    fc.constant(null),
    fc.constant(undefined)
  )
  const queryKey = fc.constantFrom("one", "two", "three")
  const mergeValue = fc.oneof(anyText.filter(wellFormed), fc.array(fc.string(), { maxLength: 2 }), fc.constant(null))
  it.effect.prop(
    "header and query defaults: endpoint < input, header names case-insensitive, null removes",
    [fc.array(fc.tuple(headerName, headerValue), { maxLength: 5 }), fc.dictionary(queryKey, mergeValue)],
    ([headerPairs, query]) =>
      Effect.gen(function*() {
        const { client } = yield* Fixture
        const headers: Record<string, string | null | undefined> = {}
        for (const [name, value] of headerPairs) headers[name] = value
        const result = yield* sent(client.call("defaults", { headers, query }))
        if (Either.isLeft(result)) return assert.fail(`refused: ${JSON.stringify(result.left)}`)
        const request = result.right

        const expectedHeaders: Record<string, string | null> = { "x-one": "endpoint-1", "x-two": "endpoint-2" }
        for (const name in headers) {
          const value = headers[name]
          if (value !== undefined) expectedHeaders[name.toLowerCase()] = value
        }
        for (const name of ["x-one", "x-two", "x-three"]) {
          const want = expectedHeaders[name]
          assert.strictEqual(request.headers[name], want === null ? undefined : want, name)
        }

        const merged: Record<string, unknown> = { one: "endpoint-1", two: ["endpoint-2a", "endpoint-2b"], ...query }
        const expectedQuery: Array<[string, string]> = []
        for (const key in merged) {
          const value = merged[key]
          if (value === null || value === undefined) continue
          for (const item of Array.isArray(value) ? value : [value]) expectedQuery.push([key, String(item)])
        }
        const search = request.target.split("?")[1] ?? ""
        assert.deepStrictEqual(multimap(new URLSearchParams(search)), multimap(expectedQuery))
      }),
    fastCheck
  )
})
