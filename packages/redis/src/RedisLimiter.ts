/**
 * Pool and RateLimit shared by many processes through Redis (`RedisStore`). Each limiter
 * name is one Redis sorted set of permits, taken and given back by atomic Lua scripts
 * on the clock of Redis:
 *
 * - `semaphore` (Pool): at most `limit` calls in flight across all processes. A permit
 *   is a lease with a TTL that a fiber of the call renews every TTL/3, so a process that
 *   dies gives its permits back within the TTL.
 * - `window` (RateLimit): at most `limit` call starts in any window of `period` across
 *   all processes. By default (`hold: "afterResponse"`, the in-memory RateLimit's rule)
 *   a permit is taken when the call starts and returns `period` after the response;
 *   `hold: "fromStart"` returns it `period` after the start (a sliding window log).
 *
 * Waiters do not poll: a freed permit is handed by Redis to the oldest waiting ticket
 * (FIFO across processes) and announced on the limiter's pub/sub channel, which one
 * subscriber connection per process listens to; a slow fallback check per limiter per
 * process (every `pollInterval`..2x, and when a taken permit expires) recovers a lost
 * wake-up.
 * `hardLimit` (waiting calls) and `timeout` (longest wait) are per process and fail with
 * the same errors as the in-memory limiters. The `Pool` and `RateLimit` plugins run on
 * these limiters under `RedisStore.layerLimiters`; use `semaphore` and `window` directly
 * to limit other work across processes.
 *
 * @since 0.1.0
 */
import type { ClientClosed } from "@service-client/core/Errors"
import type * as Plugin from "@service-client/core/Plugin"
import type { Session } from "@service-client/core/Session"
import type {
  LimiterUnavailable,
  TooManyRequestsPending,
  TooMuchTimePending
} from "@service-client/plugins/LimiterError"
import * as LimiterStore from "@service-client/plugins/LimiterStore"
import type { Duration } from "effect"
import { Effect, Exit, FiberId, Option, Scope } from "effect"
import * as Impl from "./internal/redisLimiter.js"
import { RedisStore, type Service, type StoreFailure } from "./RedisStore.js"

/**
 * Who asks for a permit (a `Session` is one).
 *
 * @since 0.1.0
 * @category models
 */
export interface Caller {
  readonly service: string
  readonly endpoint: string
}

/**
 * @since 0.1.0
 * @category models
 */
export type AcquireError = TooManyRequestsPending | TooMuchTimePending | ClientClosed | LimiterUnavailable

/**
 * A distributed limiter.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limiter extends Impl.Limiter<StoreFailure> {}

/**
 * @since 0.1.0
 * @category models
 */
export interface CommonOptions {
  /** The limit's name: processes with the same store prefix and name share it. */
  readonly name: string
  readonly limit: number
  /** Most calls of this process waiting for a permit; more fail with `TooManyRequestsPending`. */
  readonly hardLimit?: number | undefined
  /** Longest wait for a permit; then `TooMuchTimePending`. */
  readonly timeout?: Duration.DurationInput | undefined
  /** How long a permit of a call in flight stays taken without renewal. Default: the store's (10 seconds). */
  readonly leaseTtl?: Duration.DurationInput | undefined
  /** Period of the fallback check for lost wake-ups (jittered up to 2x). Default: the store's (1 second). */
  readonly pollInterval?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WindowOptions extends CommonOptions {
  readonly period: Duration.DurationInput
  /** When a permit returns: `period` after the response (default) or after the start. */
  readonly hold?: "afterResponse" | "fromStart" | undefined
}

/** What a leave is given as the send's outcome: a limiter's leave does not read it. */
const over = Exit.interrupt(FiberId.none)

/** The limiter `LimiterStore.limiter` makes over the permits of `p`, with the acquire/withPermit API. */
const make = (store: Service, p: Impl.Plan): Effect.Effect<Limiter, never, Scope.Scope> =>
  Effect.gen(function*() {
    const permits = yield* Impl.permits(store, p)
    const limiter = yield* LimiterStore.limiter(permits, {
      limiter: p.limiter,
      hardLimit: Number.isFinite(p.hardLimit) ? p.hardLimit : undefined,
      timeout: Option.getOrUndefined(p.timeout)
    })
    const attribute = p.limiter === "pool" ? "blockedByPool" : "blockedByRateLimit"
    // a caller is a session without a deadline: the limiter's own timeout bounds its wait
    const session = (caller: Caller) =>
      Effect.map(
        Effect.clock,
        (clock) => ({ service: caller.service, endpoint: caller.endpoint, clock, deadline: undefined, attributes: {} })
      )
    /** Ties the permit to the scope: given back when it closes. */
    const keep = (s: LimiterStore.Caller, leave: Plugin.LeaveSend | undefined) =>
      leave === undefined
        ? Effect.void
        : Effect.flatMap(Effect.scope, (scope) =>
          Scope.addFinalizer(
            scope,
            Effect.suspend(() => {
              const left = leave(s as Session, over)
              return left === undefined ? Effect.void : left
            })
          ))
    const acquire = (caller: Caller): Effect.Effect<number, AcquireError, Scope.Scope> =>
      Effect.flatMap(session(caller), (s) =>
        Effect.uninterruptibleMask((restore) => {
          const entered = limiter.enter(s)
          return Effect.flatMap(
            Effect.isEffect(entered) ? restore(entered) : Effect.succeed(entered),
            (leave) => Effect.as(keep(s, leave), (s.attributes as Record<string, number>)[attribute] ?? 0)
          )
        }) as Effect.Effect<number, AcquireError, Scope.Scope>)
    return {
      limiter: p.limiter,
      acquire,
      tryAcquire: (caller) =>
        Effect.flatMap(session(caller), (s) =>
          Effect.uninterruptible(
            Effect.flatMap(
              limiter.tryEnter(s),
              (leave) => (leave === undefined ? Effect.succeed(false) : Effect.as(keep(s, leave), true))
            )
          )),
      withPermit: (caller) => (effect) => Effect.scoped(Effect.zipRight(acquire(caller), effect)),
      pending: Effect.sync(limiter.pending),
      stats: Impl.stats(store, p)
    }
  })

/**
 * At most `limit` calls in flight across every process that shares the name.
 *
 * @since 0.1.0
 * @category constructors
 */
export const semaphore = (options: CommonOptions): Effect.Effect<Limiter, never, RedisStore | Scope.Scope> =>
  Effect.flatMap(RedisStore, (store) => Effect.flatMap(Impl.plan(store, "pool", options), (p) => make(store, p)))

/**
 * At most `limit` call starts in any window of `period` across every process that
 * shares the name.
 *
 * @since 0.1.0
 * @category constructors
 */
export const window = (options: WindowOptions): Effect.Effect<Limiter, never, RedisStore | Scope.Scope> =>
  Effect.flatMap(RedisStore, (store) => {
    const period = Impl.millis(options.period, NaN)
    return Effect.flatMap(Impl.plan(store, "rateLimit", options, period, options.hold), (p) => make(store, p))
  })
