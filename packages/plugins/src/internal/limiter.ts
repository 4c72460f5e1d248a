/**
 * The waiting policy of Pool and RateLimit, ONE for every store: a call takes a permit
 * from the store's {@link Permits} (data operations: take or queue a ticket, cancel,
 * release), and this module decides everything else — who may wait (`hardLimit`), for how
 * long (`timeout`, the call's deadline), what closing does (`ClientClosed` for every
 * waiter and every later call), what a store that does not answer does
 * (`LimiterUnavailable`, or let the call through), the typed errors, the blocked time on
 * the session, and the adaptive pause.
 *
 * The queue itself is the store's (a FIFO in memory, a sorted set in Redis): a store hands
 * a freed permit to its oldest ticket and calls the ticket's `wake`, so FIFO holds across
 * every process that shares the store. This module keeps the calls of its own process that
 * wait (in arrival order, which is the order they expire: the timeout is the same for all),
 * and one timer per limiter ends those that reach `timeout`.
 *
 * A pause (adaptive RateLimit) stops every start until a given time: no call takes the fast
 * path, a call granted a permit during the pause holds it until the pause ends, and a call
 * whose deadline (its `timeout` here, or the Timeout plugin's deadline around it) falls
 * before the end of the pause fails at once with `TooMuchTimePending` (`expected`: the wait
 * still ahead), the waiters already queued included.
 *
 * @internal
 */
import * as Deadline from "@service-client/core/Deadline"
import { ClientClosed, type TimeoutError } from "@service-client/core/Errors"
import type * as Plugin from "@service-client/core/Plugin"
import type { Session } from "@service-client/core/Session"
import { Clock, Duration, Effect, Exit, Scope } from "effect"
import { LimiterUnavailable, TooManyRequestsPending, TooMuchTimePending } from "../LimiterError.js"

// The shapes below are the public `LimiterStore.Ticket`, `LimiterStore.StoreFailure` and
// `LimiterStore.Permits`, written out here so that this module does not import the public
// one (which imports it): `LimiterStore` declares its interfaces as extensions of these.

/** A waiting call's place in a store's queue. @internal */
export interface Ticket {
  /** Unique across processes. */
  readonly id: string
  /** The calling client's name: a shared store names the limit after it when the plugin has no `key`. */
  readonly service: string
  /**
   * Called by the store when it hands this ticket a permit (`true`), or when it lost the
   * ticket (evicted while the store was away: the call queues again, `false`).
   */
  readonly wake: (granted: boolean) => void
}

/** A store operation that failed (the store did not answer). @internal */
export interface StoreFailure {
  readonly reason: string
  readonly cause?: unknown
}

/** A store's permits: data operations only (see `LimiterStore.Permits`). @internal */
export interface Permits {
  /**
   * In-memory stores: takes a permit if one is free now and no ticket waits, synchronously
   * (the limiter's fast path), reading the time from `clock` only if it needs it.
   */
  readonly takeNow?: ((clock: Clock.Clock) => boolean) | undefined
  /**
   * In-memory stores: gives back a permit taken by `takeNow`, synchronously (a free permit
   * goes to the oldest ticket); answers what is left to do (`Effect.void` when all is done).
   */
  readonly releaseNow?: ((clock: Clock.Clock) => Effect.Effect<void>) | undefined
  /**
   * Takes a permit for `ticket` if one is free and no ticket waits (`true`); else puts the
   * ticket at the end of the queue (`false`) and later calls its `wake`.
   */
  readonly take: (ticket: Ticket) => Effect.Effect<boolean, StoreFailure>
  /** Takes a permit for `ticket` only if one is free now and no ticket waits; never queues (`false` on a failure). */
  readonly tryTake: (ticket: Ticket) => Effect.Effect<boolean>
  /**
   * After a `take` (answered or failed): takes the ticket out of the queue, or gives back
   * the permit it holds, never used (a window's permit returns at once).
   */
  readonly cancel: (ticket: Ticket) => Effect.Effect<void>
  /** Gives back the permit `ticket` used (a window's returns `period` later). */
  readonly release: (ticket: Ticket) => Effect.Effect<void>
  /** When a `take` fails: fail the call with `LimiterUnavailable` (default) or let it through without a permit. */
  readonly onUnavailable?: "fail" | "allow" | undefined
  /** Names the limit in logs. */
  readonly name?: string | undefined
}

