/**
 * The plugin contract from a user's seat: a plugin defined here, outside the packages,
 * raises its own error (typed, caught with catchTag). The type assertions are checked by
 * `tsc -b` (this file is in the test project): a client's error type is exactly the core's
 * errors plus its plugins'.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  type CoreError,
  Endpoint,
  Plugin,
  PluginError,
  ServiceClient,
  Spec,
  type Transport
} from "@service-client/core"
import { Mock } from "@service-client/mock"
import * as NodeMockTransport from "@service-client/mock/NodeMockTransport"
import { Auth, type LimiterError, Pool, Retry, Timeout } from "@service-client/plugins"
import { Context, Data, Effect, Redacted, Schema, type Scope } from "effect"

/** `true` only when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false

class CircuitOpen extends Data.TaggedError("CircuitOpen")<{ readonly service: string; readonly endpoint: string }> {
  override get message() {
    return `${this.service}.${this.endpoint}: the circuit is open`
  }
}

/** A user's circuit breaker: opens after `threshold` failed sends in a row. */
const breaker = (threshold: number) => {
  let failures = 0
  return Plugin.make("Breaker", {
    prepareSession: (session) =>
      failures >= threshold
        ? Effect.fail(new CircuitOpen({ service: session.service, endpoint: session.endpoint }))
        : Effect.void,
    onResponse: (_, response) => Effect.sync(() => void (failures = response.status >= 500 ? failures + 1 : 0)),
    onException: () => Effect.sync(() => void failures++)
  })
}

const NotFound = Schema.Struct({ missing: Schema.String })

const Api = Spec.make({
  getUser: Endpoint.get("/user/{id}", {
    success: Schema.Struct({ id: Schema.Number }),
    error: NotFound,
    mock: { type: "json", data: { id: 1 } }
  }),
  broken: Endpoint.get("/broken", { mock: { type: "json", status: 503, data: {} } })
})

const mocked = <A, E>(effect: Effect.Effect<A, E, Mock.Registry | Transport.Transport | Scope.Scope>) =>
  effect.pipe(Effect.scoped, Effect.provide(NodeMockTransport.layer))

const baseUrl = "http://users.test"

// --- types: a plugin's error type is inferred from its hooks, less what it passes on ---
type BreakerError = Plugin.ErrorOf<ReturnType<typeof breaker>>
export const breakerError: Equals<BreakerError, CircuitOpen> = true
export const retryError: Equals<Plugin.ErrorOf<ReturnType<typeof Retry.make>>, never> = true
export const poolError: Equals<Plugin.ErrorOf<ReturnType<typeof Pool.make>>, LimiterError.LimiterError> = true
export const listError: Equals<
  Plugin.ErrorOf<[ReturnType<typeof breaker>, ReturnType<typeof Timeout.make>, ReturnType<typeof Auth.make>]>,
  CircuitOpen | PluginError
> = true

type GetUserError<C> = C extends { readonly getUser: (...args: any) => Effect.Effect<any, infer E, any> } ? E : never
type Body = Schema.Schema.Type<typeof NotFound>

describe("plugin contract: a user's plugin with its own error", () => {
  it.effect("the client's error type is exactly the core's errors plus its plugins'", () =>
    mocked(Effect.gen(function*() {
      const bare = yield* ServiceClient.make(Api, { name: "users", baseUrl })
      const withPool = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [Pool.make({ limit: 2 })] })
      const withBreaker = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [Retry.make(), breaker(1)] })
      const exactBare: Equals<GetUserError<typeof bare>, CoreError<Body>> = true
      const exactPool: Equals<GetUserError<typeof withPool>, CoreError<Body> | LimiterError.LimiterError> = true
      const exactBreaker: Equals<GetUserError<typeof withBreaker>, CoreError<Body> | CircuitOpen> = true
      // @ts-expect-error a client without Pool has no TooManyRequestsPending in its type
      const noPoolError: Equals<GetUserError<typeof bare>, CoreError<Body> | LimiterError.LimiterError> = true
      // @ts-expect-error nor a client with a breaker only
      const noPoolError2: Equals<GetUserError<typeof withBreaker>, CoreError<Body> | LimiterError.LimiterError | CircuitOpen> = true
      // @ts-expect-error catchTag knows only the tags the client can fail with
      bare.getUser({ id: 1 }).pipe(Effect.catchTag("TooManyRequestsPending", () => Effect.void))
      assert.isTrue(exactBare && exactPool && exactBreaker && noPoolError && noPoolError2)
      assert.deepStrictEqual(yield* withPool.getUser({ id: 1 }), { id: 1 })
    })))

  it.effect("the plugin's own error is raised as it is and caught with catchTag", () =>
    mocked(Effect.gen(function*() {
      const users = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [breaker(2)] })
      for (let i = 0; i < 2; i++) {
        const failed = yield* Effect.flip(users.broken())
        assert.strictEqual(failed._tag, "ResponseError")
      }
      const recovered = yield* users.getUser({ id: 1 }).pipe(
        Effect.map(() => "answered"),
        Effect.catchTag("CircuitOpen", (e) => Effect.succeed(`open: ${e.message}`))
      )
      assert.strictEqual(recovered, "open: users.getUser: the circuit is open")
      // the circuit opened before any I/O: the mock saw only the two broken calls
      assert.strictEqual((yield* Mock.calls).length, 2)
    })))

  it.effect("a Tag names the plugins' errors with Plugin.ErrorOf; a missing one is a compile error", () =>
    Effect.gen(function*() {
      const plugins = [breaker(1)] as const
      class Users extends Context.Tag("Users")<Users, ServiceClient.Client<typeof Api, Plugin.ErrorOf<typeof plugins>>>() {}
      class Narrow extends Context.Tag("Narrow")<Narrow, ServiceClient.Client<typeof Api>>() {}
      const live = ServiceClient.layer(Users, Api, { name: "users", baseUrl, plugins })
      // @ts-expect-error the Tag's client type does not name CircuitOpen
      ServiceClient.layer(Narrow, Api, { name: "users", baseUrl, plugins })
      const auth = Auth.make({ token: Effect.succeed(Redacted.make("t")) })
      // @ts-expect-error nor PluginError (Auth)
      ServiceClient.layer(Users, Api, { name: "users", baseUrl, plugins: [auth] })
      const answer = yield* Effect.flatMap(Users, (users) => users.getUser({ id: 1 })).pipe(
        Effect.catchTag("CircuitOpen", () => Effect.succeed({ id: -1 })),
        Effect.provide(live),
        Effect.provide(NodeMockTransport.layer)
      )
      assert.deepStrictEqual(answer, { id: 1 })
    }))
})
