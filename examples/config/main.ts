/**
 * A client declared in YAML (users.yaml + specs/users.yaml), built with
 * `ClientConfig.makeClient` and run against a loopback server started here.
 *
 * Run: npm run example examples/config/main.ts
 */
import { NodeFileSystem, NodeRuntime } from "@effect/platform-node"
import { ClientConfig, Plugin, PluginRegistry } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Registry } from "@service-client/plugins"
import { Console, Effect, Layer, Schema } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"

/** A plugin type of our own, as a config names it: `{ type: ApiKey, header, key }`. */
const ApiKey = PluginRegistry.fromSchema(
  Schema.Struct({ header: Schema.String, key: Schema.String }),
  ({ header, key }) =>
    Plugin.make("ApiKey", {
      prepareRequest: (session) =>
        Effect.sync(() => {
          const name = header.toLowerCase()
          if (!(name in session.headers)) session.headers[name] = key
        })
    })
)

/** A tiny users service on 127.0.0.1 (random port), closed with the scope. */
const server = Effect.acquireRelease(
  Effect.async<Http.Server>((resume) => {
    const users = new Map<number, { id: number; username: string }>([[1, { id: 1, username: "ada" }]])
    const s = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const send = (status: number, data: unknown) => {
          res.writeHead(status, { "content-type": "application/json" })
          res.end(JSON.stringify(data))
        }
        if (req.headers["x-api-key"] !== "demo-key") return send(401, { error: "no api key" })
        const match = /^\/user\/(\d+)$/.exec(req.url ?? "")
        if (req.url === "/health") return send(200, { ok: true })
        if (match) {
          const user = users.get(Number(match[1]))
          return user ? send(200, user) : send(404, { error: "no such user" })
        }
        if (req.url === "/user" && req.method === "POST") {
          const user = { id: users.size + 1, ...JSON.parse(Buffer.concat(chunks).toString()) }
          users.set(user.id, user)
          return send(201, user)
        }
        send(404, { error: "not found" })
      })
    })
    s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
  }),
  (s) =>
    Effect.async<void>((resume) => {
      s.closeAllConnections()
      s.close(() => resume(Effect.void))
    })
)

const program = Effect.gen(function*() {
  const http = yield* server
  const config = yield* ClientConfig.fromFile(fileURLToPath(new URL("./users.yaml", import.meta.url)))
  const users = yield* ClientConfig.makeClient({
    ...config,
    baseUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  })
  yield* Console.log("health:", yield* users.health())
  yield* Console.log("user 1:", yield* users.getUser({ user_id: 1 }))
  const created = yield* users.createUser({ payload: { username: "grace" } })
  yield* Console.log("created:", created)
  const missing = yield* Effect.flip(users.getUser({ user_id: 99 }))
  yield* Console.log("user 99:", missing._tag, missing._tag === "ResponseError" ? missing.status : "")
})

program.pipe(
  Effect.scoped,
  Effect.provide(Layer.mergeAll(
    NodeTransport.layer,
    NodeFileSystem.layer,
    PluginRegistry.layer({ ApiKey }).pipe(Layer.provide(Registry.layer))
  )),
  NodeRuntime.runMain
)
