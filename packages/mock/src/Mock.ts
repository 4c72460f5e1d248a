/**
 * Per-test mock overrides and the record of every request the mock transport received.
 * `Mock.use` answers matching calls with a handler, `Mock.patch` changes the endpoint's
 * mock description for matching calls; both last as long as the scope that added them,
 * newest first, and are consumed as the seed's MockManager consumed them (`offset`
 * matching calls skipped first, then `limit` uses; `limit: 0` never runs out).
 *
 * @since 0.1.0
 */
import type { Endpoint, Session } from "@service-client/core"
import { type CallError, safeDisplay } from "@service-client/core/Errors"
import { Context, Data, type Duration, Effect, Either, Layer, type Scope } from "effect"
import * as Chaos from "./Chaos.js"

/**
 * What a mock answers: the same shape as an endpoint's `mock` description.
 *
 * @since 0.1.0
 * @category models
 */
export type Response = Endpoint.MockDescription

/**
 * A shallow patch of an endpoint's mock description.
 *
 * @since 0.1.0
 * @category models
 */
export interface Patch {
  readonly type?: "json" | "raw" | "file" | "arbitrary" | undefined
  readonly data?: unknown
  readonly file?: string | undefined
  readonly seed?: number | undefined
  readonly check?: boolean | undefined
  readonly status?: number | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly delay?: Duration.DurationInput | undefined
}

/**
 * The options of a response built by {@link json}, {@link raw} or {@link file}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseOptions {
  /** Default 200. */
  readonly status?: number | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Time before the status and headers arrive (slept on Effect's Clock). */
  readonly delay?: Duration.DurationInput | undefined
  /** `false`: answer it even when the endpoint's Schemas do not describe it. Default `true`. */
  readonly check?: boolean | undefined
}

/**
 * A request as the mock transport received it, after every plugin ran.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly service: string
  readonly endpoint: string
  readonly method: string
  /** The full URL with its query string. */
  readonly url: string
  /** The filled path, without the base URL and the query string. */
  readonly path: string
  /** Lower-cased names, as sent. */
  readonly headers: Readonly<Record<string, string>>
  /**
   * The body as sent: `undefined`, a string or bytes. A streamed request body
   * (`streamRequest`) is read to its end, as a server would, and recorded as bytes.
   */
  readonly body: string | Uint8Array | undefined
  /** Whether the body was sent as a stream. */
  readonly streamed: boolean
  /** The body as UTF-8 text (`""` for no body). */
  readonly text: string
}

/**
 * Answers a call. Fail with {@link fail} to simulate a transport failure, with any call
 * error (`TimeoutError`, `NoMock`...) to raise it as it is, or never answer
 * (`Effect.never`) to let a timeout fire.
 *
 * @since 0.1.0
 * @category models
 */
export type Handler<E = never, R = never> = (request: Request) => Effect.Effect<Response, E, R>

/**
 * Which calls an override answers.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Only calls of this service (the client's `name`); any service when absent. */
  readonly service?: string | undefined
  /** Only calls of this endpoint; any endpoint when absent. */
  readonly endpoint?: string | undefined
  /** Matching calls to let through (to older overrides or the endpoint's mock) first. Default 0. */
  readonly offset?: number | undefined
  /** How many calls the override answers; `0` means no limit. Default 1. */
  readonly limit?: number | undefined
}

/**
 * A registered override (internal state of the registry).
 *
 * @since 0.1.0
 * @category models
 */
export type Override =
  | { readonly _tag: "Use"; readonly handler: Handler<Failure | CallError>; readonly match: Match }
  | { readonly _tag: "Patch"; readonly patch: Patch; readonly match: Match }

/**
 * @since 0.1.0
 * @category models
 */
export interface Match {
  readonly service: string | undefined
  readonly endpoint: string | undefined
  /** Matching calls still to skip. */
  skip: number
  /** Uses left; 0 = no limit. */
  remaining: number
}

/**
 * A simulated transport failure: the call fails with `RequestError` (reason `Transport`).
 *
 * @since 0.1.0
 * @category errors
 */
export class Failure extends Data.TaggedError("MockFailure")<{
  readonly cause: unknown
  readonly description?: string | undefined
}> {
  override get message() {
    return this.description ?? "a simulated transport failure"
  }
}
safeDisplay(Failure)

/**
 * An override was given bad options (a negative `limit`, a fractional `offset`...).
 *
 * @since 0.1.0
 * @category errors
 */
export class MockOptionsError extends Data.TaggedError("MockOptionsError")<{
  readonly key: string
  readonly reason: string
}> {
  override get message() {
    return `Mock option "${this.key}": ${this.reason}`
  }
}
safeDisplay(MockOptionsError)

/**
 * A source of answers consulted after the overrides and before the endpoint's own mock
 * (a recording, see `Replay`): it answers a description and names where it comes from,
 * answers why it cannot answer the call (`miss`: the call fails with `NoMock`), or passes
 * (`undefined`).
 *
 * @since 0.1.0
 * @category models
 */
