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
 * Waiters poll with backoff (and the time until the next permit frees), are woken by
 * pub/sub when one is freed, and are served roughly in arrival order across processes.
 * `hardLimit` (waiting calls) and `timeout` (longest wait) are per process and fail with
 * the same errors as the in-memory limiters. `pool` and `rateLimit` wrap them as plugins.
 *
 * @since 0.1.0
 */
import { ClientClosed, PluginError, TooManyRequestsPending, TooMuchTimePending } from "@service-client/core/Errors"
import * as Plugin from "@service-client/core/Plugin"
import type { Session } from "@service-client/core/Session"
import { Clock, Data, Deferred, Duration, Effect, Exit, FiberId, Option, Schedule, Scope } from "effect"
import { RedisStore, type StoreFailure } from "./RedisStore.js"

/**
 * Redis did not answer, or answered with an error, within the command timeout (raised
 * only with the store's `onUnavailable: "fail"`, the default).
 *
 * @since 0.1.0
 * @category errors
 */
export class LimiterUnavailable extends Data.TaggedError("LimiterUnavailable")<{
  readonly service: string
  readonly endpoint: string
  readonly limiter: "pool" | "rateLimit"
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message() {
    return `${this.service}.${this.endpoint}: the ${this.limiter}'s Redis store is unavailable: ${this.reason}`
  }
}

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
export interface Limiter {
  readonly limiter: "pool" | "rateLimit"
  /**
   * Takes a permit for the life of the scope (renewed meanwhile) and succeeds with the
   * time blocked waiting for it, in milliseconds.
   */
  readonly acquire: (caller: Caller) => Effect.Effect<number, AcquireError, Scope.Scope>
  /** Runs `effect` with a permit. */
  readonly withPermit: (
    caller: Caller
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | AcquireError, Exclude<R, Scope.Scope>>
  /** Calls of this process waiting for a permit. */
  readonly pending: Effect.Effect<number>
  /** Permits taken and tickets waiting, across all processes. */
  readonly stats: Effect.Effect<{ readonly taken: number; readonly waiting: number }, StoreFailure>
}

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
  /** How long a permit of a call in flight stays taken without renewal. Default 10 seconds. */
  readonly leaseTtl?: Duration.DurationInput | undefined
  /** Longest sleep between two tries of a waiter. Default 50 millis. */
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

interface Plan {
  readonly limiter: "pool" | "rateLimit"
  readonly name: string
  readonly limit: number
  readonly hardLimit: number
  readonly timeout: Option.Option<Duration.Duration>
  /** permit TTL at acquire and renewal (ms) */
  readonly ttl: number
  /** renewal interval (ms), 0: none */
  readonly renewEvery: number
  /** release: -1 none, 0 free now, n > 0 keep n ms */
  readonly hold: number
  readonly poll: number
}

const millis = (input: unknown, fallback: number): number =>
  input === undefined ? fallback : Option.match(Duration.decodeUnknown(input), {
    onNone: () => NaN,
    onSome: Duration.toMillis
  })

const invalid = (key: string, value: unknown) => Effect.dieMessage(`RedisLimiter: invalid ${key}: ${String(value)}`)

const plan = (limiter: "pool" | "rateLimit", options: CommonOptions, period?: number, hold?: string) =>
  Effect.gen(function*() {
    const { hardLimit = Infinity, limit, name } = options
    if (typeof name !== "string" || name === "") return yield* invalid("name", name)
    if (!Number.isInteger(limit) || limit < 1) return yield* invalid("limit", limit)
    if (typeof hardLimit !== "number" || !(hardLimit >= 0)) return yield* invalid("hardLimit", hardLimit)
    const leaseTtl = millis(options.leaseTtl, 10_000)
    const poll = millis(options.pollInterval, 50)
    if (!(leaseTtl >= 10)) return yield* invalid("leaseTtl", options.leaseTtl)
    if (!(poll >= 1)) return yield* invalid("pollInterval", options.pollInterval)
    const timeout = options.timeout === undefined ? Option.none() : Duration.decodeUnknown(options.timeout)
    if (options.timeout !== undefined && Option.isNone(timeout)) return yield* invalid("timeout", options.timeout)
    const base = { limiter, name, limit, hardLimit, timeout, poll: Math.ceil(poll) }
    if (period === undefined) {
      return { ...base, ttl: Math.ceil(leaseTtl), renewEvery: Math.ceil(leaseTtl / 3), hold: 0 } satisfies Plan
    }
    if (!(period >= 1)) return yield* invalid("period", period)
    if (hold === "fromStart") return { ...base, ttl: Math.ceil(period), renewEvery: 0, hold: -1 } satisfies Plan
    if (hold !== undefined && hold !== "afterResponse") return yield* invalid("hold", hold)
    // a permit in flight stays taken at least `period`, so a dead holder keeps the window too
    const ttl = Math.ceil(Math.max(leaseTtl, period))
    return { ...base, ttl, renewEvery: Math.ceil(leaseTtl / 3), hold: Math.ceil(period) } satisfies Plan
  })

const processId = globalThis.crypto.randomUUID().slice(0, 13)
let sequence = 0

const makeLimiter = (p: Plan): Effect.Effect<Limiter, never, RedisStore | Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* RedisStore
    const base = `${store.prefix}:{${p.name}}`
    const keys = [`${base}:permits`, `${base}:queue`, `${base}:beats`, `${base}:seq`, `${base}:wake`]
    const heartbeat = Math.max(2_000, 10 * p.poll)
    const keyTtl = 2 * Math.max(p.ttl, heartbeat, p.hold) + 60_000

