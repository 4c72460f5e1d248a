/**
 * The plugin contract from a user's seat: a plugin defined here, outside the packages,
 * owns an endpoint setting (accepted in a YAML spec, decoded by its Schema, a bad value a
 * SpecError at its line), raises its own error (typed, caught with catchTag) and writes a
 * typed attribute another plugin reads. The type assertions are checked by `tsc -b` (this
 * file is in the test project): a client's error type is exactly the core's errors plus
 * its plugins'.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import {
  Attribute,
  ClientConfig,
  type CoreError,
  Endpoint,
  Plugin,
  type PluginError,
  PluginRegistry,
  ServiceClient,
  Setting,
  Spec,
  SpecLoader,
  type Transport
} from "@service-client/core"
import { Mock } from "@service-client/mock"
import * as NodeMockTransport from "@service-client/mock/NodeMockTransport"
import { Auth, type LimiterError, Pool, Retry, type Timeout } from "@service-client/plugins"
import { Context, Data, Effect, Redacted, Schema, type Scope } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

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

/** The breaker's endpoint setting (and call-input key): its own Schema. */
const breakerSetting = Setting.make(
  "breaker",
  Schema.Struct({ threshold: Schema.Int.pipe(Schema.positive()), name: Schema.optional(Schema.String) }),
  { call: true }
)

/** What the breaker writes on every call it lets through: failures in a row so far. */
const failuresSoFar = Attribute.make<number>("failuresSoFar")

/** A breaker whose threshold each endpoint (or call) sets; circuits by endpoint. */
const configurableBreaker = (fallback: number) => {
  const failures = new Map<string, number>()
  return Plugin.make("ConfigurableBreaker", {
    prepareSession: (session) => {
      const count = failures.get(session.endpoint) ?? 0
      failuresSoFar.set(session, count)
      return count >= (breakerSetting.get(session)?.threshold ?? fallback)
        ? Effect.fail(new CircuitOpen({ service: session.service, endpoint: session.endpoint }))
        : Effect.void
    },
    onResponse: (session, response) =>
      Effect.sync(() =>
        void failures.set(session.endpoint, response.status >= 500 ? (failures.get(session.endpoint) ?? 0) + 1 : 0)
      )
  }, { settings: [breakerSetting] })
}

/** Another plugin that reads the breaker's attribute (typed) and stamps it on the request. */
const stamp = Plugin.make("Stamp", {
  prepareRequest: (session) => {
    const seen = failuresSoFar.get(session)
    if (seen !== undefined) session.headers["x-failures-so-far"] = String(seen)
    return Effect.void
  }
})

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
      // eslint-disable-next-line @typescript-eslint/no-unused-vars -- only its type is read
      const withBreaker = yield* ServiceClient.make(Api, {
        name: "users",
        baseUrl,
        plugins: [Retry.make(), breaker(1)]
      })
      const exactBare: Equals<GetUserError<typeof bare>, CoreError<Body>> = true
      const exactPool: Equals<GetUserError<typeof withPool>, CoreError<Body> | LimiterError.LimiterError> = true
      const exactBreaker: Equals<GetUserError<typeof withBreaker>, CoreError<Body> | CircuitOpen> = true
      // @ts-expect-error a client without Pool has no TooManyRequestsPending in its type
      const noPoolError: Equals<GetUserError<typeof bare>, CoreError<Body> | LimiterError.LimiterError> = true
      // @ts-expect-error nor a client with a breaker only
      const noPoolError2: Equals<
        GetUserError<typeof withBreaker>,
        CoreError<Body> | LimiterError.LimiterError | CircuitOpen
      > = true
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
      class Users
        extends Context.Tag("Users")<Users, ServiceClient.Client<typeof Api, Plugin.ErrorOf<typeof plugins>>>()
      {}
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