export type Source = (
  session: Session.Session
) => { readonly desc: unknown; readonly source: string } | { readonly miss: string } | undefined

/**
 * The registry of overrides and recorded calls that the mock transport reads.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Adds an override (newest first) until the scope closes. */
  readonly add: (override: Override) => Effect.Effect<void, never, Scope.Scope>
  /** The override that answers this call, consuming one use (or one skip of the ones before it). */
  readonly take: (service: string, endpoint: string) => Override | undefined
  /** Adds a source of answers (newest first) until the scope closes. */
  readonly addSource: (source: Source) => Effect.Effect<void, never, Scope.Scope>
  /** The sources, newest first. */
  readonly sources: ReadonlyArray<Source>
  /** Adds a fault injector (`Mock.chaos`) until the scope closes. */
  readonly addFaults: (injector: Chaos.Injector) => Effect.Effect<void, never, Scope.Scope>
  /** The fault injectors, oldest first. */
  readonly faults: ReadonlyArray<Chaos.Injector>
  readonly record: (request: Request) => void
  readonly calls: Effect.Effect<ReadonlyArray<Request>>
  readonly clearCalls: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Registry extends Context.Tag("@service-client/mock/Mock/Registry")<Registry, Service>() {}

/**
 * A new, empty registry.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeRegistry = (): Service => {
  const overrides: Array<Override> = []
  const sources: Array<Source> = []
  const faults: Array<Chaos.Injector> = []
  let calls: Array<Request> = []
  return {
    sources,
    faults,
    addFaults: (injector) =>
      Effect.acquireRelease(
        Effect.sync(() => void faults.push(injector)),
        () =>
          Effect.sync(() => {
            const i = faults.indexOf(injector)
            if (i >= 0) faults.splice(i, 1)
          })
      ),
    addSource: (source) =>
      Effect.acquireRelease(
        Effect.sync(() => void sources.unshift(source)),
        () =>
          Effect.sync(() => {
            const i = sources.indexOf(source)
            if (i >= 0) sources.splice(i, 1)
          })
      ),
    add: (override) =>
      Effect.acquireRelease(
        Effect.sync(() => void overrides.unshift(override)),
        () =>
          Effect.sync(() => {
            const i = overrides.indexOf(override)
            if (i >= 0) overrides.splice(i, 1)
          })
      ),
    take: (service, endpoint) => {
      for (let i = 0; i < overrides.length; i++) {
        const override = overrides[i]!
        const match = override.match
        if (match.service !== undefined && match.service !== service) continue
        if (match.endpoint !== undefined && match.endpoint !== endpoint) continue
        if (match.skip > 0) {
          match.skip--
          continue
        }
        if (match.remaining === 1) overrides.splice(i, 1)
        else if (match.remaining > 1) match.remaining--
        return override
      }
      return undefined
    },
    record: (request) => void calls.push(request),
    calls: Effect.sync(() => calls.slice()),
    clearCalls: Effect.sync(() => void (calls = []))
  }
}

/**
 * A fresh registry (`MockTransport.layer` already provides one).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Registry> = Layer.sync(Registry, makeRegistry)

const checkCount = (key: string, value: unknown, fallback: number): number | MockOptionsError => {
  if (value === undefined) return fallback
  return typeof value === "number" && Number.isInteger(value) && value >= 0
    ? value
    : new MockOptionsError({ key, reason: `expected a whole number >= 0, got ${String(value)}` })
}

const checkName = (key: string, value: unknown): string | undefined | MockOptionsError =>
  value === undefined || (typeof value === "string" && value.length > 0)
    ? value
    : new MockOptionsError({ key, reason: `expected a non-empty string, got ${String(value)}` })

const makeMatch = (options: Options | undefined): Match | MockOptionsError => {
  const service = checkName("service", options?.service)
  if (service instanceof MockOptionsError) return service
  const endpoint = checkName("endpoint", options?.endpoint)
  if (endpoint instanceof MockOptionsError) return endpoint
  const skip = checkCount("offset", options?.offset, 0)
  if (skip instanceof MockOptionsError) return skip
  const remaining = checkCount("limit", options?.limit, 1)
  if (remaining instanceof MockOptionsError) return remaining
  return { service, endpoint, skip, remaining }
}

/**
 * Answers matching calls with `handler` until the scope closes. The handler sees the
 * request as sent (after every plugin ran) and returns {@link json}, {@link raw},
 * {@link file}, fails with {@link fail}, or never answers. Its requirements are taken
 * from where `use` runs.
 *
 * **Example**
 *
 * ```ts
 * yield* Mock.use(() => Mock.json({ id: 12 }, { status: 201 }), { endpoint: "createUser" })
 * yield* Mock.use(() => Mock.fail(new Error("connection reset")), { service: "users", limit: 0 })
 * yield* Mock.use(() => Effect.never, { endpoint: "getUser" }) // for a timeout
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const use = <E extends Failure | CallError = never, R = never>(
  handler: Handler<E, R>,
  options?: Options
): Effect.Effect<void, MockOptionsError, Registry | Scope.Scope | R> =>
  Effect.gen(function*() {
    const match = makeMatch(options)
    if (match instanceof MockOptionsError) return yield* match
    const context = yield* Effect.context<R>()
    const registry = yield* Registry
    yield* registry.add({
      _tag: "Use",
      handler: (request) => Effect.provide(Effect.suspend(() => handler(request)), context),
      match
    })
  })

/**
 * Shallowly merges `patch` into the endpoint's mock description for matching calls
 * until the scope closes.
 *
 * **Example**
 *
 * ```ts
 * yield* Mock.patch({ status: 404, data: { error: "not found" } }, { endpoint: "getUser", limit: 0 })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const patch = (
  changes: Patch,
  options?: Options
): Effect.Effect<void, MockOptionsError, Registry | Scope.Scope> =>
  Effect.gen(function*() {
    const match = makeMatch(options)
    if (match instanceof MockOptionsError) return yield* match
    if (typeof changes !== "object" || changes === null) {
      return yield* new MockOptionsError({ key: "patch", reason: "expected an object" })
    }
    const registry = yield* Registry
    yield* registry.add({ _tag: "Patch", patch: changes, match })
  })

const withOptions = <A extends object>(base: A, options: ResponseOptions | undefined): A => {
  if (options === undefined) return base
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) }
  if (options.status !== undefined) out.status = options.status
  if (options.headers !== undefined) out.headers = options.headers
  if (options.delay !== undefined) out.delay = options.delay
  if (options.check !== undefined) out.check = options.check
  return out as A
}

/**
 * A JSON response (`content-type: application/json` unless the headers set one).
 *
 * @since 0.1.0
 * @category constructors
 */
