/**
 * Retries a call's send on transient failures: transport errors, timeouts and chosen
 * statuses (408, 425, 429, 500, 502, 503, 504 by default), with exponential backoff and
 * jitter, honouring `Retry-After`, within a budget of attempts and elapsed time. Only
 * idempotent methods are retried unless the endpoint says it is safe (or IdempotencyKey
 * gave the call a key). Settings merge
 * plugin < endpoint `retry` < call `retry`; `retry: false` disables retries at a level.
 *
 * @since 0.1.0
 */
import {
  Attribute,
  type CallError,
  Deadline,
  type Endpoint,
  InputError,
  Plugin,
  RequestError,
  type ServiceResponse,
  Session,
  Setting,
  TimeoutError
} from "@service-client/core"
import {
  Cause,
  Duration,
  Effect,
  Either,
  Exit,
  Option,
  Schedule,
  ScheduleDecision,
  ScheduleIntervals,
  Schema
} from "effect"
import * as Attempt from "./internal/attempt.js"
import * as Circuit from "./internal/circuit.js"
import * as Repeatable from "./internal/repeatable.js"
import * as RetryAfter from "./internal/retryAfter.js"
import { booleanOr, duration as durationSchema, durationOrNull } from "./internal/settingSchemas.js"

/**
 * What an attempt ended with when it is worth another: an error, or a response whose
 * status is retried. The input of a custom {@link Options.schedule}.
 *
 * @since 0.1.0
 * @category models
 */
export type Failure = CallError | ServiceResponse.ServiceResponse

/**
 * What the plugin, an endpoint's `retry` or a call's `retry` sets (plain data, so a spec
 * file can set it). At the endpoint and call levels `false` disables retries, `true`
 * enables them with the settings below it, a mapping enables them and overrides some.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  /** Attempts in all, the first included. */
  readonly maxAttempts?: number | undefined
  /** No new attempt starts past this time since the first one (`null`: no limit). */
  readonly maxElapsed?: Duration.DurationInput | null | undefined
  /** Fails one attempt with `TimeoutError` (`null`: no per-attempt timeout). */
  readonly attemptTimeout?: Duration.DurationInput | null | undefined
  /** The first delay of the exponential backoff. */
  readonly baseDelay?: Duration.DurationInput | undefined
  /** The longest backoff delay. */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** Spread each delay randomly (0.8× to 1.2×). */
  readonly jitter?: boolean | undefined
  /** The response statuses retried. */
  readonly statuses?: ReadonlyArray<number> | undefined
  /** Retry even a non-idempotent method (POST, PATCH): the endpoint is safe to repeat. */
  readonly idempotent?: boolean | undefined
  /** Wait as long as the response's `Retry-After` asks. */
  readonly retryAfter?: boolean | undefined
  /** The longest `Retry-After` wait honoured (longer ones are cut to this). */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
}

/**
 * What an endpoint's or a call's `retry` may be: `false`, `true` or {@link Settings}.
 *
 * @since 0.1.0
 * @category models
 */
export type SettingValue = boolean | Settings

const status = Schema.Int.pipe(
  Schema.between(100, 599),
  Schema.annotations({ message: () => "expected an HTTP status (100-599)" })
)

/**
 * The endpoint's and the call's `retry`: `true`, `false` or a mapping of {@link Settings}.
 *
 * @since 0.1.0
 * @category settings
 */
export const setting: Setting.Setting<SettingValue> = Setting.make(
  "retry",
  booleanOr(Schema.Struct({
    maxAttempts: Schema.optional(
      Schema.Int.pipe(
        Schema.greaterThanOrEqualTo(1),
        Schema.annotations({ message: () => "expected a whole number, at least 1" })
      )
    ),
    maxElapsed: Schema.optional(durationOrNull),
    attemptTimeout: Schema.optional(durationOrNull),
    baseDelay: Schema.optional(durationSchema),
    maxDelay: Schema.optional(durationSchema),
    jitter: Schema.optional(Schema.Boolean),
    statuses: Schema.optional(Schema.Array(status)),
    idempotent: Schema.optional(Schema.Boolean),
    retryAfter: Schema.optional(Schema.Boolean),
    maxRetryAfter: Schema.optional(durationSchema)
  })),
  { call: true }
)

