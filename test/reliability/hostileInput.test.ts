/**
 * Hostile input over the live transport. Path tokens can never change the request's path
 * shape or host (checked on what the server received on the wire); bad headers and bad
 * inputs fail with `InputError` before anything is sent; a spec or baseUrl that tries to
 * reach another host is refused when the endpoint or the client is made.
 */
import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Endpoint, Errors, ServiceClient, Spec, SpecLoader } from "@service-client/core"
import { Effect, Either } from "effect"
import * as Fault from "./faultServer.js"
import { expectFailure, Live } from "./support.js"

const Api = Spec.make({
  one: Endpoint.get("/api/items/{id}"),
  two: Endpoint.get("/api/{kind}/{id}/details"),
  glued: Endpoint.get("/api/{a}{b}/end"),
  send: Endpoint.post("/api/items")
})
const where = (endpoint: string) => ({ service: "hostile", endpoint })

const watch = Fault.makeProcessWatch()
beforeAll(watch.install)
afterAll(watch.uninstall)
afterEach(async () => {
  await Effect.runPromise(watch.settle)
  assert.deepStrictEqual(watch.events, [])
})

const okServer = Fault.start((_, c) => Fault.json(c, 200, { ok: true }))

/** The path of a request target, split in segments and decoded. */
const segments = (target: string) => target.split("/").slice(1).map(decodeURIComponent)

const hostileTokens = [
  "..",
  ".",
  "...",
  "../../etc/passwd",
  "/",
  "//evil.example/x",
  "a/b",
  "?x=1",
  "#frag",
  "a?b#c",
  "%2F",
  "%2e%2e",
  "%",
  "a%zzb",
  "\r\nHost: evil.example\r\n\r\n",
  "a\nb",
  "\u0000",
  " spaces and\ttabs ",
  "\\evil",
  "@evil.example",
  ":80@evil.example",
  "http://evil.example/",
  "日本語",
  "emoji 😀",
  "\u202e\u200b",
  "x".repeat(4_000)
]

