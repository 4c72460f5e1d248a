import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Serializer, ServiceClient, Spec } from "@service-client/core"
import { Config, ConfigProvider, Effect, Layer, Schema } from "effect"
import * as Fake from "./fakeTransport.js"

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}"),
  getPost: Endpoint.get("users/{user_id}/posts/{post_id}"),
  versioned: Endpoint.get("/{version}/items", { pathTokens: { version: "v1" } }),
  search: Endpoint.get("/search", { query: { page: 1, size: 10 }, headers: { "X-Default": "endpoint" } }),
  create: Endpoint.post("/user", { payload: Schema.Struct({ name: Schema.String, age: Schema.Number }) }),
  typedQuery: Endpoint.get("/q", { querySchema: Schema.Struct({ limit: Schema.NumberFromString }) }),
  optionalQuery: Endpoint.get("/o", {
    querySchema: Schema.Struct({ limit: Schema.optional(Schema.NumberFromString) })
  }),
  remove: Endpoint.del("/user/{user_id}")
})

const withClient = <A, E>(
  use: (client: ServiceClient.Client<typeof Api>, sent: Array<Fake.Sent>) => Effect.Effect<A, E>,
  baseUrl = "http://127.0.0.1:9/api/"
) => {
  const fake = Fake.make()
  return Effect.flatMap(ServiceClient.make(Api, { name: "users", baseUrl }), (client) => use(client, fake.sent)).pipe(
    Effect.scoped,
    Effect.provide(fake.layer)
  )
}

describe("ServiceClient: path building", () => {
  it.effect("joins base URL and path with exactly one slash", () =>
    withClient((client, sent) =>
      Effect.gen(function*() {
        yield* client.getUser({ user_id: 12 })
        yield* client.getPost({ user_id: 1, post_id: 2 })
        assert.strictEqual(sent[0]!.url, "http://127.0.0.1:9/api/user/12")
        assert.strictEqual(sent[1]!.url, "http://127.0.0.1:9/api/users/1/posts/2")
      })
    ))

  it.effect("joins a base URL without a trailing slash", () =>
    withClient((client, sent) =>
      Effect.gen(function*() {
        yield* client.getUser({ user_id: "a" })
        assert.strictEqual(sent[0]!.url, "http://127.0.0.1:9/user/a")
      }), "http://127.0.0.1:9"))

  it.effect("percent-encodes every token so that no value changes the path's shape", () =>
    withClient((client, sent) =>
      Effect.gen(function*() {
        const cases: Array<[string, string]> = [
          ["a/b", "a%2Fb"],
          ["a?b=1", "a%3Fb%3D1"],
          ["a#b", "a%23b"],
          ["100%", "100%25"],
          ["%2F", "%252F"],
          ["...", "..."],
          ["a b", "a%20b"],
          ["ünï😀", "%C3%BCn%C3%AF%F0%9F%98%80"],
          ["a.json", "a.json"]
        ]
        for (const [value] of cases) yield* client.getUser({ user_id: value })
        cases.forEach(([, encoded], i) => assert.strictEqual(sent[i]!.url, `http://127.0.0.1:9/api/user/${encoded}`))
      })
    ))

  it.effect("fills defaults from the endpoint's pathTokens; the input wins", () =>
    withClient((client, sent) =>
      Effect.gen(function*() {
        yield* client.versioned()
        yield* client.versioned({ version: "v2" })
        assert.strictEqual(sent[0]!.url, "http://127.0.0.1:9/api/v1/items")
        assert.strictEqual(sent[1]!.url, "http://127.0.0.1:9/api/v2/items")
      })
    ))
})

