/**
 * The service client: built from a spec and options by a scoped Effect, it has one method
 * per endpoint returning the decoded success value, and `call(name, input)` returning the
 * whole `ServiceResponse`. Every call runs through the plugins' hooks.
 *
 * @since 0.1.0
 */
import { Config, type ConfigError, Context, Effect, Either, Layer, Redacted, type Scope, type Stream } from "effect"
import type * as Endpoint from "./Endpoint.js"
import { type CallError, type CoreErrorBase, InputError, type ResponseErrors, SpecError } from "./Errors.js"
import { type ClientContext, compile, userAgent as defaultUserAgent } from "./internal/call.js"
import { normalizeBaseUrl } from "./internal/path.js"
import * as PluginSettings from "./internal/settings.js"
import * as Pagination from "./Pagination.js"
import * as Parser from "./Parser.js"
import * as Plugin from "./Plugin.js"
import * as Redact from "./Redact.js"
import * as Serializer from "./Serializer.js"
import type { ServiceResponse } from "./ServiceResponse.js"
import type * as Spec from "./Spec.js"
import * as Transport from "./Transport.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<Plugins extends ReadonlyArray<Plugin.PluginLike> = ReadonlyArray<Plugin.PluginLike>> {
  /** The service's name, in errors and logs. */
  readonly name: string
  /**
   * Absolute http(s) URL, optionally with a path prefix; no query, fragment or
   * credentials. Optional when the spec has a default (`spec.baseUrl`, e.g. an OpenAPI
   * document's server). A `Redacted` (or `Config.redacted(...)`) works too: an error
   * about it never shows credentials or secret query values.
   */
  readonly baseUrl?: BaseUrl | undefined
  /** Plugins or the scoped Effects that build them; the first is the outermost `aroundSend`. */
  readonly plugins?: Plugins | undefined
  /** Fail any call whose response body is larger than this (bytes); endpoints may set their own. */
  readonly maxResponseBytes?: number | undefined
  /**
   * What a redirect does (default `"follow"`); endpoints and calls may set their own. The
   * core follows redirects itself, the same way over every transport.
   */
  readonly redirect?: Endpoint.RedirectPolicy | undefined
  /** The most redirects a call follows (default 5); one more is a `RequestError` (`Redirect`). */
  readonly maxRedirects?: number | undefined
  /**
   * More header and query parameter names whose values never show in this client's
   * errors and log records (see `Redact`); the loggers add these to their own.
   */
  readonly redact?: Redact.Options | undefined
}

/**
 * A base URL as given: text, `Redacted` text, or a `Config` of either.
 *
 * @since 0.1.0
 * @category models
 */
export type BaseUrl =
  | string
  | Redacted.Redacted<string>
  | Config.Config<string>
  | Config.Config<Redacted.Redacted<string>>

/**
 * The `User-Agent` every request carries unless the endpoint, a plugin or the call sets
 * another (or removes it with `null`): `effect-service-client/<version>`.
 *
 * @since 0.1.0
 * @category constants
 */
export const userAgent: string = defaultUserAgent

type EndpointsOf<S> = S extends Spec.Spec<infer E> ? E : never

type ArgsOf<I> = {} extends I ? [input?: I] : [input: I]

/** The arguments of a call whose input is inferred as written (`X`), checked (`Endpoint.CheckInput`). */
type CheckedArgs<X, I, T extends string> = {} extends I ? [input?: X & NoInfer<Endpoint.CheckInput<X, I, T>>]
  : [input: X & NoInfer<Endpoint.CheckInput<X, I, T>>]

/**
 * A call of an endpoint of path `P` and input `I` answering `R`: an endpoint with path
 * tokens takes its input as written (a `const` type parameter), so that an empty token
 * literal is a compile error.
 */
type Method<P extends string, I, R> = [Endpoint.TokensOf<P>] extends [never] ? (...args: ArgsOf<I>) => R
  : <const X extends I = I>(...args: CheckedArgs<X, I, Endpoint.TokensOf<P>>) => R