describe("path tokens never change the path's shape or host", () => {
  it.scoped("hostile tokens: same segments, same host, no query or fragment; the server decodes the token", () =>
    Effect.gen(function*() {
      const server = yield* okServer
      const client = yield* ServiceClient.make(Api, { name: "hostile", baseUrl: `${server.url}/` })
      let n = 0
      const refused: Array<string> = []
      for (const token of hostileTokens) {
        const exit = yield* Effect.exit(client.call("one", { id: token }))
        if (exit._tag === "Failure") {
          // the only acceptable refusal: an InputError before any I/O
          const error = expectFailure(exit, "InputError", where("one"))
          assert.strictEqual(error.key, "id", `token ${JSON.stringify(token)}`)
          assert.strictEqual(server.requests.length, n, `token ${JSON.stringify(token)} reached the server`)
          refused.push(token)
          continue
        }
        n++
        const request = yield* server.request(n)
        const label = `token ${JSON.stringify(token)} sent as ${request.target}`
        assert.strictEqual(request.headers.host, server.host, label)
        assert.notInclude(request.target, "?", label)
        assert.notInclude(request.target, "#", label)
        assert.deepStrictEqual(segments(request.target), ["api", "items", token], label)
      }
      // only the dot segments are refused: no URL can carry them (URL parsers resolve "%2E%2E" too)
      assert.deepStrictEqual(refused, ["..", "."])
    }).pipe(Effect.provide(Live)))

  it.scoped("two tokens, and two tokens glued into one segment", () =>
    Effect.gen(function*() {
      const server = yield* okServer
      const client = yield* ServiceClient.make(Api, { name: "hostile", baseUrl: `${server.url}/base` })
      yield* client.call("two", { kind: "../..", id: "?#/" })
      const first = yield* server.request(1)
      assert.deepStrictEqual(segments(first.target), ["base", "api", "../..", "?#/", "details"])
      yield* client.call("glued", { a: "x/", b: "/y" })
      assert.deepStrictEqual(segments((yield* server.request(2)).target), ["base", "api", "x//y", "end"])
      // "." glued to "." would be a ".." segment: refused, nothing sent
      const exit = yield* Effect.exit(client.call("glued", { a: ".", b: "." }))
      expectFailure(exit, "InputError", where("glued"))
      assert.strictEqual(server.requests.length, 2)
    }).pipe(Effect.provide(Live)))

  it.scoped("lone surrogates, empty tokens and non-scalar tokens: InputError, nothing sent", () =>
    Effect.gen(function*() {
      const server = yield* okServer
      const client = yield* ServiceClient.make(Api, { name: "hostile", baseUrl: server.url })
      for (const id of ["\ud800", "a\udfffb", "", {}, [], true, Symbol("x"), () => 1, NaN, Infinity, null]) {
        const error = expectFailure(yield* Effect.exit(client.call("one", { id } as any)), "InputError", where("one"))
        assert.strictEqual(error.key, "id")
      }
      assert.strictEqual(server.requests.length, 0)
    }).pipe(Effect.provide(Live)))

  it.scoped("hostile query keys and values stay inside the query", () =>
    Effect.gen(function*() {
      const server = yield* okServer
      const client = yield* ServiceClient.make(Api, { name: "hostile", baseUrl: server.url })
      const query = { "a&b=c": "d&e=f", "#x": "?y", "k": "\r\nHost: evil", "u": "日本 😀", "p": "a+b c" }
      yield* client.call("one", { id: 1, query })
      const request = yield* server.request(1)
      assert.strictEqual(request.headers.host, server.host)
      assert.notInclude(request.target, "#")
      const [path, search] = request.target.split("?")
      assert.strictEqual(path, "/api/items/1")
      assert.deepStrictEqual(Object.fromEntries(new URLSearchParams(search)), query)
      // numbers keep their exponent sign ("+" would read back as a space)
      yield* client.call("one", { id: 1, query: { big: 1e21, small: -1.5e-7, list: [2e300, 7] } })
      const numbers = new URLSearchParams((yield* server.request(2)).target.split("?")[1])
      assert.deepStrictEqual([...numbers], [["big", "1e+21"], ["small", "-1.5e-7"], ["list", "2e+300"], ["list", "7"]])
      const bad = yield* Effect.exit(client.call("one", { id: 1, query: { k: "\ud800" } }))
      expectFailure(bad, "InputError", where("one"))
      assert.strictEqual(server.requests.length, 2)
    }).pipe(Effect.provide(Live)))
})

describe("headers: InputError, nothing sent", () => {
  const badHeaders: ReadonlyArray<Record<string, unknown>> = [
    { "x-evil": "a\r\nHost: evil.example" },
    { "x-evil": "a\nb" },
    { "x-evil": "a\rb" },
    { "x-evil": "a\u0000b" },
    { "x-evil": "a\u0001b" },
    { "x-evil": "a\u007fb" },
    { "x-evil": "日本" },
    { "x-evil": "\ud800" },
    { "x-evil": 42 },
    { "x-evil": {} },
    { "bad name": "v" },
    { "bad:name": "v" },
    { "bad\r\nname": "v" },
    { "": "v" },
    { "naïve": "v" },
    { "x(y)": "v" },
    // headers that name the host or frame the message belong to the transport
    { host: "evil.example" },
    { Host: "evil.example" },
    { "content-length": "1" },
    { "Transfer-Encoding": "chunked" },
    { expect: "100-continue" },
    { upgrade: "websocket" },
    { "keep-alive": "timeout=5" },
    { connection: "upgrade" }
  ]
  it.scoped("CR/LF, control characters, non-Latin-1 values, invalid names, Host and framing headers", () =>
    Effect.gen(function*() {
      const server = yield* okServer
      const client = yield* ServiceClient.make(Api, { name: "hostile", baseUrl: server.url })
      for (const headers of badHeaders) {
        const exit = yield* Effect.exit(client.call("one", { id: 1, headers } as any))
        const error = expectFailure(exit, "InputError", where("one"))
        assert.strictEqual(error.key, "headers", JSON.stringify(headers))
      }
      assert.strictEqual(server.requests.length, 0)
      // what is valid goes through untouched (Latin-1 text, tabs inside a value)
      yield* client.call("one", {
        id: 1,
        headers: { "X-Ok": "caf\u00e9\tau lait", "x-token": "!#$%&'*+-.^_`|~", connection: "close" }
      })
      const request = yield* server.request(1)
      assert.strictEqual(request.headers.host, server.host)
      assert.strictEqual(request.headers.connection, "close")
      assert.strictEqual(Buffer.from(request.headers["x-ok"]!, "latin1").toString("latin1"), "caf\u00e9\tau lait")
      assert.strictEqual(request.headers["x-token"], "!#$%&'*+-.^_`|~")
    }).pipe(Effect.provide(Live)))

  it("a spec whose endpoint headers are bad is refused when it is made", () => {
    const r = SpecLoader.fromRecordEither({ one: { path: "/x", headers: { "x-evil": "a\r\nb" } } })
    assert.isTrue(Either.isLeft(r))
    if (Either.isLeft(r)) assert.strictEqual(r.left.key, "headers.x-evil")
    const host = SpecLoader.fromRecordEither({ one: { path: "/x", headers: { Host: "evil.example" } } })
    assert.isTrue(Either.isLeft(host))
    if (Either.isLeft(host)) assert.strictEqual(host.left.key, "headers.Host")
  })
})

