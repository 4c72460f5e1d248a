// @service-client/core in a browser: the same call through Transport.layer + FetchHttpClient.
import { FetchHttpClient } from "@effect/platform"
import { Endpoint, ServiceClient, Spec, Transport } from "@service-client/core"
import { Effect, Schema } from "effect"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })
const UserApi = Spec.make({ getUser: Endpoint.get("/users/{user_id}", { success: User }) })
const program = Effect.gen(function*() {
  const users = yield* ServiceClient.make(UserApi, { name: "users", baseUrl: "https://users.example" })
  return yield* users.getUser({ user_id: 1 })
}).pipe(Effect.scoped)
Effect.runPromise(program.pipe(Effect.provide(Transport.layer), Effect.provide(FetchHttpClient.layer))).then(
  console.log
)