describe("ServiceClient: input validation (before any I/O)", () => {
  const failsWith = (
    run: (client: ServiceClient.Client<typeof Api>) => Effect.Effect<unknown, unknown>,
    key: string | undefined,
    reason: RegExp
  ) =>
    withClient((client, sent) =>
      Effect.gen(function*() {
        const error = (yield* Effect.flip(run(client))) as {
          _tag: string
          key?: string
          reason: string
          message: string
        }
        assert.strictEqual(error._tag, "InputError")
        assert.strictEqual(error.key, key)
        assert.match(error.reason, reason)
        assert.include(error.message, "users.")
        assert.strictEqual(sent.length, 0)
      })
    )

  it.effect("a missing path token", () =>
    // @ts-expect-error user_id is missing
    failsWith((c) => c.getUser({}), "user_id", /missing/))
  it.effect("a '..' path token (no URL can carry it as a segment)", () =>
    failsWith((c) => c.getUser({ user_id: ".." }), "user_id", /"\.\." segment/))
  it.effect("an empty path token (a literal is a compile error; a value known only at run time fails here)", () =>
    failsWith((c) => c.getUser({ user_id: String("") }), "user_id", /empty/))
  it.effect("an empty path token literal: a compile error, and an InputError for an untyped call", () =>
    Effect.all([
      // @ts-expect-error an empty path token literal
      failsWith((c) => c.getUser({ user_id: "" }), "user_id", /empty/),
      // @ts-expect-error in the short form too
      failsWith((c) => c.getUser(""), "user_id", /empty/),
      // @ts-expect-error through call
      failsWith((c) => c.call("getUser", ""), "user_id", /empty/)
    ], { discard: true }))
  it.effect("a token of the wrong type", () =>
    // @ts-expect-error not a token value
    failsWith((c) => c.getUser({ user_id: { a: 1 } }), "user_id", /string or a number/))
  it.effect("a lone surrogate", () => failsWith((c) => c.getUser({ user_id: "\ud800" }), "user_id", /Unicode/))
  it.effect("an unknown input key", () =>
    // @ts-expect-error not an input key
    failsWith((c) => c.getUser({ user_id: 1, userid: 2 }), "userid", /unknown input key/))
  it.effect("a built-in plugin's call key on a client without that plugin names the plugin to add", () =>
    failsWith(
      (c) => c.getUser({ user_id: 1, retry: false } as never),
      "retry",
      /no plugin of this client reads it: `retry` is read by the Retry plugin; add Retry.make\(\) to plugins/
    ))
  it.effect("trackingToken and trackingTokenPrefix are the TrackingToken plugin's: a client without it names it", () =>
    Effect.all([
      failsWith(
        (c) => c.getUser({ user_id: 1, trackingToken: "ABC" } as never),
        "trackingToken",
        /no plugin of this client reads it: `trackingToken` is read by the TrackingToken plugin; add TrackingToken.make\(\) to plugins/
      ),
      failsWith(
        (c) => c.getUser({ user_id: 1, trackingTokenPrefix: "job-" } as never),
        "trackingTokenPrefix",
        /add TrackingToken.make\(\) to plugins/
      )
    ], { discard: true }))
  it.effect("a non-object input", () =>
    // @ts-expect-error not an object (the token's value alone is for an endpoint with one token)
    failsWith((c) => c.getPost("12"), undefined, /must be an object/))
  it.effect("the shortest call: one token's value alone", () =>
    withClient((client, sent) =>
      Effect.gen(function*() {
        yield* client.getUser(12)
        yield* client.remove("a b")
        yield* client.call("getUser", 7)
        assert.deepStrictEqual(sent.map((s) => `${s.method} ${s.url}`), [
          "GET http://127.0.0.1:9/api/user/12",
          "DELETE http://127.0.0.1:9/api/user/a%20b",
          "GET http://127.0.0.1:9/api/user/7"
        ])
      })
    ))
  it.effect("a payload failing its Schema", () =>
    // @ts-expect-error age must be a number
    failsWith((c) => c.create({ payload: { name: "a", age: "x" } }), "payload", /age/))
  it.effect("a payload on a GET", () =>
    // @ts-expect-error a GET carries no payload (a compile error; the run-time check stays for untyped calls)
    failsWith((c) => c.getUser({ user_id: 1, payload: { a: 1 } }), "payload", /carries no payload/))
  it.effect("a header with CR/LF", () =>
    failsWith((c) => c.getUser({ user_id: 1, headers: { "X-A": "a\r\nInjected: 1" } }), "headers", /CR, LF/))
  it.effect("an invalid header name", () =>
    failsWith((c) => c.getUser({ user_id: 1, headers: { "X A": "a" } }), "headers", /not a valid header name/))
  it.effect("a query value that is an object", () =>
    // @ts-expect-error not a query value
    failsWith((c) => c.search({ query: { q: { a: 1 } } }), "query.q", /string, number, boolean/))
  it.effect("a query failing its Schema", () =>
    // @ts-expect-error limit must be a number
    failsWith((c) => c.typedQuery({ query: { limit: "x" } }), "query", /limit/))
  it.effect("a payload that cannot be serialized", () =>
    failsWith((c) => c.remove({ user_id: 1, payload: { n: 1n } }), "payload", /serialized as json/))
})

