// Plain `node app.mjs` in a fresh app: every package imported from its tarball, real calls.
import { FetchHttpClient, FileSystem } from "@effect/platform"
import { Endpoint, ServiceClient, Spec, SpecLoader, Transport } from "@service-client/core"
import { Mock, MockTransport } from "@service-client/mock"
import { NodeTransport } from "@service-client/node"
import { Elapsed, Pool, Retry, Timeout, TrackingToken } from "@service-client/plugins"
import { RedisLimiter, RedisStore } from "@service-client/redis"
import { Effect, Schema } from "effect"
import assert from "node:assert/strict"
import { start } from "./server.mjs"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })
const UserApi = Spec.make({
  getUser: Endpoint.get("/users/{user_id}", { success: User }),
  createUser: Endpoint.post("/users", { payload: Schema.Struct({ username: Schema.String }), success: User })
})
const plugins = [
  TrackingToken.make({ prefix: "app-" }),
  Timeout.make({ timeout: "5 seconds" }),
  Pool.make({ limit: 4 }),
  Retry.make(),
  Elapsed.make()
]

const calls = (baseUrl) =>
  Effect.gen(function*() {
    const users = yield* ServiceClient.make(UserApi, { name: "users", baseUrl, plugins })
    const user = yield* users.getUser({ user_id: 7 })
    const created = yield* users.createUser({ payload: { username: "ada" } })
    const response = yield* users.call("getUser", { user_id: 8 })
    return { user, created, status: response.status, token: typeof response.attributes.trackingToken }
  }).pipe(Effect.scoped)

const { server, url } = await start()
try {
  const expected = {
    user: { id: 7, username: "user-7" },
    created: { id: 99, username: "ada" },
    status: 200,
    token: "string"
  }
  const node = await Effect.runPromise(calls(url).pipe(Effect.provide(NodeTransport.layer)))
  assert.deepEqual(node, expected)
  console.log("NodeTransport: getUser, createUser, call")
  const fetch = await Effect.runPromise(
    calls(url).pipe(Effect.provide(Transport.layer), Effect.provide(FetchHttpClient.layer))
  )
  assert.deepEqual(fetch, expected)
  console.log("Transport.layer + FetchHttpClient: same results")

  // the mock, and a YAML spec file (yaml is loaded by the spec loader only)
  const files = {
    "/specs/users.yaml":
      "getUser: /users/{user_id}\nhealth:\n  path: /health\n  mock: { type: json, data: { ok: true } }\n"
  }
  const FsLive = FileSystem.layerNoop({
    readFileString: (path) => path in files ? Effect.succeed(files[path]) : Effect.fail(new Error(`no file ${path}`)),
    exists: (path) => Effect.succeed(path in files)
  })
  const mocked = await Effect.runPromise(
    Effect.gen(function*() {
      const spec = yield* SpecLoader.yaml("/specs/users.yaml")
      const client = yield* ServiceClient.make(spec, { name: "files", baseUrl: "http://users.test" })
      yield* Mock.use(() => Mock.json({ id: 1, username: "mocked" }), { endpoint: "getUser" })
      const user = yield* client.getUser({ user_id: 1 })
      const health = yield* client.health({})
      return { user, health, calls: (yield* Mock.calls).length }
    }).pipe(Effect.scoped, Effect.provide(MockTransport.layer), Effect.provide(FsLive))
  )
  assert.deepEqual(mocked, { user: { id: 1, username: "mocked" }, health: { ok: true }, calls: 2 })
  console.log("MockTransport + YAML spec file: mocked answers")
  assert.equal(typeof RedisStore.layerLimiters, "function")
  assert.equal(typeof RedisLimiter.semaphore, "function")
  console.log("@service-client/redis imported")
} finally {
  server.close()
}
