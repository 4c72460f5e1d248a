/**
 * The distributed limiter on a Redis store (see `RedisLimiter` for the model): shared by
 * the public `RedisLimiter.semaphore`/`window` and by the Redis `LimiterStore` behind
 * `Pool` and `RateLimit`.
 *
 * @internal
 */
import { ClientClosed } from "@service-client/core/Errors"
import { LimiterUnavailable, TooManyRequestsPending, TooMuchTimePending } from "@service-client/plugins/LimiterError"
import { Clock, Deferred, Duration, Effect, Exit, FiberId, Option, Schedule, Scope } from "effect"
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
  readonly subscribe: (channel: string, onMessage: (message: string) => void) => Effect.Effect<void, never, Scope.Scope>
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

/** @internal A distributed limiter (`RedisLimiter.Limiter` is the one over the Redis store). */
export interface Limiter<F extends Failure> {
  readonly limiter: "pool" | "rateLimit"
  /**
   * Takes a permit for the life of the scope (renewed meanwhile) and succeeds with the
   * time blocked waiting for it, in milliseconds.
   */
  readonly acquire: (caller: Caller) => Effect.Effect<number, AcquireError, Scope.Scope>
  /**
   * Takes a permit for the life of the scope only if one is free now and nobody waits
   * (never queues); `false` when none is, or when Redis does not answer.
   */
  readonly tryAcquire: (caller: Caller) => Effect.Effect<boolean, never, Scope.Scope>
  /** Runs `effect` with a permit. */
  readonly withPermit: (
    caller: Caller
  ) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | AcquireError, Exclude<R, Scope.Scope>>
  /** Calls of this process waiting for a permit. */
  readonly pending: Effect.Effect<number>
  /** Permits taken and tickets waiting, across all processes. */
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

/** What a waiter learns: it holds a permit (`true`), or its ticket was lost and it queues again. */
type Wake = boolean

/**
 * A limiter named `p.name` on `store` for the life of the scope.
 *
 * Waiting is push, not poll: a waiter registers a Deferred under its ticket id; whoever
 * frees a permit (a release, a cancel, an expiry seen by any process) hands it to the
 * oldest ticket in Redis and publishes the ticket ids, and the one subscriber
 * connection of the process completes their Deferreds. One fiber per limiter per
 * process (the "ticker") runs while this process has waiters: it checks once every
 * `poll`..`2 * poll` (jittered) for all of them — recovering a lost publish and keeping
 * their tickets alive — and at the moment the first taken permit expires (a window's
 * permit, a dead process's lease), which no event announces.
 *
 * @internal
 */
export const make = <F extends Failure>(store: Store<F>, p: Plan): Effect.Effect<Limiter<F>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const base = `${store.prefix}:{${p.name}}`
    const keys = [`${base}:permits`, `${base}:queue`, `${base}:beats`, `${base}:seq`, `${base}:wake`]
    // a ticket lives this long without a check of its process
    const heartbeat = Math.max(5_000, 5 * p.poll)
    const keyTtl = 2 * Math.max(p.ttl, heartbeat, p.hold) + 60_000
    const args = (id: string, fifth: number | string) => [p.limit, p.ttl, heartbeat, id, fifth, keyTtl]

    const waiters = new Map<string, Deferred.Deferred<Wake>>()
    /** Redis-clock-free: local ms at which the first taken permit expires (Infinity: unknown/none) */
    let expiresAt = Infinity
    let poke = Deferred.unsafeMake<void>(FiberId.none)
    let idle = true
    const pokeTicker = () => {
      const poked = poke
      poke = Deferred.unsafeMake<void>(FiberId.none)
      Deferred.unsafeDone(poked, Exit.void)
    }
    const learnHint = (hint: number) => {
      expiresAt = hint >= 0 ? Date.now() + hint : Infinity
    }
    const wakeUp = (id: string, wake: Wake) => {
      const d = waiters.get(id)
      if (d !== undefined) Deferred.unsafeDone(d, Exit.succeed(wake))
    }

