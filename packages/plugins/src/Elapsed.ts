/**
 * Elapsed: how long a call took, in milliseconds, on `attributes.elapsed`, phase by
 * phase: `blocked` (waiting in Pool and RateLimit), `headers` (from the transport call to
 * the status and headers), `read` (the body read), `parse` (parsing and decoding) and
 * `total` (the whole call). Measured with Effect's `Clock`, so `TestClock` drives it.
 *
 * @since 0.1.0
 */
import * as Attribute from "@service-client/core/Attribute"
import * as Deadline from "@service-client/core/Deadline"
import * as Plugin from "@service-client/core/Plugin"
import type { Session } from "@service-client/core/Session"
import * as Setting from "@service-client/core/Setting"
import { Effect, Schema } from "effect"
import { invalid } from "./internal/options.js"
import { blockedByPool } from "./Pool.js"
import { blockedByRateLimit } from "./RateLimit.js"

/**
 * Which durations the plugin records (at the plugin, an endpoint or a call).
 *
 * @since 0.1.0
 * @category models
 */
export interface Switches {
  readonly headers?: boolean | undefined
  readonly read?: boolean | undefined
  readonly parse?: boolean | undefined
}

/**
 * Each switch defaults to `true`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends Switches {}

/**
 * The endpoint's and the call's `elapsed` switches.
 *
 * @since 0.1.0
 * @category settings
 */
export const setting: Setting.Setting<Switches> = Setting.make(
  "elapsed",
  Schema.Struct({
    headers: Schema.optional(Schema.Boolean),
    read: Schema.optional(Schema.Boolean),
    parse: Schema.optional(Schema.Boolean)
  }),
  { call: true }
)

declare module "@service-client/core/Endpoint" {
  interface Settings {
    /** Elapsed: which durations this endpoint's calls record. */
    readonly elapsed?: Switches | undefined
  }
  interface CommonInput {
    /** Elapsed: which durations this call records. */
    readonly elapsed?: Switches | undefined
  }
}

/**
 * The durations on `attributes.elapsed`, in ms.
 *
 * @since 0.1.0
 * @category models
 */
export interface Durations {
  /** Time spent waiting in Pool and RateLimit (their `blockedByPool` + `blockedByRateLimit`). */
  blocked?: number
  headers?: number
  read?: number
  parse?: number
  /** From the start of the call (its first hook) to its end: parsed, or failed. */
  total?: number
}

/** One call's state, from `prepareSession` to its end. */
class State {
  /** When the call started (its first hook); undefined once `total` is recorded. */
  start: number | undefined = undefined
  /** When this attempt's transport call started; undefined outside an attempt. */
  sent: number | undefined = undefined
  last: number | undefined = undefined
  /** The call's `elapsed` attribute once made (read through the state: no attribute lookup per hook). */
  durations: Durations | undefined = undefined
  constructor(
    readonly headers: boolean,
    readonly read: boolean,
    readonly parse: boolean,
    /** The call's Clock is the live one: times come from `performance.now()`. */
    readonly live: boolean
  ) {}
}

const pick = (
  input: Switches | undefined,
  endpoint: Switches | undefined,
  fallback: boolean,
  key: keyof Switches
): boolean => {
  const i = input?.[key]
  if (typeof i === "boolean") return i
  const e = endpoint?.[key]
  return typeof e === "boolean" ? e : fallback
}

/**
 * The durations of a call (ms), as the switches ask: on the response, a `ResponseError`,
 * and the session for the plugins after Elapsed.
 *
 * @since 0.1.0
 * @category attributes
 */
export const elapsed: Attribute.Attribute<Durations> = Attribute.make<Durations>("elapsed")

const ms = (from: number, to: number) => to - from

/** The time the limiters of this attempt put on the session, if any did. */
const blockedTime = (session: Session): number | undefined => {
  const pool = blockedByPool.get(session)
  const rateLimit = blockedByRateLimit.get(session)
  if (pool === undefined) return rateLimit
  return rateLimit === undefined ? pool : pool + rateLimit
}

const durationsOf = (session: Session, state: State): Durations =>
  state.durations ?? (state.durations = durations(session))

const durations = (session: Session): Durations => {
  const current = elapsed.get(session)
  if (current !== undefined) return current
  const fresh: Durations = {}
  elapsed.set(session, fresh)
  return fresh
}

