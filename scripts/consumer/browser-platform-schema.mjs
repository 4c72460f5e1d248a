// Plain @effect/platform in a browser: GET a user, decode its JSON with a Schema.
import { FetchHttpClient, HttpClient, HttpClientResponse } from "@effect/platform"
import { Effect, Schema } from "effect"

const User = Schema.Struct({ id: Schema.Number, username: Schema.String })
const program = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const response = yield* client.get("https://users.example/users/1")
  return yield* HttpClientResponse.schemaBodyJson(User)(response)
})
Effect.runPromise(program.pipe(Effect.provide(FetchHttpClient.layer))).then(console.log)