    yield* store.subscribe(keys[4]!, (message) => {
      const parts = message.split(" ")
      const hint = Number(parts[0])
      for (let i = 1; i < parts.length; i++) wakeUp(parts[i]!, true)
      if (waiters.size > 0 && Number.isFinite(hint)) {
        learnHint(hint)
        pokeTicker()
      }
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
      p.hold < 0 ? Effect.void : store.run("scRelease", keys, args(id, p.hold)).pipe(
        Effect.catchAll((e) => Effect.logWarning(`RedisLimiter ${p.name}: could not release a permit: ${e.reason}`))
      )

    const renew = (id: string) =>
      store.run("scRenew", keys, args(id, 0)).pipe(
        Effect.flatMap((ok) =>
          ok === 1 ? Effect.void : Effect.logWarning(`RedisLimiter ${p.name}: a permit in use expired before renewal`)
        ),
        Effect.catchAll((e) => Effect.logWarning(`RedisLimiter ${p.name}: could not renew a permit: ${e.reason}`)),
        Effect.repeat(Schedule.spaced(Duration.millis(p.renewEvery))),
        Effect.delay(Duration.millis(p.renewEvery))
      )

    /** Ties a permit held by `id` to `scope`: released when it closes, renewed meanwhile. */
    const hold = (id: string, scope: Scope.Scope) =>
      Effect.uninterruptible(Effect.zipRight(
        Scope.addFinalizer(scope, release(id)),
        p.renewEvery > 0 ? Effect.forkIn(Effect.interruptible(renew(id)), scope) : Effect.void
      ))

    /** One try (queues `id` when refused); on success the permit is tied to `scope` before anything can interrupt. */
    const attempt = (id: string, scope: Scope.Scope) =>
      Effect.uninterruptible(
        store.run("scAcquire", keys, args(id, 1)).pipe(
          Effect.map((reply) => reply as [number, number]),
          Effect.tap(([granted, hint]) => granted === 1 ? hold(id, scope) : Effect.sync(() => learnHint(hint)))
        )
      )

    const cancel = (id: string) => store.run("scCancel", keys, args(id, 0)).pipe(Effect.ignore)

    /** The ticker: one check for every waiter of this process, at most once per poll..2*poll or at an expiry. */
    const ticker = Effect.gen(function*() {
      let nextCheck = 0
      for (;;) {
        const poked = poke
        if (waiters.size === 0) {
          idle = true
          yield* Deferred.await(poked)
          idle = false
          nextCheck = Date.now() + p.poll * (1 + Math.random())
          continue
        }
        // a small spread, so that processes waking at the same expiry rarely all ask
        const due = Math.min(nextCheck, expiresAt + 1 + Math.random() * 2)
        const now = Date.now()
        if (due > now) {
          // a poke (a publish) only brings a new expiry: the fallback check keeps its time
          yield* Effect.raceFirst(Effect.sleep(Duration.millis(due - now)), Deferred.await(poked))
          continue
        }
        nextCheck = now + p.poll * (1 + Math.random())
        const ids = Array.from(waiters.keys())
        const reply = yield* Effect.either(store.run("scTick", keys, [...args("", 0), ...ids]))
        if (reply._tag === "Left") {
          expiresAt = Infinity // the waiters' own deadlines and the next check cover it
          continue
        }
        const [hint, held, lost] = reply.right as [number, Array<string>, Array<string>]
        learnHint(hint)
        for (const id of held) wakeUp(id, true)
        for (const id of lost) wakeUp(id, false)
      }
    })
    yield* Effect.forkScoped(ticker)

    const wait = (caller: Caller, id: string, scope: Scope.Scope) =>
      Effect.gen(function*() {
        for (;;) {
          const d = waiters.get(id)!
          if (yield* Deferred.await(d)) return yield* hold(id, scope)
          // the ticket was lost (evicted while Redis was away): queue again
          waiters.set(id, Deferred.unsafeMake<Wake>(FiberId.none))
          const [granted] = yield* attempt(id, scope).pipe(Effect.mapError((e) => unavailable(caller, e)))
          if (granted === 1) return
        }
      })

    const acquire = (caller: Caller): Effect.Effect<number, AcquireError, Scope.Scope> =>
      Effect.suspend(() => {
        if (closed) return Effect.fail(new ClientClosed(where(caller)))
        const id = `${processId}:${++sequence}`
        // a caller that gives up (or is interrupted) leaves the queue, and gives back a permit
        // handed to it meanwhile; not awaited, Redis may be away
        return take(caller, id).pipe(
          Effect.onExit((exit) =>
            Effect.suspend(() => {
              waiters.delete(id)
              return Exit.isSuccess(exit) ? Effect.void : Effect.asVoid(Effect.forkDaemon(cancel(id)))
            })
          )
        )
      })

    const take = (caller: Caller, id: string): Effect.Effect<number, AcquireError, Scope.Scope> =>
      Effect.gen(function*() {
        const scope = yield* Effect.scope
        const start = yield* Clock.currentTimeMillis
        // registered before the first try, so a hand-off published before its answer is not missed
        waiters.set(id, Deferred.unsafeMake<Wake>(FiberId.none))
        const first = yield* Effect.either(attempt(id, scope))
        if (first._tag === "Left") return yield* onUnavailable(caller, first.left, start)
        if (first.right[0] === 1) return 0
        if (pending >= p.hardLimit) {
          return yield* new TooManyRequestsPending({ ...where(caller), limiter: p.limiter, pending })
        }
        pending++
        if (idle) pokeTicker()
        let waiting: Effect.Effect<void, LimiterUnavailable | ClientClosed | TooMuchTimePending> = wait(
          caller,
          id,
          scope
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

    const tryAcquire = (_caller: Caller): Effect.Effect<boolean, never, Scope.Scope> =>
      Effect.suspend(() => {
        if (closed) return Effect.succeed(false)
        const id = `${processId}:${++sequence}`
        return Effect.flatMap(Effect.scope, (scope) =>
          Effect.uninterruptible(
            store.run("scAcquire", keys, args(id, 0)).pipe(
              Effect.flatMap((reply) =>
                (reply as [number, number])[0] === 1 ? Effect.as(hold(id, scope), true) : Effect.succeed(false)
              ),
              Effect.orElseSucceed(() => false)
            )
          ))
      })

    return {
      limiter: p.limiter,
      acquire,
      tryAcquire,
      withPermit: (caller) => (effect) => Effect.scoped(Effect.zipRight(acquire(caller), effect)),
      pending: Effect.sync(() => pending),
      stats: Effect.map(store.run("scCount", keys, []), (reply) => {
        const [taken, waiting] = reply as [number, number]
        return { taken, waiting }
      })
    } satisfies Limiter<F>
  })
