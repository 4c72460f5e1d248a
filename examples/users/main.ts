/**
 * The main example: starts an embedded users server on 127.0.0.1, then calls every
 * endpoint through the live transport, first with the typed spec behind an Effect.Tag,
 * then with the same service loaded from plain data.
 *
 * Run it with `npm start`.
 */
import { NodeRuntime } from "@effect/platform-node"
import { ServiceClient, SpecLoader } from "@service-client/core"
import { NodeTransport } from "@service-client/node"
import { Console, Effect } from "effect"
import { UserApi, userApiRecord, UserService } from "./api.js"
import * as UsersServer from "./server.js"

const typed = Effect.gen(function*() {
  const users = yield* UserService.listUsers()
  yield* Console.log("listUsers ->", users.map((u) => `${u.id}:${u.username}`).join(", "))
  const ada = yield* UserService.getUser({ user_id: 1 })
  yield* Console.log("getUser(1) ->", ada)
  const created = yield* UserService.createUser({ payload: { username: "linus", email: "linus@example.org" } })
  yield* Console.log("createUser ->", created)
  const updated = yield* UserService.updateUser({ user_id: created.id, payload: { username: "linus-t" } })
  yield* Console.log("updateUser ->", updated)
  yield* UserService.deleteUser({ user_id: created.id })
  yield* Console.log(`deleteUser(${created.id}) -> done`)
  const first = yield* UserService.listUsers({ query: { limit: 1 } })
  yield* Console.log("listUsers(limit 1) ->", first.map((u) => u.username))
  const missing = yield* UserService.getUser({ user_id: created.id }).pipe(
    Effect.catchTag("ResponseError", (e) => Effect.succeed(`${e.status} ${e.error?.error}`))
  )
  yield* Console.log(`getUser(${created.id}) after delete ->`, missing)
  const response = yield* UserService.use((client) => client.call("getUser", { user_id: 2 }))
  yield* Console.log("call(getUser, 2) ->", response.status, response.data)
})

const untyped = (baseUrl: string) =>
  Effect.gen(function*() {
    const spec = yield* SpecLoader.fromRecord(userApiRecord)
    const client = yield* ServiceClient.make(spec, { name: "users-from-data", baseUrl })
    const users = yield* client.listUsers()
    yield* Console.log("[plain data] listUsers ->", users)
    const created = yield* client.createUser({ payload: { username: "margaret" } })
    yield* Console.log("[plain data] createUser ->", created)
  })

const main = Effect.gen(function*() {
  const server = yield* UsersServer.start
  yield* Console.log(`users server on ${server.url}`)
  const UserServiceLive = ServiceClient.layer(UserService, UserApi, { name: "users", baseUrl: server.url })
  yield* typed.pipe(Effect.provide(UserServiceLive))
  yield* untyped(server.url)
}).pipe(
  Effect.scoped,
  Effect.provide(NodeTransport.layer)
)

NodeRuntime.runMain(main)
