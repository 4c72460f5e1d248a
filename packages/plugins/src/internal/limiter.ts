/**
 * The waiting queue shared by Pool and RateLimit: permits come from a {@link PermitStore};
 * calls that find none wait in FIFO order, at most `hardLimit` of them, each at most
 * `timeout` (one timer per limiter ends those waits: the queue is in expiry order). An
 * interrupted or timed-out waiter leaves the queue, and gives back a permit
 * handed to it meanwhile. Closing fails every waiter and every later acquisition with
 * `ClientClosed`.
 *
 * Every change of the queue happens in one synchronous step, and every permit given back
 * is followed by a `pump` that hands free permits to the waiters in order, so a permit
 * freed between a failed `take` and the enqueue is never lost.
 *
 * A pause (adaptive RateLimit) stops every start until a given time: new calls queue even
 * when permits are free, the pump hands out nothing, and a call whose deadline (its
 * `timeout` here, or the Timeout plugin's deadline around it) falls before the end of the
 * pause fails at once with `TooMuchTimePending` (`expected`: the wait still ahead), the
 * waiters already queued included.
 *
 * @internal
 */
import * as Deadline from "@service-client/core/Deadline"
import { ClientClosed, type TimeoutError } from "@service-client/core/Errors"
import type * as Plugin from "@service-client/core/Plugin"
import type { Session } from "@service-client/core/Session"
import { Clock, Duration, Effect, Exit, type Scope } from "effect"
import { TooManyRequestsPending, TooMuchTimePending } from "../LimiterError.js"

/**
 * Where permits live. The in-memory store counts them; a shared store (Redis...) can take
 * its place later. `take` must be atomic: it takes a permit only if one is free.
 *
 * @internal
 */
export interface PermitStore {
  /** Takes one permit if one is free now. */
  readonly take: Effect.Effect<boolean>
  /** Gives one permit back. */
  readonly give: Effect.Effect<void>
  /**
   * In-memory stores: `take` done synchronously (the limiter's fast path), reading the time
   * from `clock` only if it needs it.
   */
  readonly takeNow?: ((clock: Clock.Clock) => boolean) | undefined
  /** In-memory stores: `give` done synchronously. */
  readonly giveNow?: (() => void) | undefined
}

/** `limit` permits in memory. @internal */
export const memoryStore = (limit: number): PermitStore => {
  let free = limit
  const giveNow = () => {
    if (free < limit) free++
  }
  return {
    take: Effect.sync(() => {
      if (free === 0) return false
      free--
      return true
    }),
    give: Effect.sync(giveNow),
    takeNow: () => {
      if (free === 0) return false
      free--
      return true
    },
    giveNow
  }
}

/**
 * A RateLimit's permits in memory: `limit` permits; a used one comes back `period` ms
 * after `returnAt(now)` was called for it. Return times are kept in a FIFO (monotonic,
 * since the period is constant); `take` reclaims the due ones with one Clock read, only
 * when no permit is free. `onStarved` is run when a take finds no permit while some are
 * still to come back (the caller keeps a timer for the waiters).
 *
 * @internal
 */
export interface WindowStore {
  readonly store: PermitStore
  /** Records that a permit comes back at `now + period`, and reclaims the due ones. */
  readonly returnAt: (now: number) => void
  /** Frees the permits whose return time has come. */
  readonly reclaim: (now: number) => void
  /** The earliest time a used permit comes back, if any is out. */
  readonly next: () => number | undefined
  readonly onStarved: (effect: Effect.Effect<void>) => void
}

