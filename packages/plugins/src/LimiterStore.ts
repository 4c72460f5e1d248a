/**
 * Where `Pool` and `RateLimit` keep their permits. A `Context.Reference` read by
 * `Pool.make` and `RateLimit.make` when the client is built: in memory by default (each
 * plugin limits its own process), in Redis under `RedisStore.layerLimiters` (processes
 * that share the Redis and key prefix share the limits). Switching the store changes
 * neither the options nor the errors of the plugins, nor the `blockedByPool` /
 * `blockedByRateLimit` attributes.
 *
 * @since 0.1.0
 */
import type * as Plugin from "@service-client/core/Plugin"
import type { ServiceResponse } from "@service-client/core/ServiceResponse"
import type { Session } from "@service-client/core/Session"
import { Clock, Context, Duration, Effect, Layer, type Scope } from "effect"
import { askedPause } from "./internal/adaptive.js"
import * as Memory from "./internal/limiter.js"
import type { LimiterError } from "./LimiterError.js"

/**
 * What one Pool or RateLimit plugin asks of the store (validated by the plugin).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly limiter: "pool" | "rateLimit"
  /**
   * Names the limit in a shared store in place of the calling client's name (a shared
   * store keeps `<key or service>:pool` and `<key or service>:rateLimit` apart). The
   * in-memory store ignores it: there, each plugin is its own limit.
   */
  readonly key: string | undefined
  readonly limit: number
  /** RateLimit: a permit returns `period` after the send ends. */
  readonly period: Duration.Duration | undefined
  readonly hardLimit: number | undefined
  readonly timeout: Duration.Duration | undefined
  /**
   * RateLimit: pause every start when a response asks to slow down (429, `Retry-After`,
   * `RateLimit-Remaining: 0`), for at most `maxPause` ms (`defaultPause` ms for a bare 429).
   * Only the in-memory store follows it; the Redis store refuses it (a `SpecError` defect
   * when the client is built).
   */
  readonly adaptive?: { readonly maxPause: number; readonly defaultPause: number } | undefined
}

/**
 * A limit: the send hooks of a Pool or RateLimit that take and give back a permit
 * (`enterSend` or `aroundSend`, see `Plugin.Hooks`), and put the time spent waiting on
 * `blockedByPool` / `blockedByRateLimit` (ms), also when the call fails.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limiter extends Pick<Plugin.Hooks<LimiterError>, "aroundSend" | "enterSend" | "onResponse"> {
  /** Whether its waits end at the session's deadline (`Plugin.Options`); if not, the core bounds them. */
  readonly honoursDeadline?: boolean | undefined
  /**
   * Takes one more permit for the session only if one is free now and nobody waits (never
   * waits, never queues; a store failure is `undefined`), and answers how to give it back
   * once that send is over. Hedge asks it before a second request; without it, a call
   * through this limiter is never hedged.
   */
  readonly tryEnter?: ((session: Session) => Effect.Effect<Plugin.LeaveSend | undefined>) | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `memory` or `redis` (for logs and tests). */
  readonly kind: string
  /** Builds a limit for the life of the scope; closing it fails its waiters with `ClientClosed`. */
  readonly make: (options: Options) => Effect.Effect<Limiter, never, Scope.Scope>
}

/**
 * Permits in memory: the waiting queue of `internal/limiter.ts` on a counter. A Pool's
 * permit comes back when the send ends; a RateLimit's `period` later: its return time
 * goes into a FIFO (the period is constant, so return times only grow), a take reclaims
 * the permits whose time has come, and while calls wait, one timer per limiter sleeps
 * until the earliest return and then hands permits to the waiters (no fiber per call).
 *
 * @since 0.1.0
 * @category constructors
 */
export const memory: Service = {
  kind: "memory",
  make: (options) =>
    Effect.gen(function*() {
      const scope = yield* Effect.scope
      const period = options.period
      if (options.limiter === "pool" || period === undefined) {
        const limiter = Memory.make({
          limiter: options.limiter,
          attribute: options.limiter === "pool" ? "blockedByPool" : "blockedByRateLimit",
          store: Memory.memoryStore(options.limit),
          hardLimit: options.hardLimit,
          timeout: options.timeout,
          scope
        })
        yield* Effect.addFinalizer(() => limiter.close)
        return {
          enterSend: (session) => limiter.enter(session, limiter.release),
          tryEnter: (session) => Effect.sync(() => limiter.tryEnter(session, limiter.release)),
          honoursDeadline: true
        }
      }
      const window = Memory.windowStore(options.limit, Duration.toMillis(period))
      const limiter = Memory.make({
        limiter: options.limiter,
        attribute: "blockedByRateLimit",
        store: window.store,
        hardLimit: options.hardLimit,
        timeout: options.timeout,
        scope
      })
      yield* Effect.addFinalizer(() => limiter.close)
      // ONE timer per limiter, and only while calls wait for a permit that is yet to come back: it sleeps
      // until the earliest return, then hands the permits back to the waiters (interruptible: closing the
      // client interrupts it)
      let timer = false
      const tick: Effect.Effect<void> = Effect.flatMap(Clock.currentTimeMillis, (now) => {
        window.reclaim(now)
        return Effect.zipRight(
          limiter.resume,
          Effect.suspend(() => {
            const next = window.next()
            if (next === undefined || limiter.pending() === 0) {
              timer = false
              return Effect.void
            }
            return Effect.zipRight(Effect.sleep(Duration.millis(next - now)), tick)
          })
        )
      })
      const startTimer = (): Effect.Effect<void> => {
        if (timer || limiter.pending() === 0 || window.next() === undefined) return Effect.void
        timer = true
        return Effect.asVoid(Effect.forkIn(Effect.interruptible(tick), scope))
      }
      window.onStarved(Effect.suspend(startTimer))
      // the permit returns `period` after the send ends: its return time goes into the window
      const release: Memory.Release = (session) => {
        window.returnAt(session.clock.unsafeCurrentTimeMillis())
        return startTimer()
      }
      const tryEnter = (session: Session) => Effect.sync(() => limiter.tryEnter(session, release))
      const adaptive = options.adaptive
      if (adaptive === undefined) {
        return { enterSend: (session) => limiter.enter(session, release), tryEnter, honoursDeadline: true }
      }
      // each response (its status and headers) of a send that held a permit
      const observe = (response: ServiceResponse) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const asked = askedPause(response, now, adaptive.defaultPause)
          if (asked === undefined || asked <= 0) return Effect.void
          const pause = Math.min(asked, adaptive.maxPause)
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
      return {
        enterSend: (session) => limiter.enter(session, release),
        onResponse: (_, response) => observe(response),
        tryEnter,
        honoursDeadline: true
      }
    })
}

/**
 * The store `Pool.make` and `RateLimit.make` use; {@link memory} unless a layer sets another.
 *
 * @since 0.1.0
 * @category tags
 */
export class LimiterStore extends Context.Reference<LimiterStore>()("@service-client/plugins/LimiterStore", {
  defaultValue: (): Service => memory
}) {}

/**
 * Sets the store of every Pool and RateLimit built under it (see `RedisStore.layerLimiters`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (service: Service): Layer.Layer<LimiterStore> => Layer.succeed(LimiterStore, service)