/**
 * Each switch is resolved per call: plugin option < endpoint `elapsed` < input `elapsed`.
 * The start time of `headers` is taken by the core's `onSend` hook, right before the
 * transport is called, so time spent waiting in Pool or RateLimit is not in it, wherever
 * the plugins sit in the list: that time is `blocked`, the sum of the limiters'
 * `blockedByPool` / `blockedByRateLimit` (present when a limiter ran). `total` runs from
 * the call's first hook to its last: `onParsedResponse` (also for a non-2xx answer) or
 * `onException` / `onParseException` for a failure. `blocked` and `total` are recorded
 * unless every switch is off for the call. With Retry, the phases are those of the last
 * attempt and `total` covers them all. No read time for a streamed response. Throws a
 * `SpecError` for a switch that is not a boolean.
 *
 * **Example**
 *
 * ```ts
 * const client = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [Elapsed.make({ parse: false })] })
 * const res = yield* client.call("getUser", { user_id: 1, elapsed: { read: false } })
 * res.attributes.elapsed // { headers: 12.3, total: 12.9 }
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Plugin.Plugin => {
  for (const key of ["headers", "read", "parse"] as const) {
    const value = options?.[key]
    if (value !== undefined && typeof value !== "boolean") invalid("Elapsed", key, "expected a boolean")
  }
  const defaults = { headers: options?.headers ?? true, read: options?.read ?? true, parse: options?.parse ?? true }
  // on the session under a symbol of this plugin (a WeakMap entry per call costs the GC more)
  const key = Symbol("Elapsed")
  const states = {
    get: (session: Session): State | undefined => (session as unknown as Record<symbol, State | undefined>)[key],
    set: (session: Session, state: State) => {
      ;(session as unknown as Record<symbol, State | undefined>)[key] = state
    },
    delete: (session: Session) => {
      ;(session as unknown as Record<symbol, State | undefined>)[key] = undefined
    }
  }
  // every hook reads the call's Clock directly and answers Effect.void: no Effect step
  // ms as a float: `performance.now()` under the live Clock (no BigInt per reading), the
  // Clock's nanoseconds otherwise (TestClock)
  const now = (session: Session, state: State): number =>
    state.live ? performance.now() : Number(session.clock.unsafeCurrentTimeNanos()) / 1e6
  const finish = (session: Session, state: State | undefined, t?: number) => {
    const start = state?.start
    if (start === undefined) return Effect.void
    state!.start = undefined
    states.delete(session)
    durationsOf(session, state!).total = ms(start, t ?? now(session, state!))
    return Effect.void
  }
  return Plugin.make("Elapsed", {
    prepareSession: (session) => {
      const endpoint = setting.fromEndpoint(session)
      const input = setting.fromCall(session)
      const headers = pick(input, endpoint, defaults.headers, "headers")
      const read = pick(input, endpoint, defaults.read, "read")
      const parse = pick(input, endpoint, defaults.parse, "parse")
      if (headers || read || parse) {
        const live = Deadline.isLiveClock(session.clock)
        const state = new State(headers, read, parse, live)
        state.start = now(session, state)
        states.set(session, state)
      }
      return Effect.void
    },
    onSend: (session) => {
      const state = states.get(session)
      if (state === undefined || state.start === undefined) return Effect.void
      state.sent = now(session, state)
      state.last = undefined
      const blocked = blockedTime(session)
      if (blocked !== undefined) durationsOf(session, state).blocked = blocked
      return Effect.void
    },
    onResponse: (session) => {
      const state = states.get(session)
      if (state === undefined || state.sent === undefined) return Effect.void
      const t = now(session, state)
      if (state.headers) durationsOf(session, state).headers = ms(state.sent, t)
      state.last = t
      return Effect.void
    },
    onRead: (session) => {
      const state = states.get(session)
      if (state === undefined || state.sent === undefined || state.last === undefined) return Effect.void
      const t = now(session, state)
      if (state.read) durationsOf(session, state).read = ms(state.last, t)
      state.last = t
      return Effect.void
    },
    onParsedResponse: (session, response) => {
      const state = states.get(session)
      if (state === undefined || state.sent === undefined) return finish(session, state)
      state.sent = undefined
      // one reading ends both the parse and the call
      const t = now(session, state)
      if (state.parse && state.last !== undefined && response.body !== undefined) {
        durationsOf(session, state).parse = ms(state.last, t)
      }
      return finish(session, state, t)
    },
    onException: (session) => {
      const state = states.get(session)
      if (state !== undefined) state.sent = undefined
      // a limiter that gave up put its waiting time on the session, with no onSend after
      const blocked = state?.start !== undefined ? blockedTime(session) : undefined
      if (blocked !== undefined) durations(session).blocked = blocked
      return finish(session, state)
    },
    onParseException: (session) => {
      const state = states.get(session)
      if (state !== undefined) state.sent = undefined
      return finish(session, state)
    }
  }, { honoursDeadline: true, settings: [setting] })
}