    let wake = Deferred.unsafeMake<void>(FiberId.none)
    yield* store.subscribe(keys[4]!, () => {
      const woken = wake
      wake = Deferred.unsafeMake<void>(FiberId.none)
      Deferred.unsafeDone(woken, Exit.void)
    })

    let closed = false
    const closing = yield* Deferred.make<void>()
    let pending = 0
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        return Deferred.succeed(closing, undefined)
      })
    )

    const unavailable = (caller: Caller, e: StoreFailure) =>
      new LimiterUnavailable({ ...where(caller), limiter: p.limiter, reason: e.reason, cause: e.cause })

    const release = (id: string) =>
      p.hold < 0 ? Effect.void : store.run("scRelease", keys, [id, p.hold, "", "", "", keyTtl]).pipe(
        Effect.catchAll((e) => Effect.logWarning(`RedisLimiter ${p.name}: could not release a permit: ${e.reason}`))
      )

    const renew = (id: string) =>
      store.run("scRenew", keys, [id, p.ttl, "", "", "", keyTtl]).pipe(
        Effect.flatMap((ok) =>
          ok === 1 ? Effect.void : Effect.logWarning(`RedisLimiter ${p.name}: a permit in use expired before renewal`)
        ),
        Effect.catchAll((e) => Effect.logWarning(`RedisLimiter ${p.name}: could not renew a permit: ${e.reason}`)),
        Effect.repeat(Schedule.spaced(Duration.millis(p.renewEvery))),
        Effect.delay(Duration.millis(p.renewEvery))
      )

    /** One try; on success the permit is tied to `scope` before anything can interrupt. */
    const attempt = (id: string, scope: Scope.Scope) =>
      Effect.uninterruptible(
        store.run("scAcquire", keys, [p.limit, p.ttl, heartbeat, id, 1, keyTtl]).pipe(
          Effect.map((reply) => reply as [number, number, number]),
          Effect.tap(([granted]) =>
            granted === 1
              ? Effect.zipRight(
                Scope.addFinalizer(scope, release(id)),
                p.renewEvery > 0 ? Effect.forkIn(Effect.interruptible(renew(id)), scope) : Effect.void
              )
              : Effect.void
          )
        )
      )

    const cancel = (id: string) => store.run("scCancel", keys, [id]).pipe(Effect.ignore)

    const wait = (caller: Caller, id: string, scope: Scope.Scope, firstHint: number) =>
      Effect.gen(function*() {
        let hint = firstHint
        for (let n = 0;; n++) {
          const woken = wake
          const backoff = Math.min(2 ** n, p.poll)
          const ms = hint > 0 ? Math.min(hint + 1, p.poll) : backoff
          yield* Effect.raceFirst(Effect.sleep(Duration.millis(ms)), Deferred.await(woken))
          const [granted, , next] = yield* attempt(id, scope).pipe(Effect.mapError((e) => unavailable(caller, e)))
          if (granted === 1) return
          hint = next
        }
      })

    const acquire = (caller: Caller): Effect.Effect<number, AcquireError, Scope.Scope> =>
      Effect.suspend(() => {
        if (closed) return Effect.fail(new ClientClosed(where(caller)))
        const id = `${processId}:${++sequence}`
        // a caller that gives up (or is interrupted) leaves the queue; not awaited, Redis may be away
        return take(caller, id).pipe(
          Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Effect.asVoid(Effect.forkDaemon(cancel(id))))
        )
      })

    const take = (caller: Caller, id: string): Effect.Effect<number, AcquireError, Scope.Scope> =>
      Effect.gen(function*() {
        const scope = yield* Effect.scope
        const start = yield* Clock.currentTimeMillis
        const first = yield* Effect.either(attempt(id, scope))
        if (first._tag === "Left") return yield* onUnavailable(caller, first.left, start)
        const [granted, , hint] = first.right
        if (granted === 1) return 0
        if (pending >= p.hardLimit) {
          return yield* new TooManyRequestsPending({ ...where(caller), limiter: p.limiter, pending })
        }
        pending++
        let waiting: Effect.Effect<void, LimiterUnavailable | ClientClosed | TooMuchTimePending> = wait(caller, id, scope, hint).pipe(
          Effect.raceFirst(Effect.zipRight(Deferred.await(closing), new ClientClosed(where(caller))))
        )
        if (Option.isSome(p.timeout)) {
          const after = p.timeout.value
          waiting = Effect.timeoutFail(waiting, {
            duration: after,
            onTimeout: () => new TooMuchTimePending({ ...where(caller), limiter: p.limiter, pending, waited: after })
          })
        }
        const outcome = yield* waiting.pipe(
          Effect.ensuring(Effect.sync(() => pending--)),
          Effect.either
        )
        if (outcome._tag === "Left") {
          return outcome.left._tag === "LimiterUnavailable" && store.onUnavailable === "allow"
            ? yield* onUnavailable(caller, outcome.left, start)
            : yield* outcome.left
        }
        return (yield* Clock.currentTimeMillis) - start
      })

    const onUnavailable = (caller: Caller, e: StoreFailure | LimiterUnavailable, start: number) =>
      store.onUnavailable === "allow"
        ? Effect.zipRight(
          Effect.logWarning(`RedisLimiter ${p.name}: Redis unavailable, call let through: ${e.reason}`),
          Effect.map(Clock.currentTimeMillis, (now) => now - start)
        )
        : Effect.fail(e._tag === "StoreFailure" ? unavailable(caller, e) : e)

    return {
      limiter: p.limiter,
      acquire,
      withPermit: (caller) => (effect) => Effect.scoped(Effect.zipRight(acquire(caller), effect)),
      pending: Effect.sync(() => pending),
      stats: Effect.map(store.run("scCount", keys, []), (reply) => {
        const [taken, waiting] = reply as [number, number]
        return { taken, waiting }
      })
    } satisfies Limiter
  })

