import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { Effect, Layer, Schema } from "effect"
import * as Server from "./support/server.js"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })
const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: User }),
  createUser: Endpoint.post("/user", { payload: Schema.Struct({ username: Schema.String }), success: User })
})

const Live = Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))

describe("smoke", () => {
  it.scoped("calls a real server", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((req, res) => {
        if (req.method === "POST") return Server.json(res, 201, { id: 2, ...JSON.parse(req.body.toString()) })
        Server.json(res, 200, { id: 12, username: "foo" })
      })
      const client = yield* ServiceClient.make(Api, { name: "users", baseUrl: server.url })
      const user = yield* client.getUser({ user_id: 12 })
      assert.deepStrictEqual(user, { id: 12, username: "foo" })
      const created = yield* client.createUser({ payload: { username: "bar" } })
      assert.deepStrictEqual(created, { id: 2, username: "bar" })
      assert.strictEqual(server.received[0]!.url, "/user/12")
      const res = yield* client.call("getUser", { user_id: "a/b?c" })
      assert.strictEqual(res.status, 200)
      assert.strictEqual(server.received[2]!.url, "/user/a%2Fb%3Fc")
    }).pipe(Effect.provide(Live)))
})
