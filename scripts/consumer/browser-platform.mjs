// Plain @effect/platform in a browser: GET a user, read its JSON.
import { FetchHttpClient, HttpClient } from "@effect/platform"
import { Effect } from "effect"

const program = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const response = yield* client.get("https://users.example/users/1")
  return yield* response.json
})
Effect.runPromise(program.pipe(Effect.provide(FetchHttpClient.layer))).then(console.log)
