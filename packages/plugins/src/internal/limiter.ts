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
 * An in-memory store (`takeNow`, `queueNow`, `releaseNow`) is waited on without a runtime
 * step of its own: the take and the queueing happen in the step that starts the wait, and
 * the wait is ONE async step that the store's hand-off (or the timeout, the call's deadline
 * from a Node timer, a close, a pause) resumes with its answer: the leave or the typed error
 * (`waitHere`). Any other store's operations are Effects (`wait`, e.g. Redis).
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
   * In-memory stores: puts `ticket` at the end of the queue, synchronously, when `takeNow`
   * found no permit in the same step (its `wake` is called later); answers what is left to
   * do. With `takeNow` and `releaseNow`, a wait costs no runtime step of the store's.
   */
  readonly queueNow?: ((ticket: Ticket, clock: Clock.Clock) => Effect.Effect<void>) | undefined
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

/** How a wait ended: its permit, or why not. */
type Outcome = "granted" | Failure

/** A waiting call (a class: one shape, made by a constructor, for the cost of each wait). */
class Waiter implements Ticket {
  /** Resumes the waiting fiber; `undefined` until it waits (then `outcome` keeps what came first). */
  resume: ((effect: Effect.Effect<any, any>) => void) | undefined = undefined
  outcome: Effect.Effect<any, any> | undefined = undefined
  /** The live clock's wake-up at the call's deadline (`waitHere`). */
  timer: ReturnType<typeof setTimeout> | undefined = undefined
  state: "waiting" | "granted" | "cancelled" = "waiting"
  /** Counted in `pending`: the store queued its ticket (a take still on its way is not a waiter yet). */
  counted = false
  /** The store did not answer and the call goes on without a permit. */
  allowed = false
  readonly wake: (granted: boolean) => void
  private ticket: string | undefined = undefined
  constructor(
    readonly service: string,
    /** Clock ms by which the call gives up (limiter timeout or call deadline), if any. */
    readonly deadline: number | undefined,
    /** Clock ms at which its wait reaches the limiter's `timeout`, if any. */
    readonly expires: number | undefined,
    /** An in-memory store's wait (`waitHere`): its caller, which the outcome is made for. */
    public caller: Caller | undefined,
    /** Clock ms at which it arrived. */
    readonly start: number,
    onWake: (w: Waiter, granted: boolean) => void
  ) {
    this.wake = (granted) => onWake(this, granted)
  }
  /** Made when a store asks (the in-memory one never does). */
  get id(): string {
    return this.ticket ??= ticketId()
  }
  /**
   * Its wait is over and given up: drops what it holds of its call. A waiter that ended out
   * of order keeps its slot in the lists (the limiter's, a store's queue) until they are
   * swept or empty; the slot then holds this shell, not the call's session.
   */
  letGo(): void {
    this.caller = undefined
    this.timer = undefined
    this.resume = undefined
    this.outcome = undefined
  }
}

const isListed = (w: Waiter | undefined) => w !== undefined && w.state === "waiting"

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

