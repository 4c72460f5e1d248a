/**
 * Pool: at most `limit` calls inside the send at once; the others wait in FIFO order.
 *
 * @since 0.1.0
 */
import * as Plugin from "@service-client/core/Plugin"
import { type Duration, Effect, type Scope } from "effect"
import * as Limiter from "./internal/limiter.js"
import { durationOption, wholeNumber } from "./internal/options.js"

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
}

/**
 * Builds the pool in the client's scope. The time a call waited is put on
 * `attributes.blockedByPool` (ms), also when it fails. A permit comes back as soon as the
 * send ends (response read, failure or interruption); an interrupted waiter leaves the
 * queue. The limiter's own errors (`TooManyRequestsPending`, `TooMuchTimePending`,
 * `ClientClosed`) never give back a permit they did not take. Closing the scope fails
 * every waiter, and every later call, with `ClientClosed`.
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
export const make = (options: Options = {}): Effect.Effect<Plugin.Plugin, never, Scope.Scope> => {
  const limit = wholeNumber("Pool", "limit", options?.limit, 1, 1)
  const hardLimit = options?.hardLimit === undefined ? undefined : wholeNumber("Pool", "hardLimit", options.hardLimit, 0, 0)
  const timeout = durationOption("Pool", "timeout", options?.timeout)
  return Effect.gen(function*() {
    const limiter = Limiter.make({
      limiter: "pool",
      attribute: "blockedByPool",
      store: Limiter.memoryStore(limit),
      hardLimit,
      timeout
    })
    yield* Effect.addFinalizer(() => limiter.close)
    return Plugin.make("Pool", {
      aroundSend: (session, send) => limiter.around(session, send, limiter.give)
    })
  })
}
