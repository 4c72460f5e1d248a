/**
 * Pool: at most `limit` calls inside the send at once; the others wait in FIFO order.
 *
 * @since 0.1.0
 */
import * as Attribute from "@service-client/core/Attribute"
import * as Plugin from "@service-client/core/Plugin"
import { type Duration, Effect, type Scope } from "effect"
import * as LimitHooks from "./internal/limitHooks.js"
import { durationOption, keyOption, wholeNumber } from "./internal/options.js"
import * as Spare from "./internal/spare.js"
import type { LimiterError } from "./LimiterError.js"

/**
 * The time (ms) a call waited for the Pool, also when it failed: on the session for other
 * plugins (Elapsed, Metrics), on the response and on a `ResponseError` for users.
 *
 * @since 0.1.0
 * @category attributes
 */
export const blockedByPool: Attribute.Attribute<number> = Attribute.make<number>("blockedByPool")

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How many calls may be inside the send at once; default 1. */
  readonly limit?: number | undefined
  /**
   * How many calls may wait; a call that arrives when `hardLimit` already wait fails at
   * once with `TooManyRequestsPending`. Default: no limit.
   */
  readonly hardLimit?: number | undefined
  /** How long a call may wait before it fails with `TooMuchTimePending`. Default: no limit. */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * Names the limit in a shared store (`RedisStore.layerLimiters`) in place of the client's
   * name: the limit is `<key>:pool`, shared by every Pool with that key (or on a client of
   * that name). Default: the client's name. Ignored by the in-memory store.
   */
  readonly key?: string | undefined
}

/**
 * The errors a Pool adds to a client's error type: `TooManyRequestsPending`,
 * `TooMuchTimePending`, and `LimiterUnavailable` (a shared store that does not answer).
 *
 * @since 0.1.0
 * @category errors
 */
export type Error = LimiterError

/**
 * Builds the pool in the client's scope. The time a call waited is put on
 * `attributes.blockedByPool` (ms), also when it fails. A permit comes back as soon as the
 * send ends (response read, failure or interruption); an interrupted waiter leaves the
 * queue. The limiter's own errors (`TooManyRequestsPending`, `TooMuchTimePending`,
 * `ClientClosed`) never give back a permit they did not take. Closing the scope fails
 * every waiter, and every later call, with `ClientClosed`.
 *
 * The permits live in the `LimiterStore` in context when the client is built: in memory
 * by default, in Redis (shared by every process) under `RedisStore.layerLimiters`, with the
 * same options, errors and attributes (plus `LimiterUnavailable` when Redis is down).
 *
 * Throws a `SpecError` for bad options (a limit below 1, a negative hardLimit or timeout):
 * they are mistakes in code.
 *
 * **Example**
 *
 * ```ts
 * const client = yield* ServiceClient.make(Api, {
 *   name: "users",
 *   baseUrl,
 *   plugins: [Pool.make({ limit: 10, hardLimit: 100, timeout: "5 seconds" })]
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Plugin.Plugin<Error>, never, Scope.Scope> => {
  const limit = wholeNumber("Pool", "limit", options?.limit, 1, 1)
  const hardLimit = options?.hardLimit === undefined
    ? undefined
    : wholeNumber("Pool", "hardLimit", options.hardLimit, 0, 0)
  const timeout = durationOption("Pool", "timeout", options?.timeout)
  const key = keyOption("Pool", options?.key)
  return Effect.map(
    LimitHooks.make({ limiter: "pool", key, limit, period: undefined, hardLimit, timeout }),
    (hooks) => Plugin.make("Pool", Spare.offering(hooks), { honoursDeadline: true })
  )
}
