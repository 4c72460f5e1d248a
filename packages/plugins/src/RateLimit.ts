/**
 * RateLimit: at most `limit` calls start in any window of `period`. A call takes a permit
 * before its send; the permit comes back `period` after the send ends.
 *
 * @since 0.1.0
 */
import * as Attribute from "@service-client/core/Attribute"
import * as Plugin from "@service-client/core/Plugin"
import { Duration, Effect, type Scope } from "effect"
import * as LimitHooks from "./internal/limitHooks.js"
import { durationOption, invalid, keyOption, wholeNumber } from "./internal/options.js"
import * as Spare from "./internal/spare.js"
import type { LimiterError } from "./LimiterError.js"

/**
 * The time (ms) a call waited for the RateLimit, also when it failed.
 *
 * @since 0.1.0
 * @category attributes
 */
export const blockedByRateLimit: Attribute.Attribute<number> = Attribute.make<number>("blockedByRateLimit")

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
   * Names the limit in a shared store (`RedisStore.layerLimiters`) in place of the client's
   * name: the limit is `<key>:rateLimit`, shared by every RateLimit with that key (or on a
   * client of that name). Default: the client's name. Ignored by the in-memory store.
   */
  readonly key?: string | undefined
  /**
   * Follow the server's own limit: on a 429, a 503 with `Retry-After`, or
   * `RateLimit-Remaining: 0` / `X-RateLimit-Remaining: 0`, no call starts until the
   * server's reset (see {@link Adaptive}). Default: `false`. In memory only:
   * `RedisStore.layerLimiters` refuses it when the client is built (a `SpecError` defect).
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

/**
 * The errors a RateLimit adds to a client's error type: `TooManyRequestsPending`,
 * `TooMuchTimePending`, and `LimiterUnavailable` (a shared store that does not answer).
 *
 * @since 0.1.0
 * @category errors
 */
export type Error = LimiterError

/**
 * Builds the rate limit in the client's scope. A permit returns `period` after the
 * response was read or the send failed or was interrupted: the release is a fiber forked
 * in the plugin's scope, so it is interrupted when the client closes. Waiting time goes to
 * `attributes.blockedByRateLimit` (ms). Errors, interruption and close behave as in Pool,
 * with limiter `"rateLimit"`. The store is chosen as in Pool (in memory unless
 * `RedisStore.layerLimiters` is in context).
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
export const make = (options: Options = {}): Effect.Effect<Plugin.Plugin<Error>, never, Scope.Scope> => {
  const limit = wholeNumber("RateLimit", "limit", options?.limit, 1, 1)
  const hardLimit = options?.hardLimit === undefined
    ? undefined
    : wholeNumber("RateLimit", "hardLimit", options.hardLimit, 0, 0)
  const timeout = durationOption("RateLimit", "timeout", options?.timeout)
  const given = options?.period === undefined
    ? Duration.seconds(1)
    : durationOption("RateLimit", "period", options.period)
  const period = given === undefined || Duration.isZero(given)
    ? invalid("RateLimit", "period", "expected a positive finite duration")
    : given
  const key = keyOption("RateLimit", options?.key)
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
      durationOption("RateLimit", "adaptive.defaultPause", (adaptiveOption as Adaptive).defaultPause) ?? period
    )
  }
  return Effect.map(
    LimitHooks.make({ limiter: "rateLimit", key, limit, period, hardLimit, timeout, adaptive }),
    (hooks) => Plugin.make("RateLimit", Spare.offering(hooks), { honoursDeadline: true })
  )
}
