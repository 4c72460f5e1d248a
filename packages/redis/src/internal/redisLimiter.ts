/**
 * The distributed limiter on a Redis store (see `RedisLimiter` for the model): shared by
 * the public `RedisLimiter.semaphore`/`window` and by the Redis `LimiterStore` behind
 * `Pool` and `RateLimit`.
 *
 * @internal
 */
import { ClientClosed } from "@service-client/core/Errors"
import { Clock, Deferred, Duration, Effect, Exit, FiberId, Option, Schedule, Scope } from "effect"
import { LimiterUnavailable, TooManyRequestsPending, TooMuchTimePending } from "@service-client/plugins/LimiterError"
import type { ScriptName } from "./redisScripts.js"

// The shapes below are the parts of the public `RedisStore.Service`, `RedisLimiter.Caller`,
// `RedisLimiter.CommonOptions` and `RedisLimiter.Limiter` this module uses, written out
// here so that it imports neither public module (both import it): the compiler checks
// that the public types fit them where `RedisStore` and `RedisLimiter` call in.

/** A store command that failed (`RedisStore.StoreFailure` is one). @internal */
export interface Failure {
  readonly _tag: "StoreFailure"
  readonly reason: string
  readonly cause?: unknown
}

/** What the limiter needs of the store (`RedisStore.Service`). @internal */
export interface Store<F extends Failure> {
  readonly prefix: string
  readonly onUnavailable: "fail" | "allow"
  readonly leaseTtl: number
  readonly pollInterval: number
  readonly run: (
    script: ScriptName,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string | number>
  ) => Effect.Effect<unknown, F>
  readonly subscribe: (channel: string, onMessage: () => void) => Effect.Effect<void, never, Scope.Scope>
}

/** @internal */
export interface Caller {
  readonly service: string
  readonly endpoint: string
}

/** @internal */
export type AcquireError = TooManyRequestsPending | TooMuchTimePending | ClientClosed | LimiterUnavailable

/** @internal */
export interface CommonOptions {
  readonly name: string
  readonly limit: number
  readonly hardLimit?: number | undefined
  readonly timeout?: Duration.DurationInput | undefined
  readonly leaseTtl?: Duration.DurationInput | undefined
  readonly pollInterval?: Duration.DurationInput | undefined
}

/** @internal */
export interface Limiter<F extends Failure> {
  readonly limiter: "pool" | "rateLimit"
  readonly acquire: (caller: Caller) => Effect.Effect<number, AcquireError, Scope.Scope>
  readonly withPermit: (
    caller: Caller
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | AcquireError, Exclude<R, Scope.Scope>>
  readonly pending: Effect.Effect<number>
  readonly stats: Effect.Effect<{ readonly taken: number; readonly waiting: number }, F>
}

/** @internal */
export interface Plan {
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

/** Milliseconds of a duration input; NaN when it is not one. @internal */
export const millis = (input: unknown, fallback: number): number =>
  input === undefined ? fallback : Option.match(Duration.decodeUnknown(input), {
    onNone: () => NaN,
    onSome: Duration.toMillis
  })

const invalid = (key: string, value: unknown) => Effect.dieMessage(`RedisLimiter: invalid ${key}: ${String(value)}`)

/**
 * Checks the options (a bad one is a defect: a mistake in code) against the store's
 * defaults for `leaseTtl` and `pollInterval`. `period` (ms) makes a window.
 *
 * @internal
 */
export const plan = <F extends Failure>(
  store: Store<F>,
  limiter: "pool" | "rateLimit",
  options: CommonOptions,
  period?: number,
  hold?: string
): Effect.Effect<Plan> =>
  Effect.gen(function*() {
    const { hardLimit = Infinity, limit, name } = options
    if (typeof name !== "string" || name === "") return yield* invalid("name", name)
    if (!Number.isInteger(limit) || limit < 1) return yield* invalid("limit", limit)
    if (typeof hardLimit !== "number" || !(hardLimit >= 0)) return yield* invalid("hardLimit", hardLimit)
    const leaseTtl = millis(options.leaseTtl, store.leaseTtl)
    const poll = millis(options.pollInterval, store.pollInterval)
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

const where = (caller: Caller) => ({ service: caller.service, endpoint: caller.endpoint })

/**
 * A limiter named `p.name` on `store` for the life of the scope.
 *
 * @internal
 */
export const make = <F extends Failure>(store: Store<F>, p: Plan): Effect.Effect<Limiter<F>, never, Scope.Scope> =>
  Effect.gen(function*() {
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

    const unavailable = (caller: Caller, e: F) =>
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
        let waiting: Effect.Effect<void, LimiterUnavailable | ClientClosed | TooMuchTimePending> = wait(
          caller,
          id,
          scope,
          hint
        ).pipe(
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

    const onUnavailable = (caller: Caller, e: F | LimiterUnavailable, start: number) =>
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
    } satisfies Limiter<F>
  })