describe("ServiceClient: request building", () => {
  it.effect("merges endpoint < input query and headers; null removes", () =>
    withClient((client, sent) =>
      Effect.gen(function*() {
        yield* client.search({ query: { size: 20, q: "a b", tags: ["x", "y"] }, headers: { "x-default": "input" } })
        yield* client.search({ query: { page: null }, headers: { "X-Default": null } })
        assert.strictEqual(sent[0]!.url, "http://127.0.0.1:9/api/search?page=1&size=20&q=a%20b&tags=x&tags=y")
        assert.strictEqual(sent[0]!.headers["x-default"], "input")
        assert.strictEqual(sent[1]!.url, "http://127.0.0.1:9/api/search?size=10")
        assert.isFalse("x-default" in sent[1]!.headers)
      })
    ))

  it.effect("encodes a typed query through its Schema", () =>
    withClient((client, sent) =>
      Effect.gen(function*() {
        yield* client.typedQuery({ query: { limit: 5 } })
        assert.strictEqual(sent[0]!.url, "http://127.0.0.1:9/api/q?limit=5")
      })
    ))

  it.effect("an optional typed query may be left out; a required one may not", () =>
    withClient((client, sent) =>
      Effect.gen(function*() {
        yield* client.optionalQuery()
        yield* client.optionalQuery({ query: { limit: 2 } })
        assert.strictEqual(sent[0]!.url, "http://127.0.0.1:9/api/o")
        assert.strictEqual(sent[1]!.url, "http://127.0.0.1:9/api/o?limit=2")
        // @ts-expect-error the query is required
        const error = yield* Effect.flip(client.typedQuery())
        assert.strictEqual(error._tag, "InputError")
        assert.match((error as { reason: string }).reason, /limit/)
      })
    ))

  it.effect("serializes the payload as JSON with its content type", () =>
    withClient((client, sent) =>
      Effect.gen(function*() {
        yield* client.create({ payload: { name: "a", age: 3 } })
        assert.strictEqual(sent[0]!.body, "{\"name\":\"a\",\"age\":3}")
        assert.strictEqual(sent[0]!.headers["content-type"], "application/json")
      })
    ))

  it.effect("uses the Serializer provided by Layer", () => {
    const fake = Fake.make()
    return Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: "http://127.0.0.1:9" })
      yield* client.create({ payload: { name: "a b", age: 3 } })
      assert.strictEqual(fake.sent[0]!.body, "name=a+b&age=3")
      assert.strictEqual(fake.sent[0]!.headers["content-type"], "application/x-www-form-urlencoded")
    }).pipe(Effect.scoped, Effect.provide(Layer.merge(fake.layer, Serializer.layer(Serializer.formUrlEncoded))))
  })
})

describe("ServiceClient: options", () => {
  it.effect("reads baseUrl from Config", () => {
    const fake = Fake.make()
    return Effect.gen(function*() {
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: Config.string("USERS_URL") })
      yield* client.getUser({ user_id: 1 })
      assert.strictEqual(fake.sent[0]!.url, "http://127.0.0.1:7/v2/user/1")
    }).pipe(
      Effect.scoped,
      Effect.provide(fake.layer),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["USERS_URL", "http://127.0.0.1:7/v2"]])))
    )
  })

  it.effect("rejects bad base URLs with SpecError", () =>
    Effect.gen(function*() {
      for (
        const baseUrl of [
          "127.0.0.1:8080",
          "ftp://127.0.0.1/",
          "http://127.0.0.1/?a=1",
          "http://127.0.0.1/#x",
          "http://user:pw@127.0.0.1/",
          "/relative"
        ]
      ) {
        const error = yield* Effect.flip(ServiceClient.make(Api, { name: "users", baseUrl }))
        assert.strictEqual(error._tag, "SpecError", baseUrl)
        assert.strictEqual((error as { key?: string }).key, "baseUrl")
      }
      const noName = yield* Effect.flip(ServiceClient.make(Api, { name: "", baseUrl: "http://127.0.0.1" }))
      assert.strictEqual(noName._tag, "SpecError")
    }).pipe(Effect.scoped, Effect.provide(Fake.make().layer)))

  it.effect("call(name) with an unknown name fails with InputError", () =>
    withClient((client) =>
      Effect.gen(function*() {
        // @ts-expect-error not an endpoint of the spec
        const error = yield* Effect.flip(client.call("nope"))
        assert.strictEqual(error._tag, "InputError")
        assert.strictEqual(error.endpoint, "nope")
      })
    ))
})
