/**
 * A limit's permits on a Redis store (see `RedisLimiter` for the model): the data
 * operations of `LimiterStore.Permits` (take or queue a ticket, try, cancel, release) over
 * the Lua scripts, the wake-ups of this process's tickets, their heartbeats and the
 * renewal of the permits it holds. Waiting, `hardLimit`, `timeout`, closing and the errors
 * are `LimiterStore.limiter`'s, the same as in memory: this module is used through it by
 * the public `RedisLimiter.semaphore`/`window` and by the Redis `LimiterStore` behind
 * `Pool` and `RateLimit`.
 *
 * @internal
 */
import type { ClientClosed } from "@service-client/core/Errors"
import type {
  LimiterUnavailable,
  TooManyRequestsPending,
  TooMuchTimePending
} from "@service-client/plugins/LimiterError"
import type * as LimiterStore from "@service-client/plugins/LimiterStore"
import { Deferred, Duration, Effect, Exit, FiberId, Option, type Scope } from "effect"
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

/**
 * The permits named `p.name` on `store` for the life of the scope.
 *
 * Waiting is push, not poll: `take` registers the ticket before it asks Redis; whoever frees
 * a permit (a release, a cancel, an expiry seen by any process) hands it to the oldest
 * ticket in Redis and publishes the ticket ids, and the one subscriber connection of the
 * process wakes those of its tickets. One fiber per limit per process (the "ticker") runs
 * while this process has tickets: it checks once every `poll`..`2 * poll` (jittered) for
 * all of them — recovering a lost publish, keeping their heartbeats, telling the tickets
 * Redis lost to queue again — and at the moment the first taken permit expires (a window's
 * permit, a dead process's lease), which no event announces. One more fiber renews every
 * permit this process holds (leases), every `renewEvery`.
 *
 * @internal
 */