/** @internal */
export interface Options {
  readonly limiter: "pool" | "rateLimit"
  /** The session attribute that gets the time spent waiting (ms). */
  readonly attribute: "blockedByPool" | "blockedByRateLimit"
  readonly hardLimit: number | undefined
  readonly timeout: Duration.Duration | undefined
  /** Where the limiter's timers run (closing it ends them). */
  readonly scope: Scope.Scope
  /** Whether `pause` may be called (adaptive RateLimit): a wait then checks for a pause after its grant. */
  readonly pausable?: boolean | undefined
}

/** What a caller of the limiter is: a `Session` is one; `RedisLimiter` makes one for other work. @internal */
export type Caller = Pick<Session, "service" | "endpoint" | "clock" | "deadline" | "attributes">

/** Why a waiter was woken without a permit. */
type Failure = "closed" | "timeout" | "lost" | "deadline" | { readonly expected: number }

interface Waiter extends Ticket {
  /** Resumes the waiting fiber; `undefined` until it waits (then `outcome` keeps what came first). */
  resume: ((exit: Exit.Exit<void, Failure>) => void) | undefined
  outcome: Exit.Exit<void, Failure> | undefined
  /** Clock ms by which the call gives up (limiter timeout or call deadline), if any. */
  readonly deadline: number | undefined
  /** Clock ms at which its wait reaches the limiter's `timeout`, if any. */
  readonly expires: number | undefined
  state: "waiting" | "granted" | "cancelled"
  /** Counted in `pending`: the store queued its ticket (a take still on its way is not a waiter yet). */
  counted: boolean
  /** The store did not answer and the call goes on without a permit. */
  allowed: boolean
}

const timeoutExit: Exit.Exit<void, Failure> = Exit.fail("timeout")
const closedExit: Exit.Exit<void, Failure> = Exit.fail("closed")
const lostExit: Exit.Exit<void, Failure> = Exit.fail("lost")
const deadlineExit: Exit.Exit<void, Failure> = Exit.fail("deadline")

// a plain resume callback, not a Deferred: effect 3's Deferred copies an Effect prototype
// into every instance, which made a contended acquisition cost about twice as much
const settle = (w: Waiter, exit: Exit.Exit<void, Failure>) => {
  const resume = w.resume
  if (resume === undefined) w.outcome = exit
  else {
    w.resume = undefined
    resume(exit)
  }
}

const isWaiting = (w: Waiter) => w.state === "waiting"

/**
 * Keeps the entries of `list` from `head` on that `keep` accepts, in order, and nothing
 * else: a list of mostly finished waiters (or tickets) swept in place.
 *
 * @internal
 */
export const sweep = <A>(list: Array<A>, head: number, keep: (a: A) => boolean): void => {
  let kept = 0
  for (let i = head; i < list.length; i++) {
    const x = list[i]!
    if (keep(x)) list[kept++] = x
  }
  list.length = kept
}

const awaitWaiter = (w: Waiter) =>
  Effect.async<void, Failure>((resume) => {
    const outcome = w.outcome
    if (outcome !== undefined) {
      w.outcome = undefined
      return resume(outcome)
    }
    w.resume = resume
  })

const processId = globalThis.crypto.randomUUID().slice(0, 13)
let sequence = 0

/** A ticket id unique across processes. @internal */
export const ticketId = (): string => `${processId}:${++sequence}`

/** The errors of a wait. @internal */
export type WaitError = ClientClosed | TooManyRequestsPending | TooMuchTimePending | LimiterUnavailable | TimeoutError

