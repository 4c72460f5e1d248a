import { assert, describe, it } from "@effect/vitest"
import { type CoreError, Endpoint, ServiceClient, Spec } from "@service-client/core"
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

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false

class Users extends ServiceClient.Tag<Users>()("Users", UserApi) {}

describe("ServiceClient.Tag: a Context.Tag with the client's methods as statics", () => {
  it.effect("yield* Users.getUser(12), Users.call, exact types", () => {
    const fake = Fake.make((session) => ({
      body: session.method === "POST" ? "{\"id\":2,\"username\":\"new\"}" : "{\"id\":12,\"username\":\"foo\"}"
    }))
    return Effect.gen(function*() {
      const byValue = Users.getUser(12)
      const exact: Equals<
        typeof byValue,
        Effect.Effect<{ readonly id: number; readonly username: string }, CoreError, Users>
      > = true
      assert.isTrue(exact)
      assert.deepStrictEqual(yield* byValue, { id: 12, username: "foo" })
      assert.strictEqual((yield* Users.getUser({ user_id: 3 })).id, 12)
      assert.strictEqual((yield* Users.createUser({ payload: { username: "new" } })).id, 2)
      const response = yield* Users.call("getUser", 12)
      assert.strictEqual(response.status, 200)
      assert.strictEqual((yield* Users).service, "users")
      assert.deepStrictEqual(fake.sent.map((s) => `${s.method} ${s.url}`), [
        "GET http://127.0.0.1:9/user/12",
        "GET http://127.0.0.1:9/user/3",
        "POST http://127.0.0.1:9/user",
        "GET http://127.0.0.1:9/user/12"
      ])
    }).pipe(
      Effect.provide(ServiceClient.layer(Users, UserApi, { name: "users", baseUrl: "http://127.0.0.1:9" })),
      Effect.provide(fake.layer)
    )
  })
})

export const tagTypeErrors = () => {
  // @ts-expect-error a missing path token is a compile error
  Users.getUser({})
  // @ts-expect-error the short form is for one token's value, not any value
  Users.getUser(true)
  // @ts-expect-error an endpoint with a required payload has no short form
  Users.createUser("a")
  // @ts-expect-error an unknown endpoint
  Users.getUsers()
  // @ts-expect-error an empty path token is a compile error
  Users.getUser({ user_id: "" })
  // @ts-expect-error an empty path token in the short form too
  Users.getUser("")
  // @ts-expect-error an empty path token through call
  Users.call("getUser", { user_id: "" })
  // @ts-expect-error an empty path token through call's short form
  Users.call("getUser", "")
  // @ts-expect-error an unknown input key through call
  Users.call("getUser", { user_id: 1, userid: 2 })
  // a value only known at run time compiles (and an empty one fails with InputError)
  const id: string = String(Date.now())
  Users.getUser({ user_id: id })
  Users.getUser(id)
  Users.getUser({ user_id: "12" })
  Users.getUser("12")
  Users.call("getUser", { user_id: "a", headers: { "x-a": "1" } })
}
