import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import * as QueryParams from "@service-client/plugins/QueryParams"
import { Effect } from "effect"
import * as Support from "./support.js"

const Api = Spec.make({
  plain: Endpoint.get("/a"),
  withQuery: Endpoint.get("/b", { query: { page: 2, both: "endpoint" } })
})

const client = ServiceClient.make(Api, {
  name: "svc",
  baseUrl: "http://127.0.0.1:1",
  plugins: [QueryParams.make({ query: { lang: "en", both: "default", tag: ["a", "b"] } })]
})

const url = Effect.map(Support.sessions, (s) => s[s.length - 1]!.url)

describe("QueryParams", () => {
  it.scoped("adds the defaults; arrays repeat the key", () =>
    Effect.gen(function*() {
      const c = yield* client
      yield* c.plain()
      assert.strictEqual(yield* url, "http://127.0.0.1:1/a?lang=en&both=default&tag=a&tag=b")
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("default < endpoint < input", () =>
    Effect.gen(function*() {
      const c = yield* client
      yield* c.withQuery()
      assert.strictEqual(yield* url, "http://127.0.0.1:1/b?page=2&both=endpoint&lang=en&tag=a&tag=b")
      yield* c.withQuery({ query: { both: "input", lang: "fr", page: 3 } })
      assert.strictEqual(yield* url, "http://127.0.0.1:1/b?page=3&both=input&lang=fr&tag=a&tag=b")
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("null or undefined in the input removes a key, default included", () =>
    Effect.gen(function*() {
      const c = yield* client
      yield* c.withQuery({ query: { lang: null, page: undefined, tag: ["x"] } })
      assert.strictEqual(yield* url, "http://127.0.0.1:1/b?both=endpoint&tag=x")
    }).pipe(Effect.provide(Support.layer())))

  it.scoped("values are percent-encoded", () =>
    Effect.gen(function*() {
      const c = yield* ServiceClient.make(Api, {
        name: "svc",
        baseUrl: "http://127.0.0.1:1",
        plugins: [QueryParams.make({ query: { "q&x": "a b&c=d" } })]
      })
      yield* c.plain()
      assert.strictEqual(yield* url, "http://127.0.0.1:1/a?q%26x=a%20b%26c%3Dd")
    }).pipe(Effect.provide(Support.layer())))

  it("rejects bad defaults when made", () => {
    assert.throws(() => QueryParams.make({ query: { a: { b: 1 } as never } }), /QueryParams.query.a/)
    assert.throws(() => QueryParams.make({ query: { a: [Number.POSITIVE_INFINITY] } }), /QueryParams.query.a/)
    assert.doesNotThrow(() => QueryParams.make({ query: { a: null } }))
  })
})