export const json = (data: unknown, options?: ResponseOptions): Effect.Effect<Response> =>
  Effect.succeed(withOptions({ type: "json" as const, data }, options))

/**
 * A response with this body as it is (a string is sent as UTF-8).
 *
 * @since 0.1.0
 * @category constructors
 */
export const raw = (data: string | Uint8Array, options?: ResponseOptions): Effect.Effect<Response> =>
  Effect.succeed(withOptions({ type: "raw" as const, data }, options))

/**
 * A response whose body is the content of a file (a relative path resolves against the
 * process's working directory).
 *
 * @since 0.1.0
 * @category constructors
 */
export const file = (path: string, options?: ResponseOptions): Effect.Effect<Response> =>
  Effect.succeed(withOptions({ type: "file" as const, file: path }, options))

/**
 * A response generated from the endpoint's success Schema (effect's `Arbitrary` with
 * fast-check): the same data for the same `seed`; without one, a seed drawn from the
 * call's `Random` (seedable in tests). A `status` outside 2xx is refused: there is no
 * Schema to generate an error body from.
 *
 * **Example**
 *
 * ```ts
 * yield* Mock.use(() => Mock.arbitrary({ seed: 42 }), { endpoint: "getUser", limit: 0 })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const arbitrary = (
  options?: ResponseOptions & { readonly seed?: number | undefined }
): Effect.Effect<Response> =>
  Effect.succeed(
    withOptions(
      options?.seed === undefined ? { type: "arbitrary" as const } : { type: "arbitrary" as const, seed: options.seed },
      options
    )
  )

/**
 * Injects faults into every answer of the mock transport until the scope closes: a delay
 * (slept on the call's Clock, so `TestClock.adjust` drives it), a share of transport
 * failures (`RequestError`, reason `Transport`, caused by `Chaos.ChaosFailure`) and of
 * answers with the given statuses, drawn from a generator seeded by `seed` (the same
 * faults in the same call order for the same seed). Bad options fail with `MockOptionsError`.
 *
 * **Example**
 *
 * ```ts
 * yield* Mock.chaos({ latency: "100 millis", failureRate: 0.1, statuses: { 429: 0.1, 503: 0.1 }, seed: 7 })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const chaos = (options: Chaos.Options): Effect.Effect<void, MockOptionsError, Registry | Scope.Scope> =>
  Effect.gen(function*() {
    const built = Chaos.injector(options ?? {})
    if (Either.isLeft(built)) return yield* new MockOptionsError({ key: "chaos", reason: built.left })
    const registry = yield* Registry
    yield* registry.addFaults(built.right)
  })

/**
 * A transport failure: the call fails with `RequestError` (reason `Transport`) carrying
 * `cause`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fail = (cause: unknown, description?: string): Effect.Effect<never, Failure> =>
  Effect.fail(new Failure({ cause, description }))

/**
 * Every request the mock transport received so far, oldest first, as sent (after every
 * plugin ran).
 *
 * @since 0.1.0
 * @category accessors
 */
export const calls: Effect.Effect<ReadonlyArray<Request>, never, Registry> = Effect.flatMap(
  Registry,
  (registry) => registry.calls
)

/**
 * Forgets the recorded requests.
 *
 * @since 0.1.0
 * @category combinators
 */
export const clearCalls: Effect.Effect<void, never, Registry> = Effect.flatMap(
  Registry,
  (registry) => registry.clearCalls
)