/**
 * The method of an endpoint: input in, decoded success value out. It fails with the core's
 * errors (`CoreError<B>`, `B` the endpoint's decoded error body, written as
 * `CoreErrorBase | ResponseErrors<B>`) or the plugins' own `PE`.
 *
 * @since 0.1.0
 * @category models
 */
export type MethodOf<T, PE = never, R = never> = T extends Endpoint.Endpoint<infer P, infer I, infer A, infer B>
  ? Method<P, I, Effect.Effect<A, CoreErrorBase | ResponseErrors<B> | PE, R>>
  : never

/**
 * The methods of endpoints `Es` (needing `R`). Its variance is declared: a type that holds
 * it (`Client`, a Tag's statics) is then related by its arguments, not by measuring every
 * method's type again with marker types (which `ServiceClient.layer`'s inference from a
 * Tag asked for).
 */
type Methods<in out Es, out PE, out R> = { readonly [K in keyof Es]: MethodOf<Es[K], PE, R> }

type OptionalInputNames<E> = { [K in keyof E & string]: {} extends Endpoint.Input<E[K]> ? K : never }[keyof E & string]

type Checked<X, T> = X & NoInfer<Endpoint.CheckInput<X, Endpoint.Input<T>, Endpoint.TokensOf<PathOf<T>>>>
type PathOf<T> = T extends Endpoint.Endpoint<infer P, any, any, any> ? P : never

/**
 * `call(name, input)` of a client of endpoints `E` whose plugins raise `PE`, needing
 * `R`: one signature for the endpoints whose input may be left out, one for the others
 * (a rest parameter whose shape depends on the name would lose the input's literal types,
 * which `Endpoint.CheckInput` reads).
 *
 * @since 0.2.0
 * @category models
 */
export interface Call<in out E, out PE, out R> {
  <K extends Exclude<keyof E & string, OptionalInputNames<E>>, const X extends Endpoint.Input<E[K]>>(
    name: K,
    input: Checked<X, E[K]>
  ): Effect.Effect<ServiceResponse<Endpoint.Success<E[K]>>, ErrorOf<E[K], PE>, R>
  <K extends OptionalInputNames<E>, const X extends Endpoint.Input<E[K]> = Endpoint.Input<E[K]>>(
    name: K,
    input?: Checked<X, E[K]>
  ): Effect.Effect<ServiceResponse<Endpoint.Success<E[K]>>, ErrorOf<E[K], PE>, R>
}

/**
 * The errors a call to endpoint `T` of a client whose plugins raise `PE` can fail with.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ErrorOf<T, PE = never> = CoreErrorBase | ResponseErrors<Endpoint.ErrorBodies<T>> | PE

/**
 * A client of spec `S` whose plugins add the errors `E` (`Plugin.ErrorOf<typeof plugins>`;
 * none by default) to the core's.
 *
 * A mapped type whose variance is declared (over the endpoints' methods and the other
 * members), not an intersection: relating two clients (an `Effect.Tag`'s
 * service, `ServiceClient.layer` inferring `S` and `E` from a Tag) compares `S` and `E`.
 * As an intersection, the compiler measured the alias's variance with marker types, and
 * as no single member related, compared the whole intersection structurally down to
 * `MethodOf`, `Method` and `CoreError`, measuring each of their variances in turn.
 *
 * @since 0.1.0
 * @category models
 */
export type Client<in out S extends Spec.Any, out E = never> = {
  readonly [K in keyof ClientShape<S, E>]: ClientShape<S, E>[K]
}

// mapped over `keyof` of the intersection: the members' names stay, besides an untyped
// spec's index signature
type ClientShape<S extends Spec.Any, E> = Methods<EndpointsOf<S>, E, never> & Members<S, E>