describe("specs and base URLs that try to reach another host: SpecError when made", () => {
  const badPaths = [
    "//evil.example/x",
    "http://evil.example/",
    "https://evil.example",
    "HTTP://evil.example/",
    "javascript:alert(1)",
    "\\\\evil.example\\x",
    "/\\evil.example",
    "\\/evil.example",
    "/a\\b",
    "/a b",
    "/a\r\nb",
    "/a?x=1",
    "/a#f",
    "/a/../b",
    "/a/./b",
    "/a/%2e%2e/b",
    "/a/.%2E/b",
    "/a/%2E"
  ]
  it("endpoint paths", () => {
    for (const path of badPaths) {
      const r = SpecLoader.fromRecordEither({ one: { path } })
      assert.isTrue(Either.isLeft(r), `path ${JSON.stringify(path)} was accepted`)
      if (Either.isLeft(r)) {
        assert.strictEqual(r.left._tag, "SpecError")
        assert.strictEqual(r.left.endpoint, "one")
        assert.strictEqual(r.left.key, "path")
      }
      assert.throws(() => Endpoint.make({ method: "GET", path }), Errors.SpecError)
    }
  })

  const badBaseUrls = [
    "//evil.example/",
    "evil.example",
    "http://127.0.0.1@evil.example/",
    "http://user:pass@127.0.0.1/",
    "http://evil.example\\@127.0.0.1/",
    "http:\\\\evil.example",
    "http://127.0.0.1/\\evil",
    "http://127.0.0.1/?next=//evil.example",
    "http://127.0.0.1/#@evil.example",
    "http://127.0.0.1/\r\nHost: evil",
    "http://127.0.0.1/ a",
    "ftp://127.0.0.1/",
    "file:///etc/passwd",
    "javascript:alert(1)",
    ""
  ]
  it.scoped("base URLs", () =>
    Effect.gen(function*() {
      for (const baseUrl of badBaseUrls) {
        const r = yield* Effect.flip(ServiceClient.make(Api, { name: "hostile", baseUrl }))
        assert.strictEqual(r._tag, "SpecError", JSON.stringify(baseUrl))
        if (r._tag === "SpecError") assert.strictEqual(r.key, "baseUrl")
      }
    }).pipe(Effect.provide(Live)))

  it.scoped("a relative path that looks like a host or credentials stays a path on the same host", () =>
    Effect.gen(function*() {
      const server = yield* okServer
      const spec = SpecLoader.fromRecordEither({
        at: { path: "@evil.example/x" },
        colon: { path: ":80@evil.example" },
        dots: { path: "evil.example/x" }
      })
      assert.isTrue(Either.isRight(spec))
      if (Either.isLeft(spec)) return
      const client = yield* ServiceClient.make(spec.right, { name: "hostile", baseUrl: server.url })
      yield* client.call("at")
      yield* client.call("colon")
      yield* client.call("dots")
      yield* server.request(3)
      assert.deepStrictEqual(server.requests.map((r) => [r.headers.host, r.target]), [
        [server.host, "/@evil.example/x"],
        [server.host, "/:80@evil.example"],
        [server.host, "/evil.example/x"]
      ])
    }).pipe(Effect.provide(Live)))
})

