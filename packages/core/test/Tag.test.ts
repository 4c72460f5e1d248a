import { assert, describe, it } from "@effect/vitest"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Effect, Schema } from "effect"
import * as Fake from "./fakeTransport.js"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })
const UserApi = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { success: User }),
  createUser: Endpoint.post("/user", { payload: Schema.Struct({ username: Schema.String }), success: User })
})

class UserService extends Effect.Tag("UserService")<UserService, ServiceClient.Client<typeof UserApi>>() {}

describe("ServiceClient.layer with an Effect.Tag", () => {
  it.effect("exposes every endpoint as a static accessor", () => {
    const fake = Fake.make((session) => ({
      body: session.method === "POST" ? "{\"id\":2,\"username\":\"new\"}" : "{\"id\":12,\"username\":\"foo\"}"
    }))
    return Effect.gen(function*() {
      const user = yield* UserService.getUser({ user_id: 12 })
      assert.deepStrictEqual(user, { id: 12, username: "foo" })
      const created = yield* UserService.createUser({ payload: { username: "new" } })
      assert.strictEqual(created.id, 2)
      const response = yield* UserService.use((users) => users.call("getUser", { user_id: 12 }))
      assert.strictEqual(response.status, 200)
      assert.strictEqual((yield* UserService).service, "users")
      assert.deepStrictEqual(fake.sent.map((s) => `${s.method} ${s.url}`), [
        "GET http://127.0.0.1:9/user/12",
        "POST http://127.0.0.1:9/user",
        "GET http://127.0.0.1:9/user/12"
      ])
    }).pipe(
      Effect.provide(ServiceClient.layer(UserService, UserApi, { name: "users", baseUrl: "http://127.0.0.1:9" })),
      Effect.provide(fake.layer)
    )
  })
})

// Type-level checks (compiled by `npm run typecheck`, never run).
export const typeErrors = () => {
  // @ts-expect-error a missing path token is a compile error
  UserService.getUser({})
  // @ts-expect-error a wrong payload type is a compile error
  UserService.createUser({ payload: { username: 12 } })
  // @ts-expect-error an unknown endpoint is a compile error
  UserService.getUsers()
  // @ts-expect-error an unknown endpoint name in call is a compile error
  UserService.use((users) => users.call("getUsers"))
}
