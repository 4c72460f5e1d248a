/**
 * One Effect app, two transports: the same program runs against a real loopback server
 * with the live transport, and against the endpoints' mocks with MockTransport swapped in
 * by Layer.
 */
import { NodeHttpClient } from "@effect/platform-node"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { Mock, MockTransport } from "@service-client/mock"
import * as NodeMockTransport from "@service-client/mock/NodeMockTransport"
import { Config, ConfigProvider, Effect, Layer, Schema } from "effect"
import * as Server from "./support/server.js"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })

const UserApi = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", {
    success: User,
    mock: { type: "json", data: { id: 12, username: "mocked" } }
  }),
  createUser: Endpoint.post("/user", {
    payload: Schema.Struct({ username: Schema.String }),
    success: User,
    mock: { type: "json", data: { id: 2, username: "foobar" }, status: 201 }
  })
})

class UserService extends Effect.Tag("UserService")<UserService, ServiceClient.Client<typeof UserApi>>() {}

const UserServiceLive = ServiceClient.layer(UserService, UserApi, {
  name: "users",
  baseUrl: Config.string("USERS_URL")
})

const program = Effect.gen(function*() {
  const user = yield* UserService.getUser({ user_id: 12 })
  const response = yield* UserService.use((users) => users.call("getUser", { user_id: 12 }))
  const created = yield* UserService.createUser({ payload: { username: "foobar" } })
  return { user, status: response.status, created }
})

const withUrl = (url: string) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["USERS_URL", url]])))

const LiveTransport = Transport.layer.pipe(Layer.provide(NodeHttpClient.layerUndici))
const MockedTransport = MockTransport.layer.pipe(Layer.provide(NodeFileSystem.layer))

describe("one app, live and mocked", () => {
  it.scoped("runs against a real loopback server with the live transport", () =>
    Effect.gen(function*() {
      const server = yield* Server.start((req, res) => {
        if (req.method === "POST") return Server.json(res, 201, { id: 2, ...JSON.parse(req.body.toString()) })
        Server.json(res, 200, { id: 12, username: "live" })
      })
      const result = yield* program.pipe(
        Effect.provide(UserServiceLive),
        Effect.provide(LiveTransport),
        withUrl(server.url)
      )
      assert.deepStrictEqual(result, {
        user: { id: 12, username: "live" },
        status: 200,
        created: { id: 2, username: "foobar" }
      })
      assert.deepStrictEqual(server.received.map((r) => `${r.method} ${r.url}`), [
        "GET /user/12",
        "GET /user/12",
        "POST /user"
      ])
    }))

  it.scoped("runs the same program with MockTransport swapped in by Layer", () =>
    Effect.gen(function*() {
      yield* Mock.use(() => Mock.json({ id: 12, username: "override" }), { endpoint: "getUser" })
      const result = yield* program
      assert.deepStrictEqual(result, {
        user: { id: 12, username: "override" },
        status: 200,
        created: { id: 2, username: "foobar" }
      })
      const calls = yield* Mock.calls
      assert.deepStrictEqual(calls.map((c) => `${c.method} ${c.url}`), [
        "GET http://users.test/user/12",
        "GET http://users.test/user/12",
        "POST http://users.test/user"
      ])
      assert.strictEqual(calls[2]!.body, `{"username":"foobar"}`)
    }).pipe(Effect.provide(UserServiceLive), Effect.provide(MockedTransport), withUrl("http://users.test")))

  // The example of docs/mock.md, "Testing a service with MockTransport".
  const TestLayer = ServiceClient.layer(UserService, UserApi, { name: "users", baseUrl: "http://users.test" })
    .pipe(Layer.provideMerge(NodeMockTransport.layer))

  it.effect("gets a user (docs example)", () =>
    Effect.gen(function*() {
      yield* Mock.use(() => Mock.json({ id: 12, username: "foo" }), { endpoint: "getUser" })
      assert.deepStrictEqual(yield* UserService.getUser({ user_id: 12 }), { id: 12, username: "foo" })
      assert.strictEqual((yield* Mock.calls)[0]!.url, "http://users.test/user/12")
    }).pipe(Effect.scoped, Effect.provide(TestLayer)))
})
