/**
 * RateLimit: at most `limit` calls start in any window of `period`. A call takes a permit
 * before its send; the permit comes back `period` after the send ends.
 *
 * @since 0.1.0
 */
import * as Plugin from "@service-client/core/Plugin"
import type { ServiceResponse } from "@service-client/core/ServiceResponse"
import { Clock, Duration, Effect, type Scope } from "effect"
import * as Limiter from "./internal/limiter.js"
import { durationOption, invalid, wholeNumber } from "./internal/options.js"
import * as RetryAfter from "./internal/retryAfter.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How many calls may start per period; default 1. */
  readonly limit?: number | undefined
  /** The window; default 1 second. */
  readonly period?: Duration.DurationInput | undefined
  /**
   * How many calls may wait; a call that arrives when `hardLimit` already wait fails at
   * once with `TooManyRequestsPending`. Default: no limit.
   */
  readonly hardLimit?: number | undefined
  /** How long a call may wait before it fails with `TooMuchTimePending`. Default: no limit. */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * Follow the server's own limit: on a 429, a 503 with `Retry-After`, or
   * `RateLimit-Remaining: 0` / `X-RateLimit-Remaining: 0`, no call starts until the
   * server's reset (see {@link Adaptive}). Default: `false`.
   */
  readonly adaptive?: boolean | Adaptive | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Adaptive {
  /** The longest pause; a later reset is cut to it. Default: 60 seconds. */
  readonly maxPause?: Duration.DurationInput | undefined
  /** The pause after a 429 that says nothing about when to come back. Default: `period`. */
  readonly defaultPause?: Duration.DurationInput | undefined
}

const header = (response: ServiceResponse, names: ReadonlyArray<string>): string | undefined => {
  for (const name of names) {
    const value = response.headers[name]
    if (value !== undefined) return value
  }
  return undefined
}

/**
 * How long the server asks us to stop (ms), or `undefined`: `Retry-After` on a 429 or a
 * 503, the reset of an exhausted `RateLimit-Remaining`, `defaultPause` for a bare 429.
 */
const askedPause = (response: ServiceResponse, now: number, defaultPause: number): number | undefined => {
  let pause: number | undefined = undefined
  const status = response.status
  if (status === 429 || status === 503) pause = RetryAfter.parse(response.headers["retry-after"], now)
  const remaining = header(response, ["ratelimit-remaining", "x-ratelimit-remaining"])
  if (remaining !== undefined && remaining.trim() === "0") {
    const reset = RetryAfter.parseReset(header(response, ["ratelimit-reset", "x-ratelimit-reset"]), now)
    if (reset !== undefined) pause = Math.max(pause ?? 0, reset)
  }
  if (pause === undefined && status === 429) pause = defaultPause
  return pause
}

/**
 * Builds the rate limit in the client's scope. A permit returns `period` after the
 * response was read or the send failed or was interrupted: the release is a fiber forked
 * in the plugin's scope, so it is interrupted when the client closes. Waiting time goes to
 * `attributes.blockedByRateLimit` (ms). Errors, interruption and close behave as in Pool,
 * with limiter `"rateLimit"`.
 *
 * With `adaptive`, a response that tells the client to slow down (see {@link Options})
 * pauses every new start until the server's reset, at most `maxPause`: calls keep their
 * place in the queue instead of failing one after another against the server. A call that
 * would still be waiting when its budget runs out — the RateLimit `timeout`, or the
 * deadline of a Timeout plugin listed before the RateLimit — fails at once with
 * `TooMuchTimePending` (`expected`: the rest of the pause), including the calls already
 * queued when the pause starts. The response that asked for the pause goes on unchanged
 * (Retry, listed before, decides whether to try again).
 *
 * Throws a `SpecError` for bad options (a limit below 1, a period that is not a positive
 * finite duration, a negative hardLimit or timeout, an adaptive that is not a boolean
 * or a record of durations).
 *
 * **Example**
 *
 * ```ts
 * RateLimit.make({ limit: 5, period: "1 second", hardLimit: 50, timeout: "10 seconds" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Plugin.Plugin, never, Scope.Scope> => {
  const limit = wholeNumber("RateLimit", "limit", options?.limit, 1, 1)
  const hardLimit = options?.hardLimit === undefined
    ? undefined
    : wholeNumber("RateLimit", "hardLimit", options.hardLimit, 0, 0)
  const timeout = durationOption("RateLimit", "timeout", options?.timeout)
  const period = options?.period === undefined
    ? Duration.seconds(1)
    : durationOption("RateLimit", "period", options.period)
  if (period === undefined || Duration.isZero(period)) invalid("RateLimit", "period", "expected a positive finite duration")
  const adaptiveOption = options?.adaptive
  if (
    adaptiveOption !== undefined && typeof adaptiveOption !== "boolean" &&
    (typeof adaptiveOption !== "object" || adaptiveOption === null || Array.isArray(adaptiveOption))
  ) invalid("RateLimit", "adaptive", "expected a boolean or { maxPause, defaultPause }")
  const adaptive = adaptiveOption === undefined || adaptiveOption === false ? undefined : {
    maxPause: Duration.toMillis(
      durationOption("RateLimit", "adaptive.maxPause", (adaptiveOption as Adaptive).maxPause) ?? Duration.seconds(60)
    ),
    defaultPause: Duration.toMillis(
      durationOption("RateLimit", "adaptive.defaultPause", (adaptiveOption as Adaptive).defaultPause) ?? period!
    )
  }
  return Effect.gen(function*() {
    const scope = yield* Effect.scope
    const limiter = Limiter.make({
      limiter: "rateLimit",
      attribute: "blockedByRateLimit",
      store: Limiter.memoryStore(limit),
      hardLimit,
      timeout
    })
    yield* Effect.addFinalizer(() => limiter.close)
    // Interruptible: the release runs in a finalizer (uninterruptible), and closing the client must not wait for it.
    const release = Effect.forkIn(Effect.interruptible(Effect.zipRight(Effect.sleep(period!), limiter.give)), scope)
    if (adaptive === undefined) {
      return Plugin.make("RateLimit", {
        aroundSend: (session, send) => limiter.around(session, send, Effect.asVoid(release))
      })
    }
    const { defaultPause, maxPause } = adaptive
    const observe = (response: ServiceResponse) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const asked = askedPause(response, now, defaultPause)
        if (asked === undefined || asked <= 0) return Effect.void
        const pause = Math.min(asked, maxPause)
        return Effect.flatMap(limiter.pause(now + pause, now), (extended) =>
          extended
            ? Effect.asVoid(
              Effect.forkIn(
                Effect.interruptible(Effect.zipRight(Effect.sleep(Duration.millis(pause)), limiter.resume)),
                scope
              )
            )
            : Effect.void)
      })
    return Plugin.make("RateLimit", {
      aroundSend: (session, send) => limiter.around(session, Effect.tap(send, observe), Effect.asVoid(release))
    })
  })
}