/** What a client has besides its methods (its variance declared, as for `Methods`). */
interface Members<in out S extends Spec.Any, out E> {
  /** The service's name. */
  readonly service: string
  readonly spec: S
  /** Calls an endpoint by name and returns the whole response. */
  readonly call: Call<EndpointsOf<S>, E, never>
  /**
   * The items of every page of a paged endpoint, as a Stream: each page is a call (through
   * the plugins) with the input the strategy works out (`Pagination.link`, `cursor`,
   * `offset`, `page`). `Pagination.pages` gives the pages.
   */
  readonly paginate: <K extends keyof EndpointsOf<S> & string, Item>(
    name: K,
    input: Endpoint.Input<EndpointsOf<S>[K]>,
    strategy: Pagination.Strategy<Endpoint.Success<EndpointsOf<S>[K]>, Item>
  ) => Stream.Stream<Item, ErrorOf<EndpointsOf<S>[K], E> | Pagination.PaginationError>
}

/**
 * The errors of building a client with plugins `P`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type MakeError<P extends ReadonlyArray<Plugin.PluginLike>> =
  | SpecError
  | ConfigError.ConfigError
  | Plugin.BuildErrorOf<P[number]>

/**
 * What building a client with plugins `P` needs besides `Transport` and `Scope`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type MakeContext<P extends ReadonlyArray<Plugin.PluginLike>> = Plugin.ContextOf<P[number]>

/**
 * Builds a client. Closing the scope closes every plugin; later calls fail with
 * `ClientClosed`. Fails with `SpecError` for a bad name or baseUrl.
 *
 * **Example**
 *
 * ```ts
 * const users = yield* ServiceClient.make(UserApi, { name: "users", baseUrl: "http://127.0.0.1:8080" })
 * const user = yield* users.getUser({ user_id: 12 })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <S extends Spec.Any, const P extends ReadonlyArray<Plugin.PluginLike> = []>(
  spec: S,
  options: Options<P>
): Effect.Effect<Client<S, Plugin.ErrorOf<P>>, MakeError<P>, Transport.Transport | Scope.Scope | MakeContext<P>> =>
  Effect.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* new SpecError({ key: "options", reason: "expected the client's options: { name, baseUrl, ... }" })
    }
    const service = options.name
    if (typeof service !== "string" || service.length === 0) {
      return yield* new SpecError({ key: "name", reason: "the service needs a non-empty name" })
    }
    const redaction = Redact.make(options.redact)
    if (typeof redaction === "string") return yield* new SpecError({ service, key: "redact", reason: redaction })
    const given = options.baseUrl ?? spec.baseUrl
    if (given === undefined) {
      return yield* new SpecError({ service, key: "baseUrl", reason: "no baseUrl: give one (the spec has no default)" })
    }
    const configured: unknown = Config.isConfig(given) ? yield* (given as Config.Config<unknown>) : given
    const givenUrl = Redacted.isRedacted(configured) ? Redacted.value(configured) : configured
    const normal = normalizeBaseUrl(givenUrl)
    if (typeof normal === "string") return yield* new SpecError({ service, key: "baseUrl", reason: normal })
    const baseUrl = normal.url
    const max = options.maxResponseBytes
    if (max !== undefined && !(Number.isInteger(max) && max > 0)) {
      return yield* new SpecError({ service, key: "maxResponseBytes", reason: "expected a positive whole number" })
    }
    const redirect = options.redirect ?? "follow"
    if (redirect !== "follow" && redirect !== "manual" && redirect !== "error") {
      return yield* new SpecError({ service, key: "redirect", reason: `expected "follow", "manual" or "error"` })
    }
    const maxRedirects = options.maxRedirects ?? 5
    if (!(Number.isInteger(maxRedirects) && maxRedirects >= 0 && maxRedirects <= 100)) {
      return yield* new SpecError({ service, key: "maxRedirects", reason: "expected a whole number from 0 to 100" })
    }
    const list: ReadonlyArray<unknown> = options.plugins ?? []
    if (!Array.isArray(list)) return yield* new SpecError({ service, key: "plugins", reason: "expected an array" })
    const plugins: Array<Plugin.Plugin<any>> = []
    for (let i = 0; i < list.length; i++) {
      const p = list[i]
      const plugin: unknown = !Plugin.isPlugin(p) && Effect.isEffect(p) ? yield* (p as Effect.Effect<unknown>) : p
      if (!Plugin.isPlugin(plugin)) {
        return yield* new SpecError({
          service,
          key: `plugins[${i}]`,
          reason: "expected a plugin (Timeout.make(), not Timeout.make)"
        })
      }
      plugins.push(plugin)
    }
    for (const p of plugins) {
      if (p.close !== undefined) yield* Effect.addFinalizer(() => p.close!)
    }
    // the endpoints' keys the core does not read belong to a plugin of this client: decoded by its Schema
    const settings = new Map<string, PluginSettings.Compiled>()
    for (const [name, endpoint] of Object.entries(spec.endpoints)) {
      // a spec with a file but no lines (SpecLoader.fromRecord(data, { file })) still names the file
      const locate = spec.locate ?? (spec.file === undefined ? undefined : () => ({ file: spec.file }))
      const checked = PluginSettings.compile(service, name, endpoint, plugins, locate, redaction)
      if (Either.isLeft(checked)) return yield* checked.left
      settings.set(name, checked.right)
    }
    const state = { closed: false }
    yield* Effect.addFinalizer(() => Effect.sync(() => void (state.closed = true)))
    const ctx: ClientContext = {
      service,
      baseUrl,
      transport: yield* Transport.Transport,
      serializer: yield* Serializer.Serializer,
      parser: yield* Parser.Parser,
      plugins,
      maxResponseBytes: max,
      redirect,
      maxRedirects,
      redaction,
      state
    }
    const calls = new Map<string, (input: unknown) => Effect.Effect<ServiceResponse, CallError>>()
    const client: Record<string, unknown> = {}
    for (const [name, endpoint] of Object.entries(spec.endpoints)) {
      const call = compile(ctx, name, endpoint, settings.get(name)!)
      calls.set(name, call.response)
      client[name] = call.data
    }
    client.service = service
    client.spec = spec
    client.call = (name: string, input?: unknown) =>
      calls.get(name)?.(input) ??
        Effect.fail(new InputError({ service, endpoint: String(name), reason: "no such endpoint in the spec" }))
    client.paginate = (name: string, input: unknown, strategy: Pagination.Strategy<unknown, unknown>) =>
      Pagination.items(
        { service, endpoint: name },
        (pageInput) =>
          (client.call as (n: string, i: unknown) => Effect.Effect<ServiceResponse, CallError>)(name, pageInput),
        input,
        strategy
      )
    return Object.freeze(client) as Client<S, Plugin.ErrorOf<P>>
  })

/**
 * The static methods of a `ServiceClient.Tag` class: one per endpoint, plus `call`, each
 * an Effect that needs the Tag.
 *
 * @since 0.1.0
 * @category models
 */
