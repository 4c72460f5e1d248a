/**
 * The core over the live transport (@effect/platform HttpClient on undici) against a real
 * node:http server on 127.0.0.1.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, Parser, Plugin, Serializer, ServiceClient, Spec, Transport } from "@service-client/core"
import { Chunk, Effect, Exit, Layer, Schema, Scope, Stream } from "effect"
import * as Server from "./support/server.js"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })
const NotFound = Schema.Struct({ error: Schema.String })

const Api = Spec.make({
  getUsers: Endpoint.get("/user", { success: Schema.Array(User) }),
  getUser: Endpoint.get("/user/{user_id}", { success: User, error: { 404: NotFound } }),
  createUser: Endpoint.post("/user", { payload: Schema.Struct({ username: Schema.String }), success: User }),
  updateUser: Endpoint.put("/user/{user_id}", { payload: Schema.Struct({ username: Schema.String }), success: User }),
  patchUser: Endpoint.patch("/user/{user_id}", { payload: Schema.Struct({ username: Schema.String }), success: User }),
  deleteUser: Endpoint.del("/user/{user_id}"),
  headUser: Endpoint.head("/user/{user_id}"),
  optionsUser: Endpoint.options("/user"),
  raw: Endpoint.get("/raw/{kind}"),
  download: Endpoint.get("/download", { streamResponse: true }),
  upload: Endpoint.post("/upload", { streamRequest: true })
})

const users = new Map<number, { id: number; username: string }>([[12, { id: 12, username: "foo" }]])

const handler: Server.Handler = (req, res) => {
  const url = new URL(req.url, "http://127.0.0.1")
  const [, root, id] = url.pathname.split("/")
  if (root === "user") {
    if (req.method === "OPTIONS") return void res.writeHead(204, { allow: "GET, POST" }).end()
    if (req.method === "HEAD") return void res.writeHead(200, { "x-exists": "yes" }).end()
    if (id === undefined && req.method === "GET") return Server.json(res, 200, [...users.values()])
    if (id === undefined && req.method === "POST") {
      return Server.json(res, 201, { id: 99, ...JSON.parse(req.body.toString()) })
    }
    const user = users.get(Number(id))
    if (user === undefined) return Server.json(res, 404, { error: `no user ${id}` })
    if (req.method === "DELETE") return void res.writeHead(204).end()
    if (req.method === "PUT" || req.method === "PATCH") {
      return Server.json(res, 200, { ...user, ...JSON.parse(req.body.toString()) })
    }
    return Server.json(res, 200, user)
  }
  if (root === "raw") {
    switch (id) {
      case "invalid":
        return void res.writeHead(200, { "content-type": "application/json" }).end("{\"id\": 12, oops")
      case "empty":
        return void res.writeHead(200).end()
      case "html":
        return void res.writeHead(200, { "content-type": "text/html" }).end("<html>nope</html>")
      case "text":
        return void res.writeHead(200, { "content-type": "text/plain" }).end("plain words")
      case "schema":
        return Server.json(res, 200, { id: "not a number" })
      case "error":
        return void res.writeHead(503, { "content-type": "text/plain" }).end("try later")
    }
  }
  if (root === "download") {
    res.writeHead(200, { "content-type": "application/octet-stream" })
    for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000, i))
    return void res.end()
  }
  if (root === "upload") return Server.json(res, 200, { received: req.body.length })
  res.writeHead(500).end()
}

const Live = Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))

const withUsers = <A, E>(
  use: (client: ServiceClient.Client<typeof Api>, server: Server.TestServer) => Effect.Effect<A, E, Scope.Scope>,
  plugins: ReadonlyArray<Plugin.Plugin> = []
) =>
  Effect.gen(function*() {
    const server = yield* Server.start(handler)
    const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins })
    return yield* use(client, server)
  }).pipe(Effect.provide(Live))

describe("live transport", () => {
  it.scoped("calls every method", () =>
    withUsers((client, server) =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* client.getUsers(), [{ id: 12, username: "foo" }])
        assert.deepStrictEqual(yield* client.getUser({ user_id: 12 }), { id: 12, username: "foo" })
        assert.deepStrictEqual(yield* client.createUser({ payload: { username: "bar" } }), { id: 99, username: "bar" })
        assert.deepStrictEqual(yield* client.updateUser({ user_id: 12, payload: { username: "baz" } }), {
          id: 12,
          username: "baz"
        })
        assert.deepStrictEqual(yield* client.patchUser({ user_id: 12, payload: { username: "qux" } }), {
          id: 12,
          username: "qux"
        })
        assert.isUndefined(yield* client.deleteUser({ user_id: 12 }))
        const head = yield* client.call("headUser", { user_id: 12 })
        assert.strictEqual(head.headers["x-exists"], "yes")
        const options = yield* client.call("optionsUser")
        assert.strictEqual(options.status, 204)
        assert.deepStrictEqual(
          server.received.map((r) => `${r.method} ${r.url}`),
          [
            "GET /user",
            "GET /user/12",
            "POST /user",
            "PUT /user/12",
            "PATCH /user/12",
            "DELETE /user/12",
            "HEAD /user/12",
            "OPTIONS /user"
          ]
        )
        assert.strictEqual(server.received[2]!.headers["content-type"], "application/json")
        assert.deepStrictEqual(JSON.parse(server.received[2]!.body.toString()), { username: "bar" })
      })
    ))

  it.scoped("call returns the whole response", () =>
    withUsers((client) =>
      Effect.gen(function*() {
        const response = yield* client.call("getUser", { user_id: 12 })
        assert.strictEqual(response.status, 200)
        assert.strictEqual(response.headers["content-type"], "application/json")
        assert.deepStrictEqual(response.data, { id: 12, username: "foo" })
        assert.strictEqual(new TextDecoder().decode(response.body), "{\"id\":12,\"username\":\"foo\"}")
        assert.strictEqual(response.service, "users")
        assert.strictEqual(response.endpoint, "getUser")
        assert.match(response.url, /\/user\/12$/)
      })
    ))

  it.scoped("a 404 fails with ResponseError carrying the body and the decoded error", () =>
    withUsers((client) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.getUser({ user_id: 7 }))
        assert.strictEqual(error._tag, "ResponseError")
        if (error._tag !== "ResponseError") return
        assert.strictEqual(error.status, 404)
        assert.deepStrictEqual(error.error, { error: "no user 7" })
        assert.strictEqual(error.text, "{\"error\":\"no user 7\"}")
        assert.strictEqual(error.headers["content-type"], "application/json")
        assert.include(error.message, "users.getUser: GET http://127.0.0.1")
        assert.include(error.message, "answered 404")
      })
    ))

  it.scoped("a 503 without an error Schema keeps the raw body", () =>
    withUsers((client) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.raw({ kind: "error" }))
        assert.strictEqual(error._tag, "ResponseError")
        if (error._tag !== "ResponseError") return
        assert.strictEqual(error.status, 503)
        assert.strictEqual(error.text, "try later")
        assert.isUndefined(error.error)
      })
    ))

  it.scoped("invalid JSON fails with ParseError and a body excerpt", () =>
    withUsers((client) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.raw({ kind: "invalid" }))
        assert.strictEqual(error._tag, "ParseError")
        if (error._tag !== "ParseError") return
        assert.strictEqual(error.status, 200)
        assert.strictEqual(error.excerpt, "{\"id\": 12, oops")
        assert.include(error.message, "users.raw")
      })
    ))

  it.scoped("a body of another content type fails with ParseError", () =>
    withUsers((client) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(client.raw({ kind: "html" }))
        assert.strictEqual(error._tag, "ParseError")
        assert.include(error.message, "text/html")
      })
    ))

  it.scoped("a body failing the success Schema fails with ParseError", () =>
    Effect.gen(function*() {
      const server = yield* Server.start(handler)
      const Strict = Spec.make({ raw: Endpoint.get("/raw/{kind}", { success: User }) })
      const client = yield* ServiceClient.make(Strict, { name: "users", baseUrl: server.url })
      const error = yield* Effect.flip(client.raw({ kind: "schema" }))
      assert.strictEqual(error._tag, "ParseError")
      if (error._tag !== "ParseError") return
      assert.match(error.reason, /success schema/)
      assert.include(error.excerpt, "not a number")
    }).pipe(Effect.provide(Live)))

  it.scoped("an empty body parses to undefined", () =>
    withUsers((client) =>
      Effect.gen(function*() {
        assert.isUndefined(yield* client.raw({ kind: "empty" }))
      })
    ))

  it.effect("a refused connection fails with RequestError", () =>
    Effect.gen(function*() {
      const port = yield* Server.start(() => {}).pipe(Effect.map((s) => s.port), Effect.scoped)
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: `http://127.0.0.1:${port}` })
      const error = yield* Effect.flip(client.getUser({ user_id: 1 }))
      assert.strictEqual(error._tag, "RequestError")
      assert.include(error.message, "users.getUser")
    }).pipe(Effect.scoped, Effect.provide(Live)))

  it.scoped("a Parser provided by Layer replaces JSON", () =>
    Effect.gen(function*() {
      const server = yield* Server.start(handler)
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url }).pipe(
        Effect.provide(Parser.layer(Parser.text))
      )
      assert.strictEqual(yield* client.raw({ kind: "text" }), "plain words")
      assert.strictEqual(yield* client.raw({ kind: "html" }), "<html>nope</html>")
    }).pipe(Effect.provide(Live)))

  it.scoped("a custom Serializer provided by Layer", () =>
    Effect.gen(function*() {
      const server = yield* Server.start(handler)
      const upper = Serializer.make({
        name: "upper",
        contentType: "application/json",
        serialize: (payload) => JSON.stringify(payload).toUpperCase()
      })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url }).pipe(
        Effect.provide(Serializer.layer(upper))
      )
      yield* Effect.flip(client.createUser({ payload: { username: "bar" } }))
      assert.strictEqual(server.received[0]!.body.toString(), "{\"USERNAME\":\"BAR\"}")
    }).pipe(Effect.provide(Live)))

  it.scoped("a streamResponse endpoint returns the body as a Stream", () =>
    withUsers((client) =>
      Effect.gen(function*() {
        const stream = yield* client.download()
        const chunks = yield* Stream.runCollect(stream)
        const bytes = Chunk.toReadonlyArray(chunks).reduce((n, c) => n + c.length, 0)
        assert.strictEqual(bytes, 10_000)
      })
    ))

  it.scoped("a streamRequest endpoint uploads a Stream as it is", () =>
    withUsers((client, server) =>
      Effect.gen(function*() {
        const body = Stream.range(1, 64).pipe(Stream.map((i) => new Uint8Array(1024).fill(i)))
        const result = yield* client.upload({ payload: body })
        assert.deepStrictEqual(result, { received: 64 * 1024 })
        assert.strictEqual(server.received[0]!.body[1024 * 63], 64)
      })
    ))

  it.scoped("runs the hooks in the pipeline's order", () => {
    const seen: Array<string> = []
    const record = (name: string) => (session: { readonly endpoint: string }) =>
      Effect.sync(() => void seen.push(`${name}:${session.endpoint}`))
    const recorder = Plugin.make("Recorder", {
      prepareSession: record("prepareSession"),
      preparePath: (session) =>
        Effect.sync(() => void seen.push(`preparePath:${session.path === "" ? "unfilled" : "?"}`)),
      prepareRequest: (session) => Effect.sync(() => void seen.push(`prepareRequest:${session.path}`)),
      preparePayload: (session) =>
        Effect.sync(() => void seen.push(`preparePayload:${JSON.stringify(session.payload)}`)),
      beforeRequest: (session) => Effect.sync(() => void seen.push(`beforeRequest:${String(session.body)}`)),
      aroundSend: (_, send) =>
        Effect.sync(() => seen.push("aroundSend:before")).pipe(
          Effect.zipRight(send),
          Effect.tap(() => Effect.sync(() => void seen.push("aroundSend:after")))
        ),
      onResponse: (_, response) => Effect.sync(() => void seen.push(`onResponse:${response.status}`)),
      onRead: (_, response) => Effect.sync(() => void seen.push(`onRead:${response.body?.length}`)),
      onParsedResponse: (_, response) =>
        Effect.sync(() => void seen.push(`onParsedResponse:${JSON.stringify(response.data)}`)),
      onException: (_, error) => Effect.sync(() => void seen.push(`onException:${error._tag}`)),
      onParseException: (_, error) => Effect.sync(() => void seen.push(`onParseException:${error._tag}`))
    })
    return withUsers((client) =>
      Effect.gen(function*() {
        yield* client.createUser({ payload: { username: "x" } })
        assert.deepStrictEqual(seen, [
          "prepareSession:createUser",
          "preparePath:unfilled",
          "prepareRequest:/user",
          "preparePayload:{\"username\":\"x\"}",
          "beforeRequest:{\"username\":\"x\"}",
          "aroundSend:before",
          "onResponse:201",
          "onRead:24",
          "aroundSend:after",
          "onParsedResponse:{\"id\":99,\"username\":\"x\"}"
        ])
        seen.length = 0
        yield* Effect.flip(client.raw({ kind: "invalid" }))
        assert.deepStrictEqual(seen.slice(-3), ["onRead:15", "aroundSend:after", "onParseException:ParseError"])
      }), [recorder])
  })

  it.scoped("runs onException when the send fails", () => {
    const seen: Array<string> = []
    const recorder = Plugin.make("Recorder", {
      onException: (session, error) => Effect.sync(() => void seen.push(`${session.endpoint}:${error._tag}`))
    })
    return Effect.gen(function*() {
      const port = yield* Server.start(() => {}).pipe(Effect.map((s) => s.port), Effect.scoped)
      const client = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl: `http://127.0.0.1:${port}`,
        plugins: [recorder]
      })
      yield* Effect.flip(client.getUser({ user_id: 1 }))
      assert.deepStrictEqual(seen, ["getUser:RequestError"])
    }).pipe(Effect.provide(Live))
  })

  it.effect("after the client's scope closes, calls fail with ClientClosed and plugins are closed", () =>
    Effect.gen(function*() {
      const closed: Array<string> = []
      const plugin = Plugin.make("Closer", { close: Effect.sync(() => void closed.push("closed")) })
      const scope = yield* Scope.make()
      const server = yield* Server.start(handler).pipe(Scope.extend(scope))
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url, plugins: [plugin] }).pipe(
        Scope.extend(scope)
      )
      yield* client.getUser({ user_id: 12 })
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(closed, ["closed"])
      const error = yield* Effect.flip(client.getUser({ user_id: 12 }))
      assert.strictEqual(error._tag, "ClientClosed")
      assert.include(error.message, "users.getUser")
    }).pipe(Effect.provide(Live)))
})
