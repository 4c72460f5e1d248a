/**
 * Fault injection: delays, transport failures and 429/503 answers, drawn from a seeded
 * generator so that one seed gives one sequence of faults. `Chaos.make` is a plugin for a
 * live client (it does nothing unless configured: no option, no fault); `Mock.chaos`
 * injects the same faults into the mock transport for tests. Delays are slept on the
 * call's Clock (`TestClock.adjust` drives them) and end at the call's deadline.
 *
 * ```ts
 * ServiceClient.make(UserApi, {
 *   name: "users",
 *   baseUrl,
 *   plugins: [Retry.make(), Chaos.make({ latency: { min: 10, max: 200 }, failureRate: 0.05, statuses: { 503: 0.1 }, seed: 1 })]
 * })
 * ```
 *
 * @since 0.1.0
 */
import {
  Deadline,
  Errors,
  Plugin,
  PluginRegistry,
  type ServiceResponse,
  type Session,
  Setting,
  SpecError,
  Transport
} from "@service-client/core"
import type { Layer } from "effect"
import { Data, Duration, Effect, Either, Random, Schema } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** A delay before every call: a fixed duration, or drawn evenly between `min` and `max`. */
  readonly latency?:
    | Duration.DurationInput
    | { readonly min: Duration.DurationInput; readonly max: Duration.DurationInput }
    | undefined
  /** The share of calls (0 to 1) that fail as if the connection broke (`RequestError`, reason `Transport`). */
  readonly failureRate?: number | undefined
  /** Statuses answered instead of the service's, each with its share of calls: `{ 429: 0.1, 503: 0.05 }`. */
  readonly statuses?: Readonly<Record<number, number>> | undefined
  /** The `retry-after` header of an injected 429/503 answer (none by default). */
  readonly retryAfter?: Duration.DurationInput | undefined
  /** The generator's seed: the same seed gives the same faults in the same order. Default 0. */
  readonly seed?: number | string | undefined
  /** Only calls of these endpoints (every endpoint by default). */
  readonly endpoints?: ReadonlyArray<string> | undefined
}

/**
 * The `chaos` setting of an endpoint (in code or a spec file) and of a call: `false`
 * keeps the Chaos plugin away from it (a health check, a payment).
 *
 * @since 0.1.0
 * @category settings
 */
export const setting = Setting.make("chaos", Schema.Boolean, { call: true })

declare module "@service-client/core/Endpoint" {
  interface Settings {
    /** Chaos: `false` keeps injected faults away from this endpoint. */
    readonly chaos?: boolean | undefined
  }
  interface CommonInput {
    /** Chaos: `false` keeps injected faults away from this call. */
    readonly chaos?: boolean | undefined
  }
}

/**
 * What Chaos injected: the `cause` of a failure's `RequestError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ChaosFailure extends Data.TaggedError("ChaosFailure")<{
  readonly service: string
  readonly endpoint: string
}> {
  override get message() {
    return `${this.service}.${this.endpoint}: failure injected by Chaos`
  }
}
Errors.safeDisplay(ChaosFailure)

/**
 * One call's faults.
 *
 * @since 0.1.0
 * @category models
 */
export interface Decision {
  readonly delay: Duration.Duration | undefined
  readonly fail: boolean
  readonly status: number | undefined
}

/**
 * Draws the faults of each call, in call order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Injector {
  readonly decide: (session: Session.Session) => Effect.Effect<Decision>
  readonly retryAfter: string | undefined
}

const rate = (key: string, u: unknown): string | undefined =>
  typeof u === "number" && u >= 0 && u <= 1 ? undefined : `"${key}" must be a share between 0 and 1, got ${String(u)}`

const duration = (key: string, u: unknown): Either.Either<Duration.Duration, string> => {
  const d = Duration.decodeUnknown(u)
  return d._tag === "Some" ? Either.right(d.value) : Either.left(`"${key}" is not a duration: ${String(u)}`)
}

/**
 * Checks the options and builds the generator of faults.
 *
 * @since 0.1.0
 * @category constructors
 */
