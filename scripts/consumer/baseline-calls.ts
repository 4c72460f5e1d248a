// The same service as check.ts's UserApi, written with plain effect + @effect/platform:
// four calls (list, get with an error body, create with a payload, delete), a Tag, a
// Layer whose base URL comes from Config, and the same uses of it.
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import type { HttpBody, HttpClientError } from "@effect/platform"
import { Config, Effect, Layer, type ParseResult, Schema } from "effect"

class User extends Schema.Class<User>("User")({ id: Schema.Number, username: Schema.String }) {}
class ApiError extends Schema.TaggedError<ApiError>()("ApiError", { error: Schema.String }) {}
const NewUser = Schema.Struct({ username: Schema.String })

type Failure = HttpClientError.HttpClientError | HttpBody.HttpBodyError | ParseResult.ParseError | ApiError
interface Users {
  readonly listUsers: () => Effect.Effect<ReadonlyArray<User>, Failure>
  readonly getUser: (input: { readonly user_id: number }) => Effect.Effect<User, Failure>
  readonly createUser: (input: { readonly payload: typeof NewUser.Type }) => Effect.Effect<User, Failure>
  readonly deleteUser: (input: { readonly user_id: number }) => Effect.Effect<void, Failure>
}
class UserService extends Effect.Tag("UserService")<UserService, Users>() {}

export const UserServiceLive = Layer.effect(
  UserService,
  Effect.gen(function*() {
    const baseUrl = yield* Config.string("USERS_URL")
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest(HttpClientRequest.prependUrl(baseUrl)),
      HttpClient.mapRequest(HttpClientRequest.setHeader("User-Agent", "my-app/1.0"))
    )
    const ok = client.pipe(HttpClient.filterStatusOk)
    return {
      listUsers: () => ok.get("/users").pipe(Effect.flatMap(HttpClientResponse.schemaBodyJson(Schema.Array(User)))),
      getUser: ({ user_id }) =>
        client.get(`/users/${user_id}`).pipe(
          Effect.flatMap((r) =>
            r.status >= 200 && r.status < 300
              ? HttpClientResponse.schemaBodyJson(User)(r)
              : Effect.flatMap(HttpClientResponse.schemaBodyJson(ApiError)(r), Effect.fail)
          )
        ),
      createUser: ({ payload }) =>
        HttpClientRequest.post("/users").pipe(
          HttpClientRequest.schemaBodyJson(NewUser)(payload),
          Effect.flatMap(ok.execute),
          Effect.flatMap(HttpClientResponse.schemaBodyJson(User))
        ),
      deleteUser: ({ user_id }) => ok.del(`/users/${user_id}`).pipe(Effect.asVoid)
    } satisfies Users
  })
)

export const program = Effect.gen(function*() {
  const u: User = yield* UserService.getUser({ user_id: 1 })
  const all: ReadonlyArray<User> = yield* UserService.listUsers()
  const created: User = yield* UserService.createUser({ payload: { username: "ada" } })
  yield* UserService.deleteUser({ user_id: 2 })
  return [u, all, created] as const
})

export const handled = program.pipe(
  Effect.catchTags({
    ResponseError: (e) => Effect.succeed(e.response.status),
    ApiError: (e) => Effect.succeed(e.error)
  })
)

export const fetch = program.pipe(Effect.provide(UserServiceLive), Effect.provide(FetchHttpClient.layer))
