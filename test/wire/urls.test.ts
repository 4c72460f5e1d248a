/**
 * Wire parity, URLs and default headers: the same call sends the same request line and
 * headers over every live transport; a base URL or template that no client could send as
 * written is a SpecError when the client or the endpoint is made.
 */
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Errors, Parser, ServiceClient, Spec, SpecLoader } from "@service-client/core"
import { Effect, Either, Layer } from "effect"
import { readFileSync } from "node:fs"
import { comparable, Fault, transports } from "./support.js"

const Api = Spec.make({
  unicode: Endpoint.get("/日本/{id}"),
  quoted: Endpoint.get("/q\"<x>`/{id}"),
  plain: Endpoint.get("/items/{id}", { headers: { "x-endpoint": "e" } }),
  root: Endpoint.get(""),
  send: Endpoint.post("/items")
})

const version = JSON.parse(readFileSync(new URL("../../packages/core/package.json", import.meta.url), "utf8")).version

describe("wire parity: URLs and default headers", () => {
  const seen: Array<{ readonly transport: string; readonly requests: ReadonlyArray<unknown> }> = []
  for (const [name, Live] of transports) {
    it.scoped(`${name}: the request lines and headers`, () =>
      Effect.gen(function*() {
        const server = yield* Fault.start((_, c) => Fault.json(c, 200, { ok: true }))
        const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: `${server.url}/café/API/` })
        yield* client.unicode({ id: "é/x y", query: { q: "it's ü", n: [1, 2] } })
        yield* client.quoted({ id: "a" })
        yield* client.plain({ id: 1 })
        yield* client.plain({ id: 2, headers: { "User-Agent": "mine/1", accept: null } })
        yield* client.root()
        yield* client.send({ payload: { a: 1 } })
        const requests = server.requests.map((r) => ({
          method: r.method,
          target: r.target,
          headers: comparable(r.headers)
        }))
        assert.deepStrictEqual(requests.map((r) => `${r.method} ${r.target}`), [
          "GET /caf%C3%A9/API/%E6%97%A5%E6%9C%AC/%C3%A9%2Fx%20y?q=it%27s%20%C3%BC&n=1&n=2",
          "GET /caf%C3%A9/API/q%22%3Cx%3E%60/a",
          "GET /caf%C3%A9/API/items/1",
          "GET /caf%C3%A9/API/items/2",
          "GET /caf%C3%A9/API",
          "POST /caf%C3%A9/API/items"
        ])
        const ua = `effect-service-client/${version}`
        assert.strictEqual(requests[0]!.headers["user-agent"], ua)
        assert.strictEqual(requests[0]!.headers.accept, "application/json")
        assert.strictEqual(requests[2]!.headers["x-endpoint"], "e")
        // a call's header replaces the default; a null removes it
        assert.strictEqual(requests[3]!.headers["user-agent"], "mine/1")
        if (name.includes("Fetch")) {
          // fetch adds `accept: */*` when none is given (the Fetch standard)
          assert.strictEqual(requests[3]!.headers.accept, "*/*")
        } else assert.notProperty(requests[3]!.headers, "accept")
        assert.strictEqual(requests[5]!.headers["content-type"], "application/json")
        assert.strictEqual(server.requests[0]!.headers.host, `127.0.0.1:${server.port}`)
        seen.push({ transport: name, requests: requests.filter((_, i) => i !== 3) })
      }).pipe(Effect.provide(Live)))
  }
  it("every transport sent the same request lines and headers", () => {
    assert.strictEqual(seen.length, transports.length)
    for (const s of seen.slice(1)) assert.deepStrictEqual(s.requests, seen[0]!.requests, s.transport)
  })

  it.scoped("the parser names the Accept header; a layer's parser changes it", () =>
    Effect.gen(function*() {
      const server = yield* Fault.start((_, c) => Fault.respond(c, 200, "hi", { "content-type": "text/plain" }))
      const client = yield* ServiceClient.make(Api, { name: "wire", baseUrl: server.url })
      assert.strictEqual(yield* client.plain({ id: 1 }), "hi")
      assert.strictEqual(server.requests[0]!.headers.accept, Parser.text.accept)
    }).pipe(Effect.provide(Layer.merge(transports[2]![1], Parser.layer(Parser.text)))))
})

describe("one URL rule: SpecError when made, never a failure per call", () => {
  const badBaseUrls = [
    "http:/127.0.0.1/api",
    "http:127.0.0.1",
    "http:///127.0.0.1",
    "http://127.0.0.1/api//",
    "http://127.0.0.1//api",
    "http://127.0.0.1/api/../admin",
    "http://127.0.0.1/api/./x",
    "http://127.0.0.1/api/%2E%2E",
    "http://127.0.0.1/a%zz",
    "http://127.0.0.1/a%",
    "http://127.0.0.1/\u0000",
    "http://127.0.0.1/a\u007f"
  ]
  it.scoped("base URLs", () =>
    Effect.gen(function*() {
      for (const baseUrl of badBaseUrls) {
        const r = yield* Effect.flip(ServiceClient.make(Api, { name: "wire", baseUrl }))
        assert.strictEqual(r._tag, "SpecError", JSON.stringify(baseUrl))
        if (r._tag === "SpecError") {
          assert.strictEqual(r.key, "baseUrl")
          assert.strictEqual(r.service, "wire")
          // no raw control character reaches the message
          assert.notMatch(r.message, /[\u0000-\u001f\u007f]/)
        }
      }
    }).pipe(Effect.provide(transports[2]![1])))

  const badPaths = ["/a//b", "/a/{id}//b", "/%zz", "/a%", "/a/%2e%2E/b", "/\ud800", "/x\udfff/{id}"]
  it("templates", () => {
    for (const path of badPaths) {
      const r = SpecLoader.fromRecordEither({ one: { path } })
      assert.isTrue(Either.isLeft(r), `path ${JSON.stringify(path)} was accepted`)
      if (Either.isLeft(r)) assert.strictEqual(r.left.key, "path")
      assert.throws(() => Endpoint.make({ method: "GET", path }), Errors.SpecError)
    }
  })

  it("a trailing slash is kept on a template, dropped from a base URL; host and scheme are normalised", () =>
    Effect.gen(function*() {
      const server = yield* Fault.start((_, c) => Fault.json(c, 200, {}))
      const Slash = Spec.make({ list: Endpoint.get("/users/") })
      const client = yield* ServiceClient.make(Slash, {
        name: "wire",
        baseUrl: `HTTP://127.0.0.1:${server.port}/v1/`
      })
      yield* client.list()
      assert.strictEqual(server.requests[0]!.target, "/v1/users/")
      const response = yield* client.call("list")
      assert.strictEqual(response.url, `http://127.0.0.1:${server.port}/v1/users/`)
    }).pipe(Effect.provide(transports[2]![1]), Effect.scoped, Effect.runPromise))
})
