// CommonJS: the ESM-only packages load through require(esm) (Node >= 20.19 / >= 22.12).
const assert = require("node:assert/strict")
const { createServer } = require("node:http")
const { Endpoint, ServiceClient, Spec } = require("@service-client/core")
const { NodeTransport } = require("@service-client/node")
const { Timeout } = require("@service-client/plugins")
const { Mock } = require("@service-client/mock")
const { RedisStore } = require("@service-client/redis")
const { Effect, Schema } = require("effect")

assert.equal(typeof Mock.use, "function")
assert.equal(typeof RedisStore.layer, "function")
const UserApi = Spec.make({
  getUser: Endpoint.get("/users/{user_id}", { success: Schema.Struct({ id: Schema.Number, username: Schema.String }) })
})
const server = createServer((req, res) => {
  res.setHeader("content-type", "application/json")
  res.end(JSON.stringify({ id: Number(req.url.split("/").pop()), username: "cjs" }))
})
server.listen(0, "127.0.0.1", () => {
  const baseUrl = `http://127.0.0.1:${server.address().port}`
  const program = Effect.gen(function*() {
    const users = yield* ServiceClient.make(UserApi, {
      name: "users",
      baseUrl,
      plugins: [Timeout.make({ timeout: "5 seconds" })]
    })
    return yield* users.getUser({ user_id: 3 })
  }).pipe(Effect.scoped, Effect.provide(NodeTransport.layer))
  Effect.runPromise(program).then(
    (user) => {
      assert.deepEqual(user, { id: 3, username: "cjs" })
      console.log("require() of every package; a call through NodeTransport")
      server.close()
    },
    (error) => {
      console.error(error)
      server.close()
      process.exitCode = 1
    }
  )
})
