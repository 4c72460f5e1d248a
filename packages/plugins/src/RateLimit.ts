/**
 * RateLimit: at most `limit` calls start in any window of `period`. A call takes a permit
 * before its send; the permit comes back `period` after the send ends.
 *
 * @since 0.1.0
 */
import * as Plugin from "@service-client/core/Plugin"
import { Duration, Effect, type Scope } from "effect"
import * as Limiter from "./internal/limiter.js"
import { durationOption, invalid, wholeNumber } from "./internal/options.js"

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
}

/**
 * Builds the rate limit in the client's scope. A permit returns `period` after the
 * response was read or the send failed or was interrupted: the release is a fiber forked
 * in the plugin's scope, so it is interrupted when the client closes. Waiting time goes to
 * `attributes.blockedByRateLimit` (ms). Errors, interruption and close behave as in Pool,
 * with limiter `"rateLimit"`.
 *
 * Throws a `SpecError` for bad options (a limit below 1, a period that is not a positive
 * finite duration, a negative hardLimit or timeout).
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
    return Plugin.make("RateLimit", {
      aroundSend: (session, send) => limiter.around(session, send, Effect.asVoid(release))
    })
  })
}