describe("redirects to another host", () => {
  it.scoped("are followed without the caller's credentials; with redirect: \"error\" nothing is sent elsewhere", () =>
    Effect.gen(function*() {
      const other = yield* okServer
      const server = yield* Fault.start((_, c) =>
        Fault.respond(c, 302, "", { location: `${other.url}/stolen`, "content-type": "text/plain" })
      )
      const client = yield* ServiceClient.make(Api, { name: "hostile", baseUrl: server.url })
      const secrets = { authorization: "Bearer s3cret", cookie: "sid=s3cret", "proxy-authorization": "Basic s3cret" }
      yield* client.call("one", { id: 1, headers: secrets })
      assert.strictEqual(other.requests.length, 1)
      assert.notInclude(other.requests[0]!.rawHeaders.join("\n"), "s3cret")
      const strict = yield* ServiceClient.make(Api, { name: "hostile", baseUrl: server.url, redirect: "error" })
      const error = expectFailure(yield* Effect.exit(strict.call("one", { id: 1 })), "RequestError", where("one"))
      assert.strictEqual(error.reason, "Redirect")
      assert.strictEqual(server.requests.length, 2)
      assert.strictEqual(other.requests.length, 1)
    }).pipe(Effect.provide(Live)))
})

describe("malformed call input: InputError before any I/O", () => {
  it.scoped("unknown keys, non-object inputs, bad reserved keys", () =>
    Effect.gen(function*() {
      const server = yield* okServer
      const client = yield* ServiceClient.make(Api, { name: "hostile", baseUrl: server.url })
      const inputs: ReadonlyArray<readonly [unknown, string | undefined]> = [
        [{ id: 1, evil: true }, "evil"],
        [{ id: 1, __proto__: { polluted: 1 }, constructor: 1 }, "constructor"],
        [{ id: 1, query: "a=1" }, "query"],
        [{ id: 1, query: ["a"] }, "query"],
        [{ id: 1, query: { a: { b: 1 } } }, "query.a"],
        [{ id: 1, query: { a: [{}] } }, "query.a"],
        [{ id: 1, headers: "x: y" }, "headers"],
        [{ id: 1, headers: ["x"] }, "headers"],
        [{ id: 1, payload: { a: 1 } }, "payload"],
        [{}, "id"],
        // a string or a number alone is the shortest call of this one-token endpoint ({ id: value })
        [[1], undefined],
        [null, undefined],
        [true, undefined],
        [() => 1, undefined]
      ]
      for (const [input, key] of inputs) {
        const error = expectFailure(yield* Effect.exit(client.call("one", input as any)), "InputError", where("one"))
        assert.strictEqual(error.key, key, JSON.stringify(input))
      }
      const cyclic: Record<string, unknown> = {}
      cyclic.self = cyclic
      const error = expectFailure(
        yield* Effect.exit(client.call("send", { payload: cyclic })),
        "InputError",
        where("send")
      )
      assert.strictEqual(error.key, "payload")
      const big = expectFailure(
        yield* Effect.exit(client.call("send", { payload: 10n })),
        "InputError",
        where("send")
      )
      assert.strictEqual(big.key, "payload")
      const missing = yield* Effect.exit(client.call("nope" as any, {}))
      expectFailure(missing, "InputError", { service: "hostile", endpoint: "nope" })
      assert.strictEqual(server.requests.length, 0)
      assert.isUndefined(({} as any).polluted)
    }).pipe(Effect.provide(Live)))
})
