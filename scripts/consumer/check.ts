// A strict user project: every package imported, typed calls, and wrong input refused.
import { FetchHttpClient } from "@effect/platform"
import {
  ClientConfig,
  Endpoint,
  Errors,
  type Plugin,
  ServiceClient,
  Spec,
  SpecLoader,
  Transport
} from "@service-client/core"
import * as Deadline from "@service-client/core/Deadline"
import { Mock, MockTransport } from "@service-client/mock"
import { NodeTransport } from "@service-client/node"
import {
  Auth,
  Elapsed,
  Headers,
  InnerLogger,
  LimiterStore,
  LogFormat,
  Metrics,
  OuterLogger,
  PathTokens,
  Pool,
  QueryParams,
  RateLimit,
  Registry,
  Retry,
  Timeout,
  Tracing,
  TrackingToken
} from "@service-client/plugins"
import { RedisLimiter, RedisStore } from "@service-client/redis"
import { Config, Effect, Layer, Schema } from "effect"

class User extends Schema.Class<User>("User")({ id: Schema.Number, username: Schema.String }) {}

const UserApi = Spec.make({
  listUsers: Endpoint.get("/users", { success: Schema.Array(User) }),
  getUser: Endpoint.get("/users/{user_id}", { success: User, error: Schema.Struct({ error: Schema.String }) }),
  createUser: Endpoint.post("/users", { payload: Schema.Struct({ username: Schema.String }), success: User }),
  deleteUser: Endpoint.del("/users/{user_id}")
})

class UserService extends Effect.Tag("UserService")<UserService, ServiceClient.Client<typeof UserApi>>() {}

export const program = Effect.gen(function*() {
  const u: User = yield* UserService.getUser({ user_id: 1 })
  const all: ReadonlyArray<User> = yield* UserService.listUsers({})
  const created: User = yield* UserService.createUser({ payload: { username: "ada" } })
  yield* UserService.deleteUser({ user_id: 2, timeout: "1 second" })
  return [u, all, created] as const
})

export const handled = program.pipe(
  Effect.catchTags({
    ResponseError: (e) => Effect.succeed(e.status),
    TimeoutError: (e) => Effect.succeed(e.message)
  })
)

export const wrong = Effect.gen(function*() {
  // @ts-expect-error the path token is missing
  yield* UserService.getUser({})
  // @ts-expect-error no token of that name
  yield* UserService.getUser({ id: 1 })
  // @ts-expect-error the payload does not match its Schema
  yield* UserService.createUser({ payload: { username: 1 } })
  // @ts-expect-error no such endpoint
  yield* UserService.updateUser({ user_id: 1 })
  // @ts-expect-error a User is not a string
  const s: string = yield* UserService.getUser({ user_id: 1 })
  return s
})

export const UserServiceLive = ServiceClient.layer(UserService, UserApi, {
  name: "users",
  baseUrl: Config.string("USERS_URL"),
  plugins: [
    TrackingToken.make({ prefix: "web-" }),
    Headers.make({ headers: { "User-Agent": "my-app/1.0" } }),
    PathTokens.make({ tokens: { user_id: 1 } }),
    QueryParams.make({ query: { verbose: true } }),
    Timeout.make({ timeout: "5 seconds" }),
    Retry.make({ attemptTimeout: "2 seconds" }),
    Elapsed.make(),
    InnerLogger.make({ level: "Debug" }),
    OuterLogger.make()
  ]
})

// plugins that add errors (Pool, RateLimit: LimiterError) are named in the client's type
const limited = [Pool.make({ limit: 10, hardLimit: 100 }), RateLimit.make({ limit: 50, period: "1 second" })]
class LimitedService extends Effect.Tag("LimitedService")<
  LimitedService,
  ServiceClient.Client<typeof UserApi, Plugin.ErrorOf<typeof limited>>
>() {}
export const LimitedLive = ServiceClient.layer(LimitedService, UserApi, {
  name: "limited",
  baseUrl: "http://127.0.0.1:8080",
  plugins: limited
})
export const limitedCall = LimitedService.getUser({ user_id: 1 }).pipe(
  Effect.catchTag("TooManyRequestsPending", (e) => Effect.succeed(e.message))
)

export const node = program.pipe(Effect.provide(UserServiceLive), Effect.provide(NodeTransport.layer))
export const fetch = program.pipe(
  Effect.provide(UserServiceLive),
  Effect.provide(Transport.layer),
  Effect.provide(FetchHttpClient.layer)
)
export const mocked = Effect.gen(function*() {
  yield* Mock.use(() => Mock.json({ id: 12, username: "foo" }), { endpoint: "getUser" })
  return yield* UserService.getUser({ user_id: 12 })
}).pipe(Effect.scoped, Effect.provide(UserServiceLive), Effect.provide(MockTransport.layer))
export const redis = Layer.provide(UserServiceLive, RedisStore.layerLimitersConfig())
export const semaphore = RedisLimiter.semaphore({ name: "jobs", limit: 2 })
export const fromFile = SpecLoader.yaml("specs/users.yaml")
export const fromConfig = ClientConfig.fromFile("users.yaml")
export const registry = Registry.layer
export const memory = LimiterStore.layer(LimiterStore.memory)
export const modules = [Auth, Metrics, Tracing, LogFormat, Deadline, Errors] as const
