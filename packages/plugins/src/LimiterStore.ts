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
import { Clock, Context, Duration, Effect, Layer, type Scope } from "effect"
import * as Policy from "./internal/limiter.js"

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
 * A waiting call's place in a store's queue: the store calls `wake(true)` when it hands the
 * ticket a permit, `wake(false)` when it lost the ticket (the call queues again).
 *
 * @since 0.1.0
 * @category models
 */
export interface Ticket extends Policy.Ticket {}

/**
 * A store operation that failed: the store did not answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoreFailure extends Policy.StoreFailure {}

/**
 * A limit's permits in a store: data operations only, as `@effect/experimental`'s
 * `RateLimiterStore` is. The queue of tickets is the store's (so a shared store keeps FIFO
 * across processes: it hands a freed permit to its oldest ticket and wakes it); waiting,
 * `hardLimit`, `timeout`, the call's deadline, closing, the typed errors and the blocked
 * time are the limiter's ({@link limiter}), the same for every store.
 *
 * - `take(ticket)`: a permit for the ticket if one is free and no ticket waits (`true`),
 *   else the ticket joins the queue (`false`) and its `wake` is called later;
 * - `tryTake(ticket)`: the same without queueing (a hedge asks it);
 * - `cancel(ticket)`: after a `take`, the ticket leaves the queue, or gives back the permit
 *   it holds and never used;
 * - `release(ticket)`: gives back the permit it used (a RateLimit's comes back `period` later);
 * - `takeNow` / `releaseNow`: an in-memory store's synchronous take and give (no ticket):
 *   the limiter's fast path, without a runtime step; `queueNow`: its synchronous queueing
 *   of a ticket when `takeNow` found no permit (a wait without a runtime step of the store's).
 *
 * @since 0.1.0
 * @category models
 */
export interface Permits extends Policy.Permits {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `memory` or `redis` (for logs and tests). */
  readonly kind: string
  /** A limit's permits for the life of the scope. */
  readonly make: (options: Options) => Effect.Effect<Permits, never, Scope.Scope>
}

/**
 * How a limiter waits for the permits of a store (see {@link limiter}).
 *
 * @since 0.1.0
 * @category models
 */
export interface LimiterOptions {
  readonly limiter: "pool" | "rateLimit"
  /** Most calls of this process waiting; more fail with `TooManyRequestsPending`. */
  readonly hardLimit?: number | undefined
  /** Longest wait; then `TooMuchTimePending`. */
  readonly timeout?: Duration.Duration | undefined
  /** RateLimit's `adaptive`: set, the limiter may be paused (`Limiter.pause`). */
  readonly adaptive?: object | undefined
}

/**
 * Who enters a limiter: a `Session` is one.
 *
 * @since 0.1.0
 * @category models
 */
export type Caller = Policy.Caller

/**
 * A limiter: the waiting policy of Pool and RateLimit over a store's {@link Permits}.
 * `enter` is an `enterSend` hook (it writes the time spent waiting on `blockedByPool` /
 * `blockedByRateLimit`, ms, also when the call fails); `tryEnter` takes a permit only if
 * one is free now and nobody waits (Hedge asks it before a second request).
 *
 * @since 0.1.0
 * @category models
 */
export interface Limiter extends Policy.Limiter {}

/**
 * The waiting policy over `permits` for the life of the scope: a call takes a permit at
 * once when one is free and nobody waits, else waits in the store's queue — at most
 * `hardLimit` calls of this process (`TooManyRequestsPending`), each at most `timeout`
 * (`TooMuchTimePending`) and no longer than its deadline (`TimeoutError`); a store that
 * does not answer fails the call with `LimiterUnavailable` (or lets it through, when the
 * store says `onUnavailable: "allow"`). Closing the scope fails every waiter, and every
 * later call, with `ClientClosed`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const limiter = (permits: Permits, options: LimiterOptions): Effect.Effect<Limiter, never, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) =>
    Policy.make(permits, {
      limiter: options.limiter,
      attribute: options.limiter === "pool" ? "blockedByPool" : "blockedByRateLimit",
      hardLimit: options.hardLimit,
      timeout: options.timeout,
      scope,
      pausable: options.adaptive !== undefined
    }))

/** A permit back: to the oldest ticket if one waits, else to the free count. */
interface Queue {
  readonly add: (ticket: Ticket) => void
  readonly remove: (ticket: Ticket) => boolean
  readonly size: () => number
  /** Wakes the oldest tickets with `take()` permits while it answers true. */
  readonly handOff: (take: () => boolean) => void
}

const makeQueue = (): Queue => {
  // from `head` on, the tickets in arrival order (some already gone: not in `queued`); a slot
  // before `head` is cleared, so a woken ticket is not held here until the queue empties
  const tickets: Array<Ticket | undefined> = []
  let head = 0
  const queued = new Set<Ticket>()
  return {
    add: (ticket) => {
      queued.add(ticket)
      tickets.push(ticket)
    },
    remove: (ticket) => {
      if (!queued.delete(ticket)) return false
      // a ticket that left out of order leaves its slot until the queue empties or is swept
      if (queued.size === 0) {
        tickets.length = 0
        head = 0
      } else if (tickets.length - head > 1024 && tickets.length - head > 4 * queued.size) {
        Policy.sweep(tickets, head, (t) => t !== undefined && queued.has(t))
        head = 0
      }
      return true
    },
    size: () => queued.size,
    handOff: (take) => {
      while (queued.size > 0 && head < tickets.length) {
        const ticket = tickets[head]!
        if (!queued.has(ticket)) {
          tickets[head++] = undefined
          continue
        }
        if (!take()) break
        tickets[head++] = undefined
        queued.delete(ticket)
        ticket.wake(true)
      }
      if (queued.size === 0) {
        tickets.length = 0
        head = 0
      } else if (head > 1024 && head * 2 > tickets.length) {
        tickets.splice(0, head)
        head = 0
      }
    }
  }
}