declare module "@service-client/core/Endpoint" {
  interface Settings {
    /** Retry: this endpoint's retry settings; `false` disables retries for it. */
    readonly retry?: SettingValue | undefined
  }
  interface CommonInput {
    /** Retry: this call's retry settings; `false` disables retries. */
    readonly retry?: SettingValue | undefined
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options extends Settings {
  /** `false`: retry only the endpoints and calls that set `retry`. Default `true`. */
  readonly enabled?: boolean | undefined
  /**
   * The backoff, replacing `baseDelay`/`maxDelay`/`jitter` (the budget still applies). Its
   * input is what the last attempt ended with.
   */
  readonly schedule?: Schedule.Schedule<unknown, Failure> | undefined
  /** The methods retried without an endpoint's `idempotent: true`. Default: the idempotent ones. */
  readonly methods?: ReadonlyArray<Endpoint.Method> | undefined
}

/**
 * The defaults, and why:
 * - `maxAttempts: 3` — one try and two retries, the common default of cloud SDKs (AWS
 *   standard mode, Google's); more multiplies the load on a struggling server, and
 *   retries at several layers multiply each other.
 * - `baseDelay: 200 ms`, doubling, `maxDelay: 5 s` — the retries come after ~0.2 s and
 *   ~0.4 s: a blip is over, and the whole budget stays within a user's patience.
 * - `jitter: true` — each delay × 0.8–1.2 (Effect's `Schedule.jittered`), so clients that
 *   failed together do not come back together, while the delay stays predictable.
 * - `maxElapsed: 30 s` — no new attempt starts 30 s after the first one started.
 * - `attemptTimeout: null` — a per-attempt timeout depends on the endpoint; the call's
 *   total timeout is the Timeout plugin's.
 * - `statuses` — 408 Request Timeout, 425 Too Early, 429 Too Many Requests, 500, 502,
 *   503, 504: the statuses that say "try again"; 501 and other 4xx will not change.
 * - `retryAfter: true`, `maxRetryAfter: 20 s` — the server knows when it can take the
 *   call again, but a long wait is cut to 20 s, and never exceeds `maxElapsed`.
 *
 * @since 0.1.0
 * @category models
 */
export const defaults = {
  maxAttempts: 3,
  maxElapsed: Duration.seconds(30),
  attemptTimeout: null,
  baseDelay: Duration.millis(200),
  maxDelay: Duration.seconds(5),
  jitter: true,
  statuses: [408, 425, 429, 500, 502, 503, 504] as ReadonlyArray<number>,
  idempotent: false,
  retryAfter: true,
  maxRetryAfter: Duration.seconds(20),
  methods: ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"] as ReadonlyArray<Endpoint.Method>
} as const

/**
 * How many attempts the call made (1 when it was not retried); read by Tracing and found
 * on the response.
 *
 * @since 0.1.0
 * @category attributes
 */
export const attempts: Attribute.Attribute<number> = Attribute.make<number>("attempts")

/**
 * Whether an error is worth another attempt: a transport failure (connection refused or
 * reset, a body cut short) or a timeout.
 *
 * @since 0.1.0
 * @category guards
 */
export const isTransient = (error: CallError): boolean =>
  (error instanceof RequestError && error.reason === "Transport") || error instanceof TimeoutError

interface Resolved {
  readonly enabled: boolean
  readonly maxAttempts: number
  readonly maxElapsed: number | undefined
  readonly attemptTimeout: Duration.Duration | undefined
  readonly schedule: Schedule.Schedule<unknown, Failure>
  readonly statuses: ReadonlySet<number>
  readonly idempotent: boolean
  readonly retryAfter: boolean
  readonly maxRetryAfter: number
}

type Bad = { readonly key: string; readonly reason: string }

const duration = (key: string, u: unknown): Either.Either<Duration.Duration, Bad> => {
  const d = Duration.decodeUnknown(u)
  return Option.isSome(d)
    ? Either.right(d.value)
    : Either.left({ key, reason: `expected milliseconds or a duration like "5 seconds", got ${JSON.stringify(u)}` })
}

const optionalDuration = (key: string, u: unknown): Either.Either<Duration.Duration | undefined, Bad> =>
  u === null ? Either.right(undefined) : duration(key, u)

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Merges the levels (plugin < endpoint < call) into one set of settings. */
const merge = (
  levels: ReadonlyArray<unknown>
): Either.Either<{ enabled: boolean; settings: Record<string, unknown> }, Bad> => {
  let enabled = true
  const settings: Record<string, unknown> = {}
  for (const level of levels) {
    if (level === undefined) continue
    if (typeof level === "boolean") {
      enabled = level
      continue
    }
    if (!isRecord(level)) return Either.left({ key: "retry", reason: "expected true, false or a record of settings" })
    enabled = true
    for (const key in level) {
      if (level[key] !== undefined) settings[key] = level[key]
    }
  }
  return Either.right({ enabled, settings })
}

const resolve = (
  options: Options,
  levels: ReadonlyArray<unknown>
): Either.Either<Resolved, Bad> =>
  Either.gen(function*() {
    const { enabled, settings: s } = yield* merge(levels)
    const get = <K extends keyof typeof defaults>(key: K): unknown => s[key] === undefined ? defaults[key] : s[key]
    const maxAttempts = get("maxAttempts")
    if (!(Number.isInteger(maxAttempts) && (maxAttempts as number) >= 1)) {
      return yield* Either.left({ key: "retry.maxAttempts", reason: "expected a whole number, at least 1" })
    }
    const statuses = get("statuses")
    if (!Array.isArray(statuses) || !statuses.every((n) => Number.isInteger(n))) {
      return yield* Either.left({ key: "retry.statuses", reason: "expected a list of HTTP statuses" })
    }
    const maxElapsed = yield* optionalDuration("retry.maxElapsed", get("maxElapsed"))
    const attemptTimeout = yield* optionalDuration("retry.attemptTimeout", get("attemptTimeout"))
    const maxRetryAfter = yield* duration("retry.maxRetryAfter", get("maxRetryAfter"))
    let schedule = options.schedule
    if (schedule === undefined) {
      const base = yield* duration("retry.baseDelay", get("baseDelay"))
      const max = yield* duration("retry.maxDelay", get("maxDelay"))
      schedule = backoff({ baseDelay: base, maxDelay: max, jitter: get("jitter") !== false })
    }
    return {
      enabled,
      maxAttempts: maxAttempts as number,
      maxElapsed: maxElapsed === undefined ? undefined : Duration.toMillis(maxElapsed),
      attemptTimeout,
      schedule,
      statuses: new Set(statuses as Array<number>),
      idempotent: get("idempotent") === true,
      retryAfter: get("retryAfter") !== false,
      maxRetryAfter: Duration.toMillis(maxRetryAfter)
    }
  })

/**
 * The default backoff: exponential from `baseDelay` (doubling), each delay cut to
 * `maxDelay`, then jittered (× 0.8–1.2) unless `jitter: false`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const backoff = (options: {
  readonly baseDelay: Duration.DurationInput
  readonly maxDelay: Duration.DurationInput
  readonly jitter?: boolean | undefined
}): Schedule.Schedule<unknown, unknown> => {
  const max = Duration.decode(options.maxDelay)
  const capped = Schedule.exponential(options.baseDelay, 2).pipe(Schedule.modifyDelay((d) => Duration.min(d, max)))
  return options.jitter === false ? capped : Schedule.jittered(capped)
}

// a deadline of its own for each attempt (an earlier call deadline still wins)
const withAttemptTimeout = (session: Session.Session, send: Plugin.Send, r: Resolved): Plugin.Send =>
  r.attemptTimeout === undefined ? send : Deadline.within(send, session, r.attemptTimeout)

/**
 * The Retry plugin (an `aroundSend` hook). List it after Timeout (so the call's timeout
 * bounds all attempts) and Tracing (so each attempt gets its own child span), and before
 * Pool and RateLimit (so a call waiting between attempts holds no slot).
 *
 * **Example** (Retry with a per-attempt timeout)
 *
 * ```ts
 * const client = yield* ServiceClient.make(Api, {
 *   name: "users",
 *   baseUrl: "http://127.0.0.1:8080",
 *   plugins: [Retry.make({ maxAttempts: 4, attemptTimeout: "2 seconds" })]
 * })
 * yield* client.getUser({ user_id: 1, retry: false }) // no retry for this call
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Plugin.Plugin => {
  const { enabled: _enabled, methods: _methods, schedule: _schedule, ...pluginSettings } = options
  const pluginLevel = options.enabled === false ? [pluginSettings, false] : [pluginSettings]
  const methods: ReadonlySet<string> = new Set(options.methods ?? defaults.methods)
  const byEndpoint = new WeakMap<Endpoint.Any, Either.Either<Resolved, Bad>>()

  const settingsFor = (session: Session.Session): Either.Either<Resolved, Bad> => {
    const endpointLevel = setting.fromEndpoint(session)
    const callLevel = setting.fromCall(session)
    if (callLevel !== undefined) return resolve(options, [...pluginLevel, endpointLevel, callLevel])
    let r = byEndpoint.get(session.definition)
    if (r === undefined) {
      r = resolve(options, [...pluginLevel, endpointLevel])
      byEndpoint.set(session.definition, r)
    }
    return r
  }

  // the call's Clock is the session's: no Effect step to read it
  const retrying = (session: Session.Session, send: Plugin.Send, r: Resolved): Plugin.Send => {
    const clock = session.clock
    const attemptSend = withAttemptTimeout(session, send, r)
    const start = clock.unsafeCurrentTimeMillis()
    const loop = (attempt: number, state: unknown): Plugin.Send => {
      attempts.set(session, attempt)
      // one continuation for both outcomes (`Effect.exit` then `flatMap` would be two steps)
      const decide = (exit: Exit.Exit<ServiceResponse.ServiceResponse, CallError>): Plugin.Send => {
        let failure: Failure | undefined
        let response: ServiceResponse.ServiceResponse | undefined
        if (Exit.isSuccess(exit)) {
          if (r.statuses.has(exit.value.status)) failure = response = exit.value
        } else {
          const error = Option.getOrUndefined(Cause.failureOption(exit.cause))
          if (error !== undefined && isTransient(error)) failure = error
        }
        if (failure === undefined || attempt >= r.maxAttempts) return exit
        const now = clock.unsafeCurrentTimeMillis()
        // the call's own deadline (a Timeout around Retry) is over: no attempt would have time
        if (session.deadline !== undefined && now >= session.deadline.at) return exit
        return Effect.flatMap(r.schedule.step(now, failure, state), ([next, , decision]) => {
          if (ScheduleDecision.isDone(decision)) return exit
          let delay = Math.max(0, ScheduleIntervals.start(decision.intervals) - now)
          if (r.retryAfter && response !== undefined) {
            const asked = RetryAfter.parse(response.headers["retry-after"], now)
            if (asked !== undefined) delay = Math.max(delay, Math.min(asked, r.maxRetryAfter))
          }
          if (r.maxElapsed !== undefined && now + delay - start >= r.maxElapsed) return exit
          // a CircuitBreaker would refuse the next attempt: the last outcome is the call's
          const circuit = Circuit.gate(session)
          if (circuit !== undefined && circuit.refuses(now + delay)) return exit
          return Effect.zipRight(
            Deadline.sleep(session, Duration.millis(delay)),
            Effect.suspend(() => loop(attempt + 1, next))
          )
        })
      }
      return Effect.matchCauseEffect(Attempt.wrap(session, attempt, attemptSend), {
        onFailure: (cause) => decide(Exit.failCause(cause)),
        onSuccess: (response) => decide(Exit.succeed(response))
      })
    }
    return loop(1, r.schedule.initial)
  }

  return Plugin.make("Retry", {
    // called by the core when the send starts (once per run): no Effect.suspend needed
    aroundSend: (session, send) => {
      const resolved = settingsFor(session)
      if (Either.isLeft(resolved)) {
        return Effect.fail(
          new InputError({
            service: session.service,
            endpoint: session.endpoint,
            key: resolved.left.key,
            reason: resolved.left.reason
          })
        )
      }
      const r = resolved.right
      if (!r.enabled) return send
      // a streamed body cannot be sent twice
      // (an IdempotencyKey makes a POST/PATCH safe to repeat)
      const once = (!r.idempotent && !methods.has(session.method) && !Repeatable.isMarked(session)) ||
        Session.isStreamBody(session.body)
      if (once || r.maxAttempts === 1) {
        attempts.set(session, 1)
        return Attempt.wrap(session, 1, withAttemptTimeout(session, send, r))
      }
      return retrying(session, send, r)
    }
  }, { honoursDeadline: true, settings: [setting] })
}