/** Waits for what `w` is settled with. */
const awaitWaiter = (w: Waiter): Effect.Effect<any, any> =>
  Effect.async<any, any>((resume) => {
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
    const { queueNow, releaseNow, takeNow } = permits
    // from `head` on, every slot holds a waiter; a slot before it is cleared (a finished
    // waiter holds its caller's session until then)
    const queue: Array<Waiter | undefined> = []
    let head = 0
    let pending = 0
    let closed = false
    let pausedUntil = 0
    const timeoutMs = timeout === undefined ? undefined : Duration.toMillis(timeout)
    // an in-memory store: a wait without a runtime step of the store's (`waitHere`)
    const here = takeNow !== undefined && queueNow !== undefined && releaseNow !== undefined

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

    // the waiters of this process, in arrival (= expiry) order; done ones are skipped, their
    // slots cleared
    const compact = () => {
      while (head < queue.length && queue[head]!.state !== "waiting") queue[head++] = undefined
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
        sweep(queue, head, isListed)
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
          settle(w, "timeout")
        }
        return expire
      })
    })
    // marked as started in the (uninterruptible) step that forks it: an interruption between
    // the two would leave it marked and never started
    const forkTimer: Effect.Effect<void> = Effect.uninterruptible(Effect.suspend(() => {
      if (timer) return Effect.void
      timer = true
      return Effect.asVoid(Effect.forkIn(Effect.interruptible(expire), scope))
    }))
    const startTimer = (): Effect.Effect<void> => (timer ? Effect.void : forkTimer)

    // a permit handed to a waiter that gave up is taken back by its `cancel`; the store hands
    // permits out oldest first, so a granted waiter is at the head of the list, which lets go
    // of it at once (the queue empties with the store's, not at the next wait)
    const onWake = (w: Waiter, granted: boolean) => {
      if (w.state !== "waiting") return
      if (granted) {
        end(w, "granted")
        settle(w, "granted")
        if (queue[head] === w) compact()
      } else settle(w, "lost")
    }

    const newWaiter = (
      service: string,
      deadline: number | undefined,
      expires: number | undefined,
      caller: Caller | undefined,
      start: number
    ): Waiter => new Waiter(service, deadline, expires, caller, start, onWake)

    /**
     * A waiter that joins this process's list (before the store sees its ticket, so a
     * hand-off or a close that comes first finds it), expiring at the limiter's `timeout`;
     * `own`: an in-memory store's wait, whose outcome is made for `caller`.
     */
    const listed = (caller: Caller, deadline: number | undefined, start: number, own: boolean): Waiter => {
      const w = newWaiter(
        caller.service,
        deadline,
        timeoutMs === undefined ? undefined : start + timeoutMs,
        own ? caller : undefined,
        start
      )
      enlist(w)
      return w
    }

    // a plain resume callback, not a Deferred: effect 3's Deferred copies an Effect prototype
    // into every instance, which made a contended acquisition cost about twice as much
    /**
     * Resumes `w`'s fiber with `outcome` (its state already set): for a `waitHere` waiter,
     * with the leave or the typed error; for a `wait` one, with nothing or the `Failure`
     * (`awaitGrant` answers it).
     */
    const settle = (w: Waiter, outcome: Outcome) => {
      const caller = w.caller
      let effect: Effect.Effect<any, any>
      if (caller === undefined) effect = outcome === "granted" ? Effect.void : Effect.fail(outcome)
      else {
        if (w.timer !== undefined) clearTimeout(w.timer)
        if (outcome !== "granted") effect = Effect.fail(errorOf(caller, w.start, outcome))
        else if (pausable) effect = Effect.void
        else {
          blocked(caller, w.start)
          effect = grantedHere
        }
      }
      const resume = w.resume
      if (resume === undefined) w.outcome = effect
      else {
        w.resume = undefined
        resume(effect)
      }
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

    /** The error of a wait that ended without a permit (not a lost ticket). */
    const errorOf = (caller: Caller, start: number, failure: Failure): WaitError =>
      failure === "closed"
        ? closedError(caller)
        : failure === "deadline"
        ? Deadline.error(caller as Session)
        : failure === "timeout" || failure === "lost"
        ? new TooMuchTimePending({
          service: caller.service,
          endpoint: caller.endpoint,
          limiter,
          pending,
          waited: timeout!
        })
        : tooLong(caller, caller.clock.unsafeCurrentTimeMillis() - start, failure.expected)

    /** Why a wait cannot start: the limiter is closed, or a pause outlasts the caller's deadline. */
    const refused = (caller: Caller, start: number, deadline: number | undefined): WaitError | undefined =>
      closed
        ? closedError(caller)
        : pausedUntil > start && deadline !== undefined && deadline < pausedUntil
        ? tooLong(caller, 0, pausedUntil - start)
        : undefined

    /** Waits for `w`'s permit; a ticket the store lost queues again. */
    const awaitGrant = (caller: Caller, w: Waiter, start: number): Effect.Effect<void, WaitError> =>
      Effect.catchAll(
        awaitWaiter(w) as Effect.Effect<void, Failure>,
        (failure): Effect.Effect<void, WaitError> =>
          failure !== "lost"
            ? Effect.fail(errorOf(caller, start, failure))
            : Effect.flatMap(
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
      )

    /**
     * The wait on any other store (Redis: its operations are Effects): a ticket in the
     * store's queue, bounded by the caller's deadline.
     */
    const wait = (caller: Caller, start: number): Effect.Effect<Plugin.LeaveSend | undefined, WaitError> =>
      Effect.suspend((): Effect.Effect<Plugin.LeaveSend | undefined, WaitError> => {
        const deadline = deadlineOf(caller, start)
        const refusal = refused(caller, start, deadline)
        if (refusal !== undefined) return Effect.fail(refusal)
        const w = listed(caller, deadline, start, false)
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
        // the call's deadline bounds the wait (`Deadline.bound`: a fiber and a Clock sleep,
        // which also interrupts a store's take)
        const bounded = caller.deadline === undefined ? acquire : Deadline.bound(acquire, caller as Session)
        return Effect.onExit(
          bounded,
          (exit) => {
            blocked(caller, start)
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
    const grantedHere: Effect.Effect<Plugin.LeaveSend | undefined> = Effect.succeed(fastLeave)

    /** The time a call waited, on its session (also when the wait failed). */
    const blocked = (caller: Caller, start: number) => {
      caller.attributes[attribute] = caller.clock.unsafeCurrentTimeMillis() - start
    }

    const failHere = (caller: Caller, start: number, error: WaitError) => {
      blocked(caller, start)
      return Effect.fail(error)
    }

    /**
     * An in-memory store's wait (`takeNow`, `queueNow`, `releaseNow`): the take, the
     * queueing and every check happen in this step, and the wait is ONE async step that the
     * store's hand-off (or the timeout timer, the call's deadline, a close, a pause) resumes
     * with its answer: the leave, or the typed error. (The generic `wait` costs about twice
     * as much: an Effect per store operation, an `onExit` and a `catchAll` per wait.)
     */
    const waitHere = (caller: Caller, start: number): Effect.Effect<Plugin.LeaveSend | undefined, WaitError> =>
      Effect.suspend((): Effect.Effect<Plugin.LeaveSend | undefined, WaitError> => {
        const deadline = deadlineOf(caller, start)
        const refusal = refused(caller, start, deadline)
        if (refusal !== undefined) return Effect.fail(refusal)
        const callDeadline = caller.deadline
        if (callDeadline !== undefined && callDeadline.at <= start) {
          return failHere(caller, start, Deadline.error(caller as Session))
        }
        if (takeNow!(caller.clock)) {
          // a free permit while the fast path was closed: a pause holds it (or a hand-off
          // that left nobody waiting)
          if (!pausable) {
            blocked(caller, start)
            return grantedHere
          }
          const w = newWaiter(caller.service, deadline, undefined, caller, start)
          w.state = "granted"
          return guarded(w, pauseHere(caller, start, deadline), Effect.void)
        }
        if (hardLimit !== undefined && pending >= hardLimit) {
          return failHere(
            caller,
            start,
            new TooManyRequestsPending({ service: caller.service, endpoint: caller.endpoint, limiter, pending })
          )
        }
        const w = listed(caller, deadline, start, true)
        w.counted = true
        pending++
        // what the store and the timeout timer leave to do (a timer fiber to start) runs
        // before the wait, uninterruptibly (each timer is marked as started when it forks)
        let before = queueNow!(w, caller.clock)
        if (w.expires !== undefined && !timer) {
          before = before === Effect.void ? startTimer() : Effect.zipRight(before, startTimer())
        }
        let waiting: Effect.Effect<Plugin.LeaveSend | undefined, WaitError> = awaitWaiter(w)
        if (pausable) waiting = Effect.zipRight(waiting, pauseHere(caller, start, deadline))
        if (callDeadline !== undefined) {
          // the call's deadline ends the wait: the waiter's own wake-up under the live clock
          // (no fiber), else `Deadline.bound` (a fiber and a Clock sleep)
          if (Deadline.isLiveClock(caller.clock)) {
            const wake = setTimeout(() => {
              if (w.state !== "waiting") return
              end(w, "cancelled")
              settle(w, "deadline")
            }, callDeadline.at - start)
            // Node: the timer alone does not keep the process alive (a number in a browser)
            const node = wake as unknown as { unref?: () => void }
            node.unref?.()
            w.timer = wake
          } else waiting = Deadline.bound(waiting, caller as Session)
        }
        return guarded(w, waiting, before)
      })

    /** A granted permit held until the pause is over, then the leave. */
    const pauseHere = (caller: Caller, start: number, deadline: number | undefined) =>
      Effect.map(afterPause(caller, start, deadline), () => {
        blocked(caller, start)
        return fastLeave
      })

    /**
     * Runs `before` uninterruptibly, then `waiting` interruptibly; when that fails or is
     * interrupted, `w` leaves the queue, or gives back the permit it was handed, in the
     * uninterruptible step that ends it.
     */
    const guarded = <A>(
      w: Waiter,
      waiting: Effect.Effect<A, WaitError>,
      before: Effect.Effect<void>
    ): Effect.Effect<A, WaitError> =>
      Effect.uninterruptibleMask((restore) => {
        const guard = Effect.catchAllCause(restore(waiting), (cause) => {
          if (w.timer !== undefined) clearTimeout(w.timer)
          blocked(w.caller!, w.start)
          end(w, "cancelled")
          w.letGo()
          return Effect.zipRight(permits.cancel(w), Effect.failCause(cause))
        })
        return before === Effect.void ? guard : Effect.zipRight(before, guard)
      })

    const free = (caller: Caller) =>
      !closed && pending === 0 && takeNow !== undefined &&
      (pausedUntil === 0 || pausedUntil <= caller.clock.unsafeCurrentTimeMillis()) && takeNow(caller.clock)

    const close = Effect.sync(() => {
      closed = true
      const waiters = queue.splice(head)
      queue.length = 0
      head = 0
      for (const w of waiters) {
        if (w !== undefined && w.state === "waiting") {
          end(w, "cancelled")
          settle(w, "closed")
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
          const start = caller.clock.unsafeCurrentTimeMillis()
          return here ? waitHere(caller, start) : wait(caller, start)
        },
        tryEnter: (caller) => {
          if (fastLeave !== undefined) return Effect.sync(() => (free(caller) ? fastLeave : undefined))
          return Effect.suspend(() => {
            if (
              closed || pending > 0 || (pausedUntil !== 0 && pausedUntil > caller.clock.unsafeCurrentTimeMillis())
            ) return Effect.succeed(undefined)
            const w = newWaiter(caller.service, undefined, undefined, undefined, 0)
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
              settle(w, { expected: until - now })
            }
          }
        }
      } satisfies Limiter
    )
  })