const where = (caller: Caller) => ({ service: caller.service, endpoint: caller.endpoint })

/**
 * At most `limit` calls in flight across every process that shares the name.
 *
 * @since 0.1.0
 * @category constructors
 */
export const semaphore = (options: CommonOptions): Effect.Effect<Limiter, never, RedisStore | Scope.Scope> =>
  Effect.flatMap(plan("pool", options), makeLimiter)

/**
 * At most `limit` call starts in any window of `period` across every process that
 * shares the name.
 *
 * @since 0.1.0
 * @category constructors
 */
export const window = (options: WindowOptions): Effect.Effect<Limiter, never, RedisStore | Scope.Scope> =>
  Effect.suspend(() => {
    const period = millis(options.period, NaN)
    return Effect.flatMap(plan("rateLimit", options, period, options.hold), makeLimiter)
  })

const plugin = (name: string, attribute: string) => (limiter: Limiter): Plugin.Plugin =>
  Plugin.make(name, {
    aroundSend: (session: Session, send) =>
      Effect.scoped(Effect.flatMap(limiter.acquire(session), (blocked) => {
        session.attributes[attribute] = blocked
        return send
      })).pipe(
        Effect.catchTag("LimiterUnavailable", (e) =>
          Effect.fail(
            new PluginError({ service: e.service, endpoint: e.endpoint, plugin: name, reason: e.message, cause: e })
          ))
      )
  })

/**
 * The Pool plugin on a Redis semaphore: the permit is held from the send to the end of
 * the body read, its blocked time goes to `blockedByPool`. Redis failures reach the
 * caller as `PluginError` (plugin `"RedisPool"`) whose `cause` is `LimiterUnavailable`.
 *
 * **Example** (Five calls in flight across every replica)
 * ```ts
 * const client = ServiceClient.make(Api, {
 *   name: "users",
 *   baseUrl: "http://users",
 *   plugins: [RedisLimiter.pool({ name: "users", limit: 5, timeout: "10 seconds" })]
 * }) // needs RedisStore.layer(...)
 * ```
 *
 * @since 0.1.0
 * @category plugins
 */
export const pool = (options: CommonOptions): Effect.Effect<Plugin.Plugin, never, RedisStore | Scope.Scope> =>
  Effect.map(semaphore(options), plugin("RedisPool", "blockedByPool"))

/**
 * The RateLimit plugin on a Redis window; blocked time goes to `blockedByRateLimit`.
 *
 * @since 0.1.0
 * @category plugins
 */
export const rateLimit = (options: WindowOptions): Effect.Effect<Plugin.Plugin, never, RedisStore | Scope.Scope> =>
  Effect.map(window(options), plugin("RedisRateLimit", "blockedByRateLimit"))
