/**
 * A property test over generated answers finds the planted bug of examples/mock/greeter.ts.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { ServiceClient } from "@service-client/core"
import { MockTransport, Property } from "@service-client/mock"
import { Effect, Layer } from "effect"
import { greet, initials, initialsFixed, UserApi, Users } from "./greeter.js"

const TestLayer = ServiceClient.layer(Users, UserApi, { name: "users", baseUrl: "http://users.test" }).pipe(
  Layer.provideMerge(MockTransport.layer),
  Layer.provide(NodeFileSystem.layer)
)

describe("Property.forAll", () => {
  it.effect("finds the planted bug and shrinks the answer to an empty username", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(Property.forAll(UserApi, "getUser", () => greet(initials), { runs: 200, seed: 42 }))
      assert.strictEqual(e._tag, "PropertyFailure")
      if (e._tag !== "PropertyFailure") return
      assert.strictEqual((e.counterexample as { username: string }).username, "")
      assert.strictEqual(e.seed, 42)
      assert.include(e.message, "getUser")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("passes for the fixed program, and the program sees the generated value", () =>
    Effect.gen(function*() {
      yield* Property.forAll(
        UserApi,
        "getUser",
        (user) =>
          Effect.flatMap(greet(initialsFixed), (text) =>
            text.includes(user.email) ? Effect.void : Effect.fail(`missing ${user.email}`)),
        { runs: 50, seed: 1 }
      )
    }).pipe(Effect.provide(TestLayer)))
})