export const permits = <F extends Failure>(
  store: Store<F>,
  p: Plan
): Effect.Effect<LimiterStore.Permits, never, Scope.Scope> =>
  Effect.gen(function*() {
    const base = `${store.prefix}:{${p.name}}`
    const keys = [`${base}:permits`, `${base}:queue`, `${base}:beats`, `${base}:seq`, `${base}:wake`]
    // a ticket lives this long without a check of its process
    const heartbeat = Math.max(5_000, 5 * p.poll)
    const keyTtl = 2 * Math.max(p.ttl, heartbeat, p.hold) + 60_000
    const args = (id: string, fifth: number | string) => [p.limit, p.ttl, heartbeat, id, fifth, keyTtl]

    /** The tickets of this process queued in Redis, by id. */
    const tickets = new Map<string, LimiterStore.Ticket>()
    /** The permits this process holds (leases renewed while held). */
    const held = new Set<string>()
    /** Redis-clock-free: local ms at which the first taken permit expires (Infinity: unknown/none) */
    let expiresAt = Infinity
    let poke = Deferred.unsafeMake<void>(FiberId.none)
    let idle = true
    const pokeTicker = () => {
      const poked = poke
      poke = Deferred.unsafeMake<void>(FiberId.none)
      Deferred.unsafeDone(poked, Exit.void)
    }
    let renewPoke = Deferred.unsafeMake<void>(FiberId.none)
    let renewing = false
    const hold = (id: string) => {
      held.add(id)
      if (!renewing && p.renewEvery > 0) {
        const poked = renewPoke
        renewPoke = Deferred.unsafeMake<void>(FiberId.none)
        Deferred.unsafeDone(poked, Exit.void)
      }
    }
    const learnHint = (hint: number) => {
      expiresAt = hint >= 0 ? Date.now() + hint : Infinity
    }
    const wakeUp = (id: string, granted: boolean) => {
      const ticket = tickets.get(id)
      if (ticket === undefined) return
      tickets.delete(id)
      if (granted) hold(id)
      ticket.wake(granted)
    }

    yield* store.subscribe(keys[4]!, (message) => {
      const parts = message.split(" ")
      const hint = Number(parts[0])
      for (let i = 1; i < parts.length; i++) wakeUp(parts[i]!, true)
      if (tickets.size > 0 && Number.isFinite(hint)) {
        learnHint(hint)
        pokeTicker()
      }
    })

    /** The ticker: one check for every ticket of this process, at most once per poll..2*poll or at an expiry. */
    const ticker = Effect.gen(function*() {
      let nextCheck = 0
      for (;;) {
        const poked = poke
        if (tickets.size === 0) {
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
        const ids = Array.from(tickets.keys())
        const reply = yield* Effect.either(store.run("scTick", keys, [...args("", 0), ...ids]))
        if (reply._tag === "Left") {
          expiresAt = Infinity // the waiters' own deadlines and the next check cover it
          continue
        }
        const [hint, granted, lost] = reply.right as [number, Array<string>, Array<string>]
        learnHint(hint)
        for (const id of granted) wakeUp(id, true)
        // evicted while Redis was away: the limiter takes again (queues anew)
        for (const id of lost) wakeUp(id, false)
      }
    })
    yield* Effect.forkScoped(ticker)

    /** The renewer: extends every lease this process holds, every `renewEvery`. */
    const renewOne = (id: string) =>
      store.run("scRenew", keys, args(id, 0)).pipe(
        Effect.flatMap((ok) =>
          ok === 1 || !held.has(id)
            ? Effect.void
            : Effect.logWarning(`RedisLimiter ${p.name}: a permit in use expired before renewal`)
        ),
        Effect.catchAll((e) => Effect.logWarning(`RedisLimiter ${p.name}: could not renew a permit: ${e.reason}`))
      )
    const renewer = Effect.gen(function*() {
      for (;;) {
        if (held.size === 0) {
          renewing = false
          yield* Deferred.await(renewPoke)
          renewing = true
          continue
        }
        yield* Effect.sleep(Duration.millis(p.renewEvery))
        yield* Effect.forEach(Array.from(held), renewOne, { concurrency: 16, discard: true })
      }
    })
    if (p.renewEvery > 0) yield* Effect.forkScoped(renewer)

    const release = (ticket: LimiterStore.Ticket) =>
      Effect.suspend(() => {
        const id = ticket.id
        held.delete(id)
        return p.hold < 0 ? Effect.void : store.run("scRelease", keys, args(id, p.hold)).pipe(
          Effect.catchAll((e) => Effect.logWarning(`RedisLimiter ${p.name}: could not release a permit: ${e.reason}`)),
          Effect.asVoid
        )
      })

    return {
      name: `RedisLimiter ${p.name}`,
      onUnavailable: store.onUnavailable,
      take: (ticket) =>
        Effect.suspend(() => {
          const id = ticket.id
          // registered before the script runs, so a hand-off published before its answer is not missed
          tickets.set(id, ticket)
          return store.run("scAcquire", keys, args(id, 1)).pipe(
            Effect.map((reply) => {
              const [granted, hint] = reply as [number, number]
              if (granted === 1) {
                tickets.delete(id)
                hold(id)
                return true
              }
              learnHint(hint)
              if (idle) pokeTicker()
              return false
            }),
            Effect.tapError(() => Effect.sync(() => tickets.delete(id)))
          )
        }),
      tryTake: (ticket) =>
        store.run("scAcquire", keys, args(ticket.id, 0)).pipe(
          Effect.map((reply) => {
            if ((reply as [number, number])[0] !== 1) return false
            hold(ticket.id)
            return true
          }),
          Effect.orElseSucceed(() => false)
        ),
      // out of the queue, and a permit handed to it meanwhile goes back; not awaited, Redis may be away
      cancel: (ticket) =>
        Effect.suspend(() => {
          const id = ticket.id
          tickets.delete(id)
          held.delete(id)
          return Effect.asVoid(Effect.forkDaemon(Effect.ignore(store.run("scCancel", keys, args(id, 0)))))
        }),
      release
    } satisfies LimiterStore.Permits
  })

/** Permits taken and tickets waiting, across all processes. @internal */
export const stats = <F extends Failure>(store: Store<F>, p: Plan) => {
  const base = `${store.prefix}:{${p.name}}`
  const keys = [`${base}:permits`, `${base}:queue`, `${base}:beats`, `${base}:seq`, `${base}:wake`]
  return Effect.map(store.run("scCount", keys, []), (reply) => {
    const [taken, waiting] = reply as [number, number]
    return { taken, waiting }
  })
}