export type TagMethods<Self, S extends Spec.Any, E> = Methods<EndpointsOf<S>, E, Self> & {
  readonly call: Call<EndpointsOf<S>, E, Self>
}

/**
 * A service Tag for a client of `spec`: a `Context.Tag` class whose statics are the
 * client's methods (`yield* UserService.getUser(12)`, `UserService.call(...)`), generated
 * from the spec rather than through `Effect.Tag`'s accessors (which Effect 4 removes).
 * Name the plugins' errors as the second type argument. Build it with
 * `ServiceClient.layer(UserService, Api, options)`.
 *
 * **Example**
 *
 * ```ts
 * class UserService extends ServiceClient.Tag<UserService>()("UserService", UserApi) {}
 * const program = Effect.gen(function*() {
 *   const user = yield* UserService.getUser(12)
 * })
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const Tag = <Self, E = never>() =>
<const Id extends string, S extends Spec.Any>(
  id: Id,
  spec: S
): Context.TagClass<Self, Id, Client<S, E>> & TagMethods<Self, S, E> => {
  const tag = Context.Tag(id)<Self, Client<S, E>>()
  const statics = tag as unknown as Record<string, unknown>
  for (const name of Object.keys(spec.endpoints)) {
    statics[name] = (input?: unknown) =>
      Effect.flatMap(
        tag,
        (client) => (client as unknown as Record<string, (i: unknown) => Effect.Effect<unknown>>)[name]!(input)
      )
  }
  statics.call = (name: string, input?: unknown) =>
    Effect.flatMap(
      tag,
      (client) => (client.call as unknown as (n: string, i: unknown) => Effect.Effect<unknown>)(name, input)
    )
  return tag as unknown as Context.TagClass<Self, Id, Client<S, E>> & TagMethods<Self, S, E>
}

/**
 * A Layer that builds the client for `tag`, so that `yield* UserService.getUser(...)` works
 * with an `Effect.Tag`.
 *
 * **Example**
 *
 * ```ts
 * class UserService extends Effect.Tag("UserService")<UserService, ServiceClient.Client<typeof UserApi>>() {}
 * const UserServiceLive = ServiceClient.layer(UserService, UserApi, { name: "users", baseUrl: Config.string("USERS_URL") })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <I, S extends Spec.Any, E, const P extends ReadonlyArray<Plugin.PluginLike> = []>(
  tag: Context.Tag<I, Client<S, E>>,
  spec: S,
  options: Options<P> & CheckErrors<Plugin.ErrorOf<P>, E>
): Layer.Layer<I, MakeError<P>, Transport.Transport | MakeContext<P>> =>
  Layer.scoped(
    tag,
    make(spec, options) as Effect.Effect<Client<S, E>, MakeError<P>, Transport.Transport | Scope.Scope | MakeContext<P>>
  )

/**
 * The options of {@link layerConfig}: each plain option may be a `Config` of it (`baseUrl`
 * already may), read when the layer is built; the plugins are given as they are.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigOptions<P extends ReadonlyArray<Plugin.PluginLike> = ReadonlyArray<Plugin.PluginLike>> =
  & ConfigFields<Omit<Options<P>, "plugins" | "baseUrl">>
  & { readonly baseUrl?: BaseUrl | undefined; readonly plugins?: P | undefined }

type ConfigFields<O> = { readonly [K in keyof O]: O[K] | Config.Config<Exclude<O[K], undefined>> }

/**
 * {@link layer} with options read from effect's `Config` when the layer is built (a
 * missing or invalid value fails it with a `ConfigError`).
 *
 * **Example**
 *
 * ```ts
 * class UserService extends Effect.Tag("UserService")<UserService, ServiceClient.Client<typeof UserApi>>() {}
 * const UserServiceLive = ServiceClient.layerConfig(UserService, UserApi, {
 *   name: "users",
 *   baseUrl: Config.string("USERS_URL"),
 *   maxResponseBytes: Config.integer("USERS_MAX_RESPONSE_BYTES").pipe(Config.withDefault(1_048_576))
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = <I, S extends Spec.Any, E, const P extends ReadonlyArray<Plugin.PluginLike> = []>(
  tag: Context.Tag<I, Client<S, E>>,
  spec: S,
  options: ConfigOptions<P> & CheckErrors<Plugin.ErrorOf<P>, E>
): Layer.Layer<I, MakeError<P>, Transport.Transport | MakeContext<P>> => {
  const { baseUrl, plugins, ...fields } = options as ConfigOptions<P>
  const configs: Record<string, Config.Config<unknown>> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) configs[key] = Config.isConfig(value) ? value : Config.succeed(value)
  }
  return Layer.scoped(
    tag,
    Effect.flatMap(
      Config.all(configs),
      (resolved) => make(spec, { ...resolved as Omit<Options<P>, "plugins" | "baseUrl">, baseUrl, plugins })
    ) as Effect.Effect<Client<S, E>, MakeError<P>, Transport.Transport | Scope.Scope | MakeContext<P>>
  )
}

/**
 * Rejects plugins whose errors the Tag's client type does not name.
 *
 * @since 0.1.0
 * @category type-level
 */
export type CheckErrors<PE, E> = [PE] extends [E] ? unknown : {
  readonly plugins:
    `the Tag's Client type must name the plugins' errors: ServiceClient.Client<typeof Api, Plugin.ErrorOf<typeof plugins>>`
}
