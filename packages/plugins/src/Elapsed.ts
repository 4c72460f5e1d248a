/**
 * Elapsed: how long a call took, in milliseconds, on `attributes.elapsed`, phase by
 * phase: `blocked` (waiting in Pool and RateLimit), `headers` (from the transport call to
 * the status and headers), `read` (the body read), `parse` (parsing and decoding) and
 * `total` (the whole call). Measured with Effect's `Clock`, so `TestClock` drives it.
 *
 * @since 0.1.0
 */
import type { ElapsedSwitches } from "@service-client/core/Endpoint"
import * as Plugin from "@service-client/core/Plugin"
import type { Session } from "@service-client/core/Session"
import { Clock, Effect } from "effect"
import { invalid } from "./internal/options.js"

/**
 * Each switch defaults to `true`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options extends ElapsedSwitches {}

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

interface Marks {
  readonly headers: boolean
  readonly read: boolean
  readonly parse: boolean
  sent: bigint
  last: bigint | undefined
}

const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6

/** The time the limiters of this attempt put on the session, if any did. */
const blockedTime = (session: Session): number | undefined => {
  const pool = session.attributes.blockedByPool
  const rateLimit = session.attributes.blockedByRateLimit
  if (typeof pool !== "number") return typeof rateLimit === "number" ? rateLimit : undefined
  return typeof rateLimit === "number" ? pool + rateLimit : pool
}

const durations = (session: Session): Durations => {
  const current = session.attributes.elapsed
  if (typeof current === "object" && current !== null) return current as Durations
  const fresh: Durations = {}
  session.attributes.elapsed = fresh
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
  const sessions = new WeakMap<Session, Marks>()
  const starts = new WeakMap<Session, bigint>()
  const finish = (session: Session) => {
    const start = starts.get(session)
    if (start === undefined) return Effect.void
    starts.delete(session)
    return Effect.map(Clock.currentTimeNanos, (now) => {
      durations(session).total = ms(start, now)
    })
  }
  const switches = (session: Session) => {
    const endpoint = session.definition.elapsed
    const input = session.input.elapsed as ElapsedSwitches | undefined
    const pick = (key: keyof ElapsedSwitches) => {
      const i = typeof input === "object" && input !== null ? input[key] : undefined
      if (typeof i === "boolean") return i
      const e = endpoint?.[key]
      return typeof e === "boolean" ? e : defaults[key]
    }
    return { headers: pick("headers"), read: pick("read"), parse: pick("parse") }
  }
  return Plugin.make("Elapsed", {
    prepareSession: (session) =>
      Effect.map(Clock.currentTimeNanos, (now) => {
        const s = switches(session)
        if (s.headers || s.read || s.parse) starts.set(session, now)
      }),
    onSend: (session) =>
      Effect.map(Clock.currentTimeNanos, (now) => {
        if (!starts.has(session)) return
        const s = switches(session)
        sessions.set(session, { ...s, sent: now, last: undefined })
        const blocked = blockedTime(session)
        if (blocked !== undefined) durations(session).blocked = blocked
      }),
    onResponse: (session) => {
      const marks = sessions.get(session)
      if (marks === undefined) return Effect.void
      return Effect.map(Clock.currentTimeNanos, (now) => {
        if (marks.headers) durations(session).headers = ms(marks.sent, now)
        marks.last = now
      })
    },
    onRead: (session) => {
      const marks = sessions.get(session)
      if (marks === undefined || marks.last === undefined) return Effect.void
      return Effect.map(Clock.currentTimeNanos, (now) => {
        if (marks.read) durations(session).read = ms(marks.last!, now)
        marks.last = now
      })
    },
    onParsedResponse: (session, response) => {
      const marks = sessions.get(session)
      if (marks === undefined) return finish(session)
      sessions.delete(session)
      if (!marks.parse || marks.last === undefined || response.body === undefined) return finish(session)
      return Effect.zipRight(
        Effect.map(Clock.currentTimeNanos, (now) => {
          durations(session).parse = ms(marks.last!, now)
        }),
        finish(session)
      )
    },
    onException: (session) => {
      sessions.delete(session)
      // a limiter that gave up put its waiting time on the session, with no onSend after
      const blocked = starts.has(session) ? blockedTime(session) : undefined
      if (blocked !== undefined) durations(session).blocked = blocked
      return finish(session)
    },
    onParseException: (session) => {
      sessions.delete(session)
      return finish(session)
    }
  })
}