/** `limit` permits in memory, each back when the send ends (a Pool's). */
const counter = (limit: number): Permits => {
  // invariant after every operation: no permit is free while a ticket waits
  let free = limit
  const queue = makeQueue()
  const takeFree = () => {
    if (free === 0) return false
    free--
    return true
  }
  const give = () => {
    if (free < limit) free++
    if (queue.size() > 0) queue.handOff(takeFree)
  }
  return {
    takeNow: takeFree,
    queueNow: (ticket) => {
      queue.add(ticket)
      return Effect.void
    },
    releaseNow: () => {
      give()
      return Effect.void
    },
    take: (ticket) =>
      Effect.sync(() => {
        if (free > 0) {
          free--
          return true
        }
        queue.add(ticket)
        return false
      }),
    tryTake: () => Effect.sync(takeFree),
    cancel: (ticket) =>
      Effect.sync(() => {
        if (!queue.remove(ticket)) give()
      }),
    release: () => Effect.sync(give)
  }
}

/**
 * A RateLimit's `limit` permits in memory: a used one comes back `period` ms after its
 * send ended. Return times are kept in a FIFO (monotonic, since the period is constant);
 * a take reclaims the due ones with one Clock read, only when no permit is free. While
 * tickets wait for a permit yet to come back, ONE timer per store sleeps until the
 * earliest return and hands the permits to the tickets (no fiber per call).
 */
const window = (limit: number, period: number, scope: Scope.Scope): Permits => {
  let free = limit
  let returns: Array<number> = []
  let head = 0
  const queue = makeQueue()
  const takeFree = () => {
    if (free === 0) return false
    free--
    return true
  }
  const reclaim = (now: number) => {
    while (head < returns.length && returns[head]! <= now) {
      head++
      free++
    }
    if (head === returns.length) {
      returns = []
      head = 0
    } else if (head > 1024 && head * 2 > returns.length) {
      returns = returns.slice(head)
      head = 0
    }
    if (free > 0 && queue.size() > 0) queue.handOff(takeFree)
  }
  let timer = false
  const tick: Effect.Effect<void> = Effect.flatMap(Clock.currentTimeMillis, (now) => {
    reclaim(now)
    const next = head < returns.length ? returns[head] : undefined
    if (next === undefined || queue.size() === 0) {
      timer = false
      return Effect.void
    }
    return Effect.zipRight(Effect.sleep(Duration.millis(next - now)), tick)
  })
  const needsTimer = () => !timer && queue.size() > 0 && head < returns.length
  // marked as started in the step that forks it (uninterruptibly): an Effect built and never
  // run, or interrupted before the fork, must not leave it marked and the queue unserved
  const forkTimer = Effect.uninterruptible(Effect.suspend(() => {
    if (!needsTimer()) return Effect.void
    timer = true
    return Effect.asVoid(Effect.forkIn(Effect.interruptible(tick), scope))
  }))
  const startTimer = (): Effect.Effect<void> => needsTimer() ? forkTimer : Effect.void
  // the permit returns `period` after the send ends: its return time goes into the FIFO
  const returnAt = (now: number) => {
    reclaim(now)
    returns.push(now + period)
    return startTimer()
  }
  return {
    takeNow: (clock) => {
      if (free === 0 && head < returns.length) reclaim(clock.unsafeCurrentTimeMillis())
      return takeFree()
    },
    releaseNow: (clock) => returnAt(clock.unsafeCurrentTimeMillis()),
    // after `takeNow` found no permit (and reclaimed the due ones)
    queueNow: (ticket) => {
      queue.add(ticket)
      return startTimer()
    },
    take: (ticket) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (free === 0 && head < returns.length) reclaim(now)
        if (free > 0 && queue.size() === 0) {
          free--
          return Effect.succeed(true)
        }
        queue.add(ticket)
        return Effect.as(startTimer(), false)
      }),
    tryTake: () =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        if (free === 0 && head < returns.length) reclaim(now)
        return queue.size() === 0 && takeFree()
      }),
    cancel: (ticket) =>
      Effect.sync(() => {
        if (queue.remove(ticket)) return
        // a permit handed to a waiter that gave up before its send: it was never used
        if (free + returns.length - head < limit) free++
        if (queue.size() > 0) queue.handOff(takeFree)
      }),
    release: () => Effect.flatMap(Clock.currentTimeMillis, returnAt)
  }
}

/**
 * Permits in memory, one count per plugin: a Pool's permit comes back when the send ends;
 * a RateLimit's `period` later (see {@link Permits}). Synchronous: the limiter's fast path
 * takes and gives back a permit without a runtime step.
 *
 * @since 0.1.0
 * @category constructors
 */
export const memory: Service = {
  kind: "memory",
  make: (options) =>
    Effect.map(Effect.scope, (scope) =>
      options.limiter === "pool" || options.period === undefined
        ? counter(options.limit)
        : window(options.limit, Duration.toMillis(options.period), scope))
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