describe("plugin contract: a user's plugin with its own setting and attribute", () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "plugin-contract-"))
  const write = (name: string, text: string) => {
    const file = Path.join(dir, name)
    Fs.writeFileSync(file, text)
    return file
  }
  const yamlSpec = write(
    "api.yaml",
    [
      "getUser:",
      "  path: /user/{id}",
      "  mock: { type: json, data: { id: 1 } }",
      "broken:",
      "  path: /broken",
      "  breaker: { threshold: 1, name: strict }",
      "  mock: { type: json, status: 503, data: {} }",
      ""
    ].join("\n")
  )
  const badSpec = write(
    "bad.yaml",
    ["getUser:", "  path: /user/{id}", "  breaker:", "    threshold: -2", ""].join("\n")
  )
  const load = (file: string) => SpecLoader.yaml(file).pipe(Effect.provide(NodeFileSystem.layer))

  it.effect("the setting is accepted in a YAML spec, decoded by the plugin's Schema, read per endpoint", () =>
    mocked(Effect.gen(function*() {
      const spec = yield* load(yamlSpec)
      const users = yield* ServiceClient.make(spec, {
        name: "users",
        baseUrl,
        plugins: [configurableBreaker(3), stamp]
      })
      // broken's threshold is 1 (its YAML setting): the second call is refused before any I/O
      assert.strictEqual((yield* Effect.flip(users.broken()))._tag, "ResponseError")
      const refused = yield* users.broken().pipe(
        Effect.as("answered"),
        Effect.catchTag("CircuitOpen", (e) => Effect.succeed(e.endpoint))
      )
      assert.strictEqual(refused, "broken")
      // getUser has no setting: the plugin's fallback (3); the attribute reached the other plugin and the response
      const response = yield* users.call("getUser", { id: 1 })
      assert.strictEqual(failuresSoFar.get(response), 0)
      const sent = (yield* Mock.calls).map((c) => [c.endpoint, c.headers["x-failures-so-far"]])
      assert.deepStrictEqual(sent, [["broken", "0"], ["getUser", "0"]])
    })))

  it.effect("a bad value is a SpecError naming the file, line, endpoint and key; no plugin owning it, too", () =>
    mocked(Effect.gen(function*() {
      const bad = yield* load(badSpec)
      const error = yield* Effect.flip(
        ServiceClient.make(bad, { name: "users", baseUrl, plugins: [configurableBreaker(3)] })
      )
      assert.strictEqual(error._tag, "SpecError")
      if (error._tag === "SpecError") {
        assert.deepStrictEqual([error.file, error.line, error.endpoint, error.key], [
          badSpec,
          4,
          "getUser",
          "breaker.threshold"
        ])
        assert.include(error.message, `${badSpec}:4`)
      }
      const spec = yield* load(yamlSpec)
      const unowned = yield* Effect.flip(ServiceClient.make(spec, { name: "users", baseUrl }))
      assert.strictEqual(unowned._tag, "SpecError")
      if (unowned._tag === "SpecError") {
        assert.deepStrictEqual([unowned.line, unowned.endpoint, unowned.key], [6, "broken", "breaker"])
        assert.include(unowned.reason, "no plugin of this client owns it")
      }
    })))

  it.effect("a call may set it (call: true); its value is decoded before any I/O", () =>
    mocked(Effect.gen(function*() {
      const spec = yield* load(yamlSpec)
      const users = yield* ServiceClient.make(spec, { name: "users", baseUrl, plugins: [configurableBreaker(3)] })
      const invalid = yield* Effect.flip(users.call("getUser", { id: 1, breaker: { threshold: 0 } }))
      assert.strictEqual(invalid._tag, "InputError")
      if (invalid._tag === "InputError") assert.strictEqual(invalid.key, "breaker.threshold")
      assert.strictEqual((yield* Mock.calls).length, 0)
      const ok = yield* users.call("getUser", { id: 1, breaker: { threshold: 5 } })
      assert.strictEqual(ok.status, 200)
    })))

  it.effect("Spec.make and ClientConfig.makeClient go through the same Schema", () =>
    mocked(Effect.gen(function*() {
      const typed = Spec.make({
        broken: Endpoint.get("/broken", { breaker: { threshold: 0 }, mock: { type: "json", data: {} } })
      })
      const error = yield* Effect.flip(
        ServiceClient.make(typed, { name: "users", baseUrl, plugins: [configurableBreaker(3)] })
      )
      assert.strictEqual(error._tag === "SpecError" ? error.key : error._tag, "breaker.threshold")
      const configured = yield* Effect.flip(
        ClientConfig.makeClient({
          name: "users",
          baseUrl,
          spec: { getUser: { path: "/user/{id}", breaker: { threshold: "many" } } },
          plugins: [{ type: "Breaker" }]
        }).pipe(
          Effect.provide(
            PluginRegistry.layer({
              Breaker: PluginRegistry.fromSchema(Schema.Struct({}), () => configurableBreaker(3))
            })
          )
        )
      )
      assert.strictEqual(configured._tag === "SpecError" ? configured.key : configured._tag, "breaker.threshold")
    })))
})

// typed endpoint options and call input: the plugin's module augments the core's types
declare module "@service-client/core/Endpoint" {
  interface Settings {
    readonly breaker?: Setting.Type<typeof breakerSetting> | undefined
  }
  interface CommonInput {
    readonly breaker?: Setting.Type<typeof breakerSetting> | undefined
  }
}
export const typedOptions = Endpoint.get("/x", { breaker: { threshold: 2 } })
// @ts-expect-error the setting's type comes from the plugin's Schema
export const wrongType = Endpoint.get("/x", { breaker: { threshold: "2" } })
