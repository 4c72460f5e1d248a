// The type-check baseline: a project that imports only effect and @effect/platform.
import { FetchHttpClient, HttpClient, HttpClientResponse } from "@effect/platform"
import { Effect, Schema } from "effect"

class User extends Schema.Class<User>("User")({ id: Schema.Number, username: Schema.String }) {}

export const program = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const response = yield* client.get("http://127.0.0.1:8080/users/1")
  const user: User = yield* HttpClientResponse.schemaBodyJson(User)(response)
  return user
}).pipe(Effect.provide(FetchHttpClient.layer))