export const injector = (options: Options): Either.Either<Injector, string> => {
  let min: Duration.Duration | undefined
  let max: Duration.Duration | undefined
  const latency = options.latency
  if (latency !== undefined) {
    const range = typeof latency === "object" && latency !== null && "min" in latency && "max" in latency
    const lo = duration(range ? "latency.min" : "latency", range ? latency.min : latency)
    if (Either.isLeft(lo)) return Either.left(lo.left)
    const hi = range ? duration("latency.max", latency.max) : lo
    if (Either.isLeft(hi)) return Either.left(hi.left)
    if (Duration.greaterThan(lo.right, hi.right)) return Either.left(`"latency.min" is greater than "latency.max"`)
    min = lo.right
    max = hi.right
  }
  const failureRate = options.failureRate ?? 0
  const badRate = rate("failureRate", failureRate)
  if (badRate !== undefined) return Either.left(badRate)
  const statuses: Array<readonly [number, number]> = []
  let total = failureRate
  for (const [key, share] of Object.entries(options.statuses ?? {})) {
    const status = Number(key)
    if (!(Number.isInteger(status) && status >= 100 && status <= 599)) {
      return Either.left(`"statuses" keys must be HTTP statuses, got ${key}`)
    }
    const bad = rate(`statuses.${key}`, share)
    if (bad !== undefined) return Either.left(bad)
    statuses.push([status, share])
    total += share
  }
  if (total > 1 + 1e-9) return Either.left(`"failureRate" and "statuses" add up to more than 1 (${total})`)
  let retryAfter: string | undefined
  if (options.retryAfter !== undefined) {
    const d = duration("retryAfter", options.retryAfter)
    if (Either.isLeft(d)) return Either.left(d.left)
    retryAfter = String(Math.ceil(Duration.toSeconds(d.right)))
  }
  const endpoints = options.endpoints === undefined ? undefined : new Set(options.endpoints)
  const random = Random.make(options.seed ?? 0)
  const none: Decision = { delay: undefined, fail: false, status: undefined }
  const decide = (session: Session.Session): Effect.Effect<Decision> => {
    if (endpoints !== undefined && !endpoints.has(session.endpoint)) return Effect.succeed(none)
    return Effect.gen(function*() {
      let delay: Duration.Duration | undefined
      if (min !== undefined && max !== undefined) {
        const lo = Duration.toMillis(min)
        const span = Duration.toMillis(max) - lo
        delay = Duration.millis(span === 0 ? lo : lo + (yield* random.next) * span)
      }
      const u = yield* random.next
      if (u < failureRate) return { delay, fail: true, status: undefined }
      let acc = failureRate
      for (const [status, share] of statuses) {
        acc += share
        if (u < acc) return { delay, fail: false, status }
      }
      return { delay, fail: false, status: undefined }
    })
  }
  return Either.right({ decide, retryAfter })
}

/**
 * The failure a call gets when Chaos breaks it.
 *
 * @since 0.1.0
 * @category errors
 */
export const failure = (session: Session.Session) =>
  Transport.requestError(
    session,
    new ChaosFailure({ service: session.service, endpoint: session.endpoint }),
    "Transport",
    "failure injected by Chaos"
  )

const empty = new Uint8Array(0)

const answer = (
  session: Session.Session,
  status: number,
  retryAfter: string | undefined
): ServiceResponse.ServiceResponse => ({
  service: session.service,
  endpoint: session.endpoint,
  setCookie: [],
  method: session.method,
  url: session.url,
  status,
  headers: retryAfter === undefined
    ? { "content-length": "0", "x-chaos": "injected" }
    : { "content-length": "0", "retry-after": retryAfter, "x-chaos": "injected" },
  body: empty,
  stream: undefined,
  data: undefined,
  attributes: session.attributes
})

/**
 * The Chaos plugin. Place it after Retry in the plugin list to let Retry see its faults.
 * Throws a `SpecError` for bad options (a rate outside 0–1, shares adding up past 1...).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Plugin.Plugin => {
  const built = injector(options)
  if (Either.isLeft(built)) throw new SpecError({ key: "Chaos", reason: built.left })
  const { decide, retryAfter } = built.right
  return Plugin.make("Chaos", {
    aroundSend: (session, send) =>
      setting.get(session) === false ? send : Effect.flatMap(decide(session), (d) => {
        const then = d.fail
          ? Effect.fail(failure(session))
          : d.status !== undefined
          ? Effect.succeed(answer(session, d.status, retryAfter))
          : send
        return d.delay === undefined ? then : Effect.zipRight(Deadline.sleep(session, d.delay), then)
      })
  }, { honoursDeadline: true, settings: [setting] })
}

const Share = Schema.Number.pipe(Schema.between(0, 1))
const Dur = Schema.Union(Schema.NonNegative, Schema.String)

/**
 * `Chaos` as a plugin type of client configs (`plugins: [{ type: Chaos, failureRate: 0.1 }]`).
 *
 * @since 0.1.0
 * @category layers
 */
export const registryLayer: Layer.Layer<never> = PluginRegistry.layer({
  Chaos: PluginRegistry.fromSchema(
    Schema.Struct({
      latency: Schema.optional(Schema.Union(Dur, Schema.Struct({ min: Dur, max: Dur }))),
      failureRate: Schema.optional(Share),
      statuses: Schema.optional(Schema.Record({ key: Schema.String, value: Share })),
      retryAfter: Schema.optional(Dur),
      seed: Schema.optional(Schema.Union(Schema.Int, Schema.String)),
      endpoints: Schema.optional(Schema.Array(Schema.String))
    }),
    (options) => make(options as Options)
  )
})
