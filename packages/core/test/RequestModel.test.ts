import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import * as Endpoint from "../src/Endpoint.js"
import type { SpecError } from "../src/Errors.js"
import * as ServiceClient from "../src/ServiceClient.js"
import type { Session } from "../src/Session.js"
import * as Spec from "../src/Spec.js"
import * as Transport from "../src/Transport.js"

class GetUserRequest extends Schema.Class<GetUserRequest>("GetUserRequest")({
  user_id: Schema.Number,
  query: Schema.optional(Schema.Struct({ verbose: Schema.Boolean }))
}) {}

class CreateUserRequest extends Schema.Class<CreateUserRequest>("CreateUserRequest")({
  payload: Schema.Struct({ username: Schema.String, since: Schema.Date }),
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
}) {}

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })

const Api = Spec.make({
  getUser: Endpoint.get("/user/{user_id}", { input: GetUserRequest, success: User }),
  createUser: Endpoint.post("/user", { input: CreateUserRequest, success: User })
})

const recording = () => {
  const sent: Array<{ url: string; body: unknown; headers: Record<string, string | null> }> = []
  const layer = Layer.succeed(
    Transport.Transport,
    Transport.make((session: Session) =>
      Effect.sync(() => {
        sent.push({ url: session.url, body: session.body, headers: { ...session.headers } })
        return { json: { id: 12, username: "foo" } }
      })
    )
  )
  return { sent, layer }
}

const client = ServiceClient.make(Api, { name: "users", baseUrl: "http://127.0.0.1:1" })

describe("request models", () => {
  it.scoped("a method takes an instance of the model or its plain fields", () => {
    const { layer, sent } = recording()
    return Effect.gen(function*() {
      const users = yield* client
      const a = yield* users.getUser(new GetUserRequest({ user_id: 12, query: { verbose: true } }))
      const b = yield* users.getUser({ user_id: 12, query: { verbose: true } })
      assert.deepStrictEqual(a, { id: 12, username: "foo" })
      assert.deepStrictEqual(b, a)
      assert.deepStrictEqual(sent.map((s) => s.url), [
        "http://127.0.0.1:1/user/12?verbose=true",
        "http://127.0.0.1:1/user/12?verbose=true"
      ])
      const res = yield* users.call("getUser", GetUserRequest.make({ user_id: 13 }))
      assert.strictEqual(res.status, 200)
      assert.strictEqual(sent[2]!.url, "http://127.0.0.1:1/user/13")
    }).pipe(Effect.provide(layer))
  })

  it.scoped("the model is encoded: a Date in the payload is sent as an ISO string", () => {
    const { layer, sent } = recording()
    return Effect.gen(function*() {
      const users = yield* client
      const since = new Date("2024-01-02T03:04:05.000Z")
      yield* users.createUser({ payload: { username: "foo", since }, headers: { "X-Id": "1" } })
      yield* users.createUser(new CreateUserRequest({ payload: { username: "bar", since } }))
      assert.strictEqual(sent[0]!.body, `{"username":"foo","since":"2024-01-02T03:04:05.000Z"}`)
      assert.strictEqual(sent[0]!.headers["x-id"], "1")
      assert.strictEqual(sent[1]!.body, `{"username":"bar","since":"2024-01-02T03:04:05.000Z"}`)
    }).pipe(Effect.provide(layer))
  })

  it.scoped("plain fields are validated through the class: InputError before any I/O", () => {
    const { layer, sent } = recording()
    return Effect.gen(function*() {
      const users = yield* client
      const wrongType = yield* Effect.flip(users.getUser({ user_id: "12" as unknown as number }))
      assert.strictEqual(wrongType._tag, "InputError")
      assert.strictEqual((wrongType as { key?: string }).key, "user_id")
      const extra = yield* Effect.flip(users.getUser({ user_id: 12, headers: {} } as never))
      assert.strictEqual(extra._tag, "InputError")
      assert.strictEqual((extra as { key?: string }).key, "headers")
      const missing = yield* Effect.flip(users.createUser({} as never))
      assert.strictEqual((missing as { key?: string }).key, "payload")
      assert.strictEqual(sent.length, 0)
    }).pipe(Effect.provide(layer))
  })

  it("type-level: both forms check, a wrong or missing field is a compile error", () => {
    const typed = (users: ServiceClient.Client<typeof Api>) => [
      users.getUser({ user_id: 1 }),
      users.getUser(new GetUserRequest({ user_id: 1 })),
      // @ts-expect-error a field the model does not have
      users.getUser({ user_id: 1, userId: 2 }),
      // @ts-expect-error the path token is missing
      users.getUser({ query: { verbose: true } }),
      // @ts-expect-error a field of the wrong type
      users.getUser({ user_id: "1" })
    ]
    assert.isFunction(typed)
  })

  it("Endpoint.make checks the model against the path", () => {
    const throws = (f: () => unknown, reason: RegExp) => {
      try {
        f()
      } catch (e) {
        assert.strictEqual((e as SpecError)._tag, "SpecError")
        assert.strictEqual((e as SpecError).key === "input" || (e as SpecError).key === "payload", true)
        assert.match((e as SpecError).reason, reason)
        return
      }
      assert.fail("expected a SpecError")
    }
    class Other extends Schema.Class<Other>("Other")({ id: Schema.Number }) {}
    throws(() => Endpoint.get("/user/{user_id}", { input: Other }), /neither a path token/)
    throws(
      () => Endpoint.get("/user/{user_id}/{extra}", { input: GetUserRequest }),
      /no field for the path token "extra"/
    )
    throws(
      () => Endpoint.post("/user", { input: CreateUserRequest, payload: Schema.Unknown }),
      /describe it in the fields/
    )
    assert.strictEqual(
      Endpoint.get("/user/{user_id}/{extra}", { input: GetUserRequest, pathTokens: { extra: "x" } }).path,
      "/user/{user_id}/{extra}"
    )
  })
})