/** @internal */
export interface Limiter {
  /**
   * Takes a permit for the send (an `enterSend` hook): at once when the store has a free
   * one and nobody waits, else after a wait. The answer gives it back once the send is over.
   */
  readonly enter: (caller: Caller) => Plugin.Entered<WaitError>
  /**
   * Takes a permit only if one is free now, nobody waits and no pause holds (never waits,
   * never queues): a hedged request asks here. `undefined`: none.
   */
  readonly tryEnter: (caller: Caller) => Effect.Effect<Plugin.LeaveSend | undefined>
  /** How many calls of this process wait (for tests and logs). */
  readonly pending: () => number
  /**
   * Stops every start until `until` (Clock ms; a later pause extends, an earlier one is
   * ignored) and fails the waiters whose deadline comes first; only a `pausable` limiter.
   */
  readonly pause: (until: number, now: number) => void
}

/**
 * The limiter over `permits` for the life of `options.scope`: closing the scope fails every
 * waiter, and every later call, with `ClientClosed`.
 *
 * @internal
 */
export const make = (permits: Permits, options: Options): Effect.Effect<Limiter> =>
  Effect.suspend(() => {
    const { attribute, hardLimit, limiter, scope, timeout } = options
    const pausable = options.pausable === true
    const { releaseNow, takeNow } = permits
    const queue: Array<Waiter> = []
    let head = 0
    let pending = 0
    let closed = false
    let pausedUntil = 0
    const timeoutMs = timeout === undefined ? undefined : Duration.toMillis(timeout)

    const closedError = (caller: Caller) => new ClientClosed({ service: caller.service, endpoint: caller.endpoint })

    const tooLong = (caller: Caller, waited: number, expected: number | undefined) =>
      new TooMuchTimePending({
        service: caller.service,
        endpoint: caller.endpoint,
        limiter,
        pending,
        waited: Duration.millis(waited),
        expected: expected === undefined ? undefined : Duration.millis(expected)
      })

    /** A wait is over (granted, or given up): it no longer counts as waiting. */
    const end = (w: Waiter, state: "granted" | "cancelled") => {
      if (w.state !== "waiting") return
      w.state = state
      if (w.counted) {
        w.counted = false
        pending--
      }
    }

    // a store that does not answer: the call fails, or (`onUnavailable: "allow"`) goes on without a permit
    const unavailable = (caller: Caller, e: StoreFailure, w: Waiter): Effect.Effect<void, LimiterUnavailable> => {
      end(w, "cancelled")
      if (permits.onUnavailable !== "allow") {
        return Effect.fail(
          new LimiterUnavailable({
            service: caller.service,
            endpoint: caller.endpoint,
            limiter,
            reason: e.reason,
            cause: e.cause
          })
        )
      }
      w.allowed = true
      return Effect.logWarning(
        `${
          permits.name ?? limiter
        } (${caller.service}.${caller.endpoint}): the limiter store is unavailable, call let through: ${e.reason}`
      )
    }

    const deadlineOf = (caller: Caller, start: number): number | undefined => {
      const own = timeoutMs === undefined ? undefined : start + timeoutMs
      const call = caller.deadline?.at
      return own === undefined ? call : call === undefined ? own : Math.min(own, call)
    }

    // the waiters of this process, in arrival (= expiry) order; done ones are skipped
    const compact = () => {
      while (head < queue.length && queue[head]!.state !== "waiting") head++
      if (head === queue.length) {
        queue.length = 0
        head = 0
      } else if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head)
        head = 0
      }
    }

    // every waiter is listed, and a list of mostly finished ones is swept (a waiter that ends
    // out of order, by a timeout or an interruption, leaves its slot behind until then)
    const enlist = (w: Waiter) => {
      compact()
      const live = queue.length - head
      if (live > 1024 && live > 4 * (pending + 1)) {
        sweep(queue, head, isWaiting)
        head = 0
      }
      queue.push(w)
    }

    // ONE timer per limiter ends the waits that reach `timeout` (not a timeout fiber per
    // waiter): the timeout is the same for all, so the queue is in the order they expire
    let timer = false
    const expire: Effect.Effect<void> = Effect.suspend(() => {
      compact()
      const first = head < queue.length ? queue[head]!.expires : undefined
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
          end(w, "cancelled")
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

    const newWaiter = (service: string, deadline: number | undefined, expires: number | undefined): Waiter => {
      const w: Waiter = {
        id: ticketId(),
        service,
        wake: (granted) => {
          // a permit handed to a waiter that gave up is taken back by its `cancel`
          if (w.state !== "waiting") return
          if (granted) {
            end(w, "granted")
            settle(w, Exit.void)
          } else settle(w, lostExit)
        },
        resume: undefined,
        outcome: undefined,
        deadline,
        expires,
        state: "waiting",
        counted: false,
        allowed: false
      }
      return w
    }

    // a permit held during a pause is used once the pause is over (or given back when the
    // caller's deadline comes first)
    const afterPause = (caller: Caller, start: number, deadline: number | undefined): Effect.Effect<void, WaitError> =>
      Effect.suspend(() => {
        if (pausedUntil === 0) return Effect.void
        const now = caller.clock.unsafeCurrentTimeMillis()
        if (pausedUntil <= now) return Effect.void
        if (deadline !== undefined && deadline < pausedUntil) {
          return Effect.fail(tooLong(caller, now - start, pausedUntil - now))
        }
        return Effect.zipRight(Effect.sleep(Duration.millis(pausedUntil - now)), afterPause(caller, start, deadline))
      })

    /** Waits for `w`'s permit; a ticket the store lost queues again. */
    const awaitGrant = (caller: Caller, w: Waiter, start: number): Effect.Effect<void, WaitError> =>
      Effect.catchAll(
        awaitWaiter(w),
        (failure): Effect.Effect<void, WaitError> =>
          failure === "closed"
            ? Effect.fail(closedError(caller))
            : failure === "deadline"
            ? Effect.fail(Deadline.error(caller as Session))
            : failure === "timeout"
            ? Effect.fail(
              new TooMuchTimePending({
                service: caller.service,
                endpoint: caller.endpoint,
                limiter,
                pending,
                waited: timeout!
              })
            )
            : failure === "lost"
            ? Effect.flatMap(
              Effect.either(permits.take(w)),
              (taken): Effect.Effect<void, WaitError> => {
                if (taken._tag === "Left") return unavailable(caller, taken.left, w)
                if (taken.right && w.state === "waiting") {
                  end(w, "granted")
                  return Effect.void
                }
                return awaitGrant(caller, w, start)
              }
            )
            : Effect.flatMap(
              Clock.currentTimeMillis,
              (now) => Effect.fail(tooLong(caller, now - start, failure.expected))
            )
      )

    /** The slow path: a ticket in the store's queue, bounded by the caller's deadline. */
    const wait = (caller: Caller, start: number): Effect.Effect<Plugin.LeaveSend | undefined, WaitError> =>
      Effect.suspend((): Effect.Effect<Plugin.LeaveSend | undefined, WaitError> => {
        if (closed) return Effect.fail(closedError(caller))
        const deadline = deadlineOf(caller, start)
        if (pausedUntil > start && deadline !== undefined && deadline < pausedUntil) {
          return Effect.fail(tooLong(caller, 0, pausedUntil - start))
        }
        const w = newWaiter(caller.service, deadline, timeoutMs === undefined ? undefined : start + timeoutMs)
        // listed before the store sees the ticket, so a hand-off or a close that comes first finds it
        enlist(w)
        let asked = false
        const leave: Plugin.LeaveSend = () => permits.release(w)
        const granted = pausable ? afterPause(caller, start, deadline) : Effect.void
        const acquire = Effect.matchEffect(
          Effect.suspend(() => {
            asked = true
            return permits.take(w)
          }),
          {
            onFailure: (e): Effect.Effect<void, WaitError> => unavailable(caller, e, w),
            onSuccess: (taken): Effect.Effect<void, WaitError> => {
              if (taken) {
                end(w, "granted")
                return granted
              }
              // queued (unless a hand-off came first): now it waits, and counts
              if (w.state === "waiting") {
                if (hardLimit !== undefined && pending >= hardLimit) {
                  return Effect.fail(
                    new TooManyRequestsPending({
                      service: caller.service,
                      endpoint: caller.endpoint,
                      limiter,
                      pending
                    })
                  )
                }
                w.counted = true
                pending++
              }
              const awaited = w.expires === undefined
                ? awaitGrant(caller, w, start)
                : Effect.zipRight(startTimer(), awaitGrant(caller, w, start))
              return pausable ? Effect.zipRight(awaited, granted) : awaited
            }
          }
        )
        // the call's deadline bounds the wait: an in-memory store under the live clock ends
        // it from a Node timer (the waiter's own wake-up, no fiber), any other the generic
        // way (`Deadline.bound`: a fiber and a Clock sleep, which also interrupts a store's take)
        let timer: ReturnType<typeof setTimeout> | undefined
        let bounded = acquire
        if (caller.deadline !== undefined) {
          const left = caller.deadline.at - start
          if (takeNow === undefined || !Deadline.isLiveClock(caller.clock)) {
            bounded = Deadline.bound(acquire, caller as Session)
          } else if (left <= 0) {
            bounded = Effect.fail(Deadline.error(caller as Session))
          } else {
            const wake = setTimeout(() => {
              if (w.state !== "waiting") return
              end(w, "cancelled")
              settle(w, deadlineExit)
            }, left)
            // Node: the timer alone does not keep the process alive (a number in a browser)
            const node = wake as unknown as { unref?: () => void }
            node.unref?.()
            timer = wake
          }
        }
        return Effect.onExit(
          bounded,
          (exit) => {
            if (timer !== undefined) clearTimeout(timer)
            caller.attributes[attribute] = caller.clock.unsafeCurrentTimeMillis() - start
            if (Exit.isSuccess(exit)) return Effect.void
            end(w, "cancelled")
            // out of the queue, and a permit handed to it meanwhile goes back
            return asked ? permits.cancel(w) : Effect.void
          }
        ).pipe(Effect.map(() => (w.allowed ? undefined : leave)))
      })

    const fastLeave: Plugin.LeaveSend | undefined = releaseNow === undefined
      ? undefined
      : (session) => releaseNow(session.clock)

    const free = (caller: Caller) =>
      !closed && pending === 0 && takeNow !== undefined &&
      (pausedUntil === 0 || pausedUntil <= caller.clock.unsafeCurrentTimeMillis()) && takeNow(caller.clock)

    const close = Effect.sync(() => {
      closed = true
      const waiters = queue.splice(head)
      queue.length = 0
      head = 0
      for (const w of waiters) {
        if (w.state === "waiting") {
          end(w, "cancelled")
          settle(w, closedExit)
        }
      }
    })

    return Effect.as(
      Scope.addFinalizer(scope, close),
      {
        enter: (caller) => {
          // a free permit, nobody waiting, no pause: taken at once, no wait to measure (the clock
          // is read only during a pause, or by a store that needs the time)
          if (
            !closed && pending === 0 && takeNow !== undefined &&
            (pausedUntil === 0 || pausedUntil <= caller.clock.unsafeCurrentTimeMillis()) && takeNow(caller.clock)
          ) {
            caller.attributes[attribute] = 0
            return fastLeave
          }
          // a wait (the core registers the leave in the uninterruptible step that ends it)
          return wait(caller, caller.clock.unsafeCurrentTimeMillis())
        },
        tryEnter: (caller) => {
          if (fastLeave !== undefined) return Effect.sync(() => (free(caller) ? fastLeave : undefined))
          return Effect.suspend(() => {
            if (
              closed || pending > 0 || (pausedUntil !== 0 && pausedUntil > caller.clock.unsafeCurrentTimeMillis())
            ) return Effect.succeed(undefined)
            const w = newWaiter(caller.service, undefined, undefined)
            return Effect.map(
              permits.tryTake(w),
              (taken): Plugin.LeaveSend | undefined => (taken ? () => permits.release(w) : undefined)
            )
          })
        },
        pending: () => pending,
        pause: (until, now) => {
          if (!pausable || closed || until <= pausedUntil || until <= now) return
          pausedUntil = until
          // waiters that would still be waiting at their deadline give up now
          for (let i = head; i < queue.length; i++) {
            const w = queue[i]!
            if (w.state === "waiting" && w.deadline !== undefined && w.deadline < until) {
              end(w, "cancelled")
              settle(w, Exit.fail({ expected: until - now }))
            }
          }
        }
      } satisfies Limiter
    )
  })