/** @internal */
export const windowStore = (limit: number, period: number): WindowStore => {
  let free = limit
  let returns: Array<number> = []
  let head = 0
  let starved: Effect.Effect<void> = Effect.void
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
  }
  const takeReclaiming = Effect.flatMap(Clock.currentTimeMillis, (now) => {
    reclaim(now)
    if (free > 0) {
      free--
      return Effect.succeed(true)
    }
    return Effect.as(starved, false)
  })
  return {
    store: {
      takeNow: (clock) => {
        if (free === 0 && head < returns.length) reclaim(clock.unsafeCurrentTimeMillis())
        if (free === 0) return false
        free--
        return true
      },
      take: Effect.suspend(() => {
        if (free > 0) {
          free--
          return Effect.succeed(true)
        }
        return head < returns.length ? takeReclaiming : Effect.succeed(false)
      }),
      // a permit handed to a waiter that gave up before its send: it was never used
      give: Effect.sync(() => {
        if (free + returns.length - head < limit) free++
      })
    },
    returnAt: (now) => {
      reclaim(now)
      returns.push(now + period)
    },
    reclaim,
    next: () => (head < returns.length ? returns[head] : undefined),
    onStarved: (effect) => {
      starved = effect
    }
  }
}

/** @internal */
export interface Options {
  readonly limiter: "pool" | "rateLimit"
  /** The session attribute that gets the time spent waiting (ms). */
  readonly attribute: "blockedByPool" | "blockedByRateLimit"
  readonly store: PermitStore
  readonly hardLimit: number | undefined
  readonly timeout: Duration.Duration | undefined
  /** Where the limiter's timer runs (the timer that ends the waits that reach `timeout`). */
  readonly scope: Scope.Scope
}

interface Waiter {
  /** Resumes the waiting fiber; `undefined` until it waits (then `outcome` keeps what came first). */
  resume: ((exit: Exit.Exit<void, Failure>) => void) | undefined
  outcome: Exit.Exit<void, Failure> | undefined
  /** Clock ms by which the call gives up (limiter timeout or call deadline), if any. */
  readonly deadline: number | undefined
  /** Clock ms at which its wait reaches the limiter's `timeout`, if any. */
  readonly expires: number | undefined
  state: "waiting" | "granted" | "cancelled"
}

/** Why a waiter was woken without a permit. */
type Failure = "closed" | "timeout" | { readonly expected: number }

const timeoutExit: Exit.Exit<void, Failure> = Exit.fail("timeout")

const closedExit: Exit.Exit<void, Failure> = Exit.fail("closed")

// a plain resume callback, not a Deferred: effect 3's Deferred copies an Effect prototype
// into every instance, which made a contended acquisition cost about twice as much
const settle = (w: Waiter, exit: Exit.Exit<void, Failure>) => {
  if (w.resume === undefined) w.outcome = exit
  else w.resume(exit)
}

const awaitWaiter = (w: Waiter) =>
  Effect.async<void, Failure>((resume) => {
    if (w.outcome !== undefined) return resume(w.outcome)
    w.resume = resume
  })

/** @internal */
export type Release = (session: Session) => Effect.Effect<void>

/** @internal */
export interface Limiter {
  /**
   * Takes a permit for the send (an `enterSend` hook): at once when one is free and nobody
   * waits, else after a wait. `release` gives it back once the send is over (successful,
   * failed or interrupted): called then, it answers what is left to do (`Effect.void` when
   * it was all done at once).
   */
  readonly enter: (session: Session, release: Release) => Plugin.Entered<TooManyRequestsPending | TooMuchTimePending>
  /**
   * Takes a permit only if one is free now, nobody waits and no pause holds (never waits,
   * never queues): answers `release` then, else `undefined`. A hedged request asks here.
   */
  readonly tryEnter: (session: Session, release: Release) => Release | undefined
  /** Gives a permit back to the store and hands free permits to the waiters. */
  readonly give: Effect.Effect<void>
  /** `give` as a `Release`: synchronous when the store is and nobody waits. */
  readonly release: Release
  /** Fails every waiter with `ClientClosed`; later acquisitions fail too. */
  readonly close: Effect.Effect<void>
  /** How many calls wait (for tests and logs). */
  readonly pending: () => number
  /**
   * Stops every start until `until` (Clock ms; a later pause extends, an earlier one is
   * ignored) and fails the waiters whose deadline comes first. Returns whether the pause
   * was extended: the caller then schedules `resume` for `until`.
   */
  readonly pause: (until: number, now: number) => Effect.Effect<boolean>
  /** Hands free permits to the waiters once a pause is over. */
  readonly resume: Effect.Effect<void>
}

