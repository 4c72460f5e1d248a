import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ClientConfig, Transport } from "@service-client/core"
import { Registry } from "@service-client/plugins"
import { Effect, Layer } from "effect"
import { fileURLToPath } from "node:url"
import * as Server from "./support/server.js"

const configFile = fileURLToPath(new URL("../packages/core/test/fixtures/configs/live.yaml", import.meta.url))

const Live = Layer.mergeAll(
  Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici)),
  NodeFileSystem.layer,
  Registry.layer
)

describe("a client built from a YAML config", () => {
  it.scoped("calls a real server with the plugins the config names", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((req, res) => {
        if (req.method === "POST") return Server.json(res, 201, { id: 2, ...JSON.parse(req.body.toString()) })
        Server.json(res, 200, { id: 12, username: "foo" })
      })
      const config = yield* ClientConfig.fromFile(configFile)
      const users = yield* ClientConfig.makeClient({ ...config, baseUrl: server.url })
      const user = yield* users.getUser({ user_id: 12, headers: { accept: "application/vnd.users+json" } })
      assert.deepStrictEqual(user, { id: 12, username: "foo" })
      const created = yield* users.createUser({ payload: { username: "bar" } })
      assert.deepStrictEqual(created, { id: 2, username: "bar" })
      const all = yield* Effect.all(
        Array.from({ length: 4 }, () => users.call("listUsers")),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(all.map((r) => r.status), [200, 200, 200, 200])
      const [get, post] = server.received
      assert.strictEqual(get!.url, "/v2/user/12")
      assert.strictEqual(get!.headers["x-api-key"], "secret")
      assert.strictEqual(get!.headers["x-from"], "child")
      assert.strictEqual(get!.headers["accept"], "application/vnd.users+json")
      assert.strictEqual(post!.method, "POST")
      assert.strictEqual(post!.headers["x-api-key"], "secret")
      assert.strictEqual(post!.headers["accept"], "application/json")
      assert.strictEqual(post!.headers["content-type"], "application/json")
      assert.strictEqual(server.received.length, 6)
    }).pipe(Effect.provide(Live)))

  it.scoped("a bad plugin option in the config fails before any request", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((_req, res) => Server.json(res, 200, {}))
      const config = yield* ClientConfig.fromFile(configFile)
      const error = yield* Effect.flip(ClientConfig.makeClient({
        ...config,
        baseUrl: server.url,
        plugins: [{ type: "Pool", limit: 0 }]
      }))
      if (error._tag !== "SpecError") return assert.fail(`expected a SpecError, got ${error._tag}`)
      assert.include(error.message, `key "plugins[0].limit"`)
      assert.strictEqual(error.file, undefined, "the plugins came from code, not from the file")
      assert.strictEqual(server.received.length, 0)
    }).pipe(Effect.provide(Live)))
})
