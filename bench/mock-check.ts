/**
 * What the Schema check of mock answers costs: calls over MockTransport answered by the
 * endpoint's mock (checked once, then remembered), by a Mock.use handler (a new answer,
 * checked every call) and by the same handler with `check: false`. Round by round, in
 * one process: `npm run example bench/mock-check.ts`.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Endpoint, ServiceClient, Spec } from "@service-client/core"
import { Mock, MockTransport } from "@service-client/mock"
import { Effect, Layer, Schema, type Scope } from "effect"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String, tags: Schema.Array(Schema.String) })
const data = { id: 12, username: "foo", tags: ["a", "b"] }
const Api = Spec.make({ getUser: Endpoint.get("/user/{user_id}", { success: User, mock: { type: "json", data } }) })
const N = Number(process.env.N ?? 20000)

const time = (label: string, setup: Effect.Effect<void, unknown, Mock.Registry | Scope.Scope>) =>
  Effect.gen(function*() {
    const api = yield* ServiceClient.make(Api, { name: "users", baseUrl: "http://users.test" })
    yield* setup
    for (let i = 0; i < 2000; i++) yield* api.getUser({ user_id: 12 })
    const start = performance.now()
    for (let i = 0; i < N; i++) yield* api.getUser({ user_id: 12 })
    const us = ((performance.now() - start) * 1000) / N
    return `${label}: ${us.toFixed(1)} µs/call`
  }).pipe(Effect.scoped)

const program = Effect.gen(function*() {
  for (let round = 1; round <= 3; round++) {
    const lines = [
      yield* time("endpoint mock (checked once)", Effect.void),
      yield* time("Mock.use, checked each call", Mock.use(() => Mock.json(data), { limit: 0 })),
      yield* time("Mock.use, check: false", Mock.use(() => Mock.json(data, { check: false }), { limit: 0 }))
    ]
    console.log(`round ${round}: ${lines.join(" | ")}`)
  }
})

Effect.runPromise(program.pipe(Effect.provide(MockTransport.layer.pipe(Layer.provide(NodeFileSystem.layer)))))