/** @internal */
export const make = (options: Options): Limiter => {
  const { attribute, hardLimit, limiter, scope, store, timeout } = options
  const takeNow = store.takeNow
  const queue: Array<Waiter> = []
  let head = 0
  let pending = 0
  let closed = false
  let pausedUntil = 0
  const timeoutMs = timeout === undefined ? undefined : Duration.toMillis(timeout)

  const nextWaiter = (): Waiter | undefined => {
    while (head < queue.length) {
      const w = queue[head++]!
      if (w.state === "waiting") {
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head)
          head = 0
        }
        return w
      }
    }
    queue.length = 0
    head = 0
    return undefined
  }

  const pumpNow: Effect.Effect<void> = Effect.suspend(() => {
    if (pending === 0 || closed) return Effect.void
    return Effect.flatMap(store.take, (taken) => {
      if (!taken) return Effect.void
      const w = nextWaiter()
      if (w === undefined) return store.give
      w.state = "granted"
      pending--
      settle(w, Exit.void)
      return pumpNow
    })
  })

  // no clock read unless a pause is set (adaptive RateLimit only); 0 again once it is over
  const pump: Effect.Effect<void> = Effect.suspend(() =>
    pausedUntil === 0 || pending === 0
      ? pumpNow
      : Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (now < pausedUntil) return Effect.void
        pausedUntil = 0
        return pumpNow
      })
  )

  const give = Effect.zipRight(store.give, pump)
  const giveNow = store.giveNow
  const release: Release = giveNow === undefined
    ? () => give
    : () => {
      giveNow()
      return pending === 0 ? Effect.void : pump
    }

  const closedError = (session: Session) => new ClientClosed({ service: session.service, endpoint: session.endpoint })

  type LimiterError = ClientClosed | TooManyRequestsPending | TooMuchTimePending | TimeoutError

  const tooLong = (session: Session, waited: number, expected: number | undefined) =>
    new TooMuchTimePending({
      service: session.service,
      endpoint: session.endpoint,
      limiter,
      pending,
      waited: Duration.millis(waited),
      expected: expected === undefined ? undefined : Duration.millis(expected)
    })

  const deadlineOf = (session: Session, start: number): number | undefined => {
    const own = timeoutMs === undefined ? undefined : start + timeoutMs
    const call = session.deadline?.at
    return own === undefined ? call : call === undefined ? own : Math.min(own, call)
  }

  const wait = (session: Session, start: number, deadline: number | undefined): Effect.Effect<void, LimiterError> =>
    Effect.suspend((): Effect.Effect<void, LimiterError> => {
      if (closed) return Effect.fail(closedError(session))
      if (hardLimit !== undefined && pending >= hardLimit) {
        return Effect.fail(
          new TooManyRequestsPending({ service: session.service, endpoint: session.endpoint, limiter, pending })
        )
      }
      const expires = timeoutMs === undefined ? undefined : start + timeoutMs
      const waiter: Waiter = { resume: undefined, outcome: undefined, deadline, expires, state: "waiting" }
      queue.push(waiter)
      pending++
      const awaited = Effect.catchAll(
        awaitWaiter(waiter),
        (failure): Effect.Effect<never, LimiterError> =>
          failure === "closed"
            ? Effect.fail(closedError(session))
            : failure === "timeout"
            ? Effect.fail(
              new TooMuchTimePending({
                service: session.service,
                endpoint: session.endpoint,
                limiter,
                pending,
                waited: timeout!
              })
            )
            : Effect.flatMap(
              Clock.currentTimeMillis,
              (now) => Effect.fail(tooLong(session, now - start, failure.expected))
            )
      )
      // a wait is the slow path: the call's deadline bounds it the generic way
      return Effect.zipRight(
        expires === undefined ? pump : Effect.zipRight(pump, startTimer()),
        Deadline.bound(session, awaited)
      ).pipe(
        Effect.onExit((exit) => {
          if (Exit.isSuccess(exit)) return Effect.void
          if (waiter.state === "granted") return give
          if (waiter.state === "waiting") {
            waiter.state = "cancelled"
            pending--
          }
          return Effect.void
        })
      )
    })

  // ONE timer per limiter ends the waits that reach `timeout` (not a timeout fiber per
  // waiter): the timeout is the same for all, so the queue is in the order they expire
  let timer = false
  const firstExpiry = (): number | undefined => {
    for (let i = head; i < queue.length; i++) {
      const w = queue[i]!
      if (w.state === "waiting") return w.expires
    }
    return undefined
  }
  const expire: Effect.Effect<void> = Effect.suspend(() => {
    const first = firstExpiry()
    if (first === undefined || closed) {
      timer = false
      return Effect.void
    }
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      if (first > now) return Effect.zipRight(Effect.sleep(Duration.millis(first - now)), expire)
      for (let i = head; i < queue.length; i++) {
        const w = queue[i]!
        if (w.state !== "waiting") continue
        if (w.expires === undefined || w.expires > now) break
        w.state = "cancelled"
        pending--
        settle(w, timeoutExit)
      }
      return expire
    })
  })
  const startTimer = (): Effect.Effect<void> => {
    if (timer) return Effect.void
    timer = true
    return Effect.asVoid(Effect.forkIn(Effect.interruptible(expire), scope))
  }

  const acquire = (session: Session, start: number) =>
    Effect.suspend((): Effect.Effect<void, LimiterError> => {
      if (closed) return Effect.fail(closedError(session))
      if (pausedUntil > start) {
        const deadline = deadlineOf(session, start)
        if (deadline !== undefined && deadline < pausedUntil) {
          return Effect.fail(tooLong(session, 0, pausedUntil - start))
        }
        return wait(session, start, deadline)
      }
      if (pending > 0) return wait(session, start, deadlineOf(session, start))
      return Effect.flatMap(
        store.take,
        (taken) => (taken ? Effect.void : wait(session, start, deadlineOf(session, start)))
      )
    })

  const free = (session: Session) =>
    !closed && pending === 0 && takeNow !== undefined &&
    (pausedUntil === 0 || pausedUntil <= session.clock.unsafeCurrentTimeMillis()) && takeNow(session.clock)

  return {
    tryEnter: (session, release) => free(session) ? release : undefined,
    enter: (session, release) => {
      // a free permit, nobody waiting, no pause: taken at once, no wait to measure (the clock
      // is read only during a pause, or by a store that needs the time)
      if (
        !closed && pending === 0 && takeNow !== undefined &&
        (pausedUntil === 0 || pausedUntil <= session.clock.unsafeCurrentTimeMillis()) && takeNow(session.clock)
      ) {
        session.attributes[attribute] = 0
        return release
      }
      const start = session.clock.unsafeCurrentTimeMillis()
      // a wait (the core registers `leave` in the uninterruptible step that ends it)
      return acquire(session, start).pipe(
        Effect.onExit(() =>
          Effect.sync(() => {
            session.attributes[attribute] = session.clock.unsafeCurrentTimeMillis() - start
          })
        ),
        Effect.as(release)
      )
    },
    give,
    release,
    close: Effect.suspend(() => {
      closed = true
      const waiters = queue.splice(head)
      queue.length = 0
      head = 0
      for (const w of waiters) {
        if (w.state === "waiting") {
          w.state = "cancelled"
          pending--
          settle(w, closedExit)
        }
      }
      return Effect.void
    }),
    pending: () => pending,
    pause: (until, now) =>
      Effect.sync(() => {
        if (closed || until <= pausedUntil || until <= now) return false
        pausedUntil = until
        // waiters that would still be waiting at their deadline give up now
        for (let i = head; i < queue.length; i++) {
          const w = queue[i]!
          if (w.state === "waiting" && w.deadline !== undefined && w.deadline < until) {
            w.state = "cancelled"
            pending--
            settle(w, Exit.fail({ expected: until - now }))
          }
        }
        return true
      }),
    resume: pump
  }
}
