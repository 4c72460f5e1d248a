/**
 * A call's deadline: the Clock time by which its send must be over, put on the session by
 * the Timeout plugin. Every wait inside the send stops at it with a `TimeoutError`: the
 * transport's send and body read, a limiter's queue, a retry's pause. Nothing races the
 * send in another fiber: a wait that knows the deadline ends itself (the live Node
 * transport with a plain timer that aborts the request), and the core bounds the rest
 * (another transport, a plugin that does not say it honours deadlines) with `bound`.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect } from "effect"
import { dual } from "effect/Function"
import type { TimeoutError } from "./Errors.js"
import type { Session } from "./Session.js"
import { timeoutError } from "./Transport.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Deadline {
  /** Clock time (ms) by which the send must be over. */
  readonly at: number
  /** The timeout it came from (for the error). */
  readonly timeout: Duration.Duration
}

/**
 * Puts the deadline `timeout` from now on the session, unless an outer deadline comes
 * first, and answers how to put the previous one back (`undefined` when nothing changed).
 * Synchronous: the Timeout plugin's `enterSend`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const enter = (session: Session, timeout: Duration.Duration): (() => void) | undefined => {
  const at = session.clock.unsafeCurrentTimeMillis() + Duration.toMillis(timeout)
  const previous = session.deadline
  if (previous !== undefined && previous.at <= at) return undefined
  session.deadline = { at, timeout }
  return () => {
    session.deadline = previous
  }
}

const withinImpl = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  session: Session,
  timeout: Duration.DurationInput
): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    const leave = enter(session, Duration.decode(timeout))
    if (leave === undefined) return self
    // put back on success and failure; an interrupted call has no "after" that could read it
    return Effect.matchCauseEffect(self, {
      onFailure: (cause) => {
        leave()
        return Effect.failCause(cause)
      },
      onSuccess: (a) => {
        leave()
        return Effect.succeed(a)
      }
    })
  })

/**
 * Runs an effect with the session's deadline `timeout` from now, unless an outer deadline
 * comes first, and puts the previous deadline back after: a per-attempt Timeout inside a
 * call's Timeout sets a fresh deadline for each attempt.
 *
 * **Example**
 *
 * ```ts
 * const plugin = Plugin.make("AttemptDeadline", {
 *   aroundSend: (session, send) => send.pipe(Deadline.within(session, "2 seconds"))
 * })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const within: {
  (session: Session, timeout: Duration.DurationInput): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, session: Session, timeout: Duration.DurationInput): Effect.Effect<A, E, R>
  /** @deprecated pass the effect first: `Deadline.within(effect, session, timeout)` or `effect.pipe(Deadline.within(session, timeout))` */
  <A, E, R>(session: Session, timeout: Duration.DurationInput, self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
} = dual(3, (a: any, b: any, c: any) => Effect.isEffect(a) ? withinImpl(a, b, c) : withinImpl(c, a, b))

/**
 * The `TimeoutError` of the session's deadline.
 *
 * @since 0.1.0
 * @category errors
 */
export const error = (session: Session): TimeoutError =>
  timeoutError(session, session.deadline?.timeout ?? Duration.zero)

const boundImpl = <A, E, R>(self: Effect.Effect<A, E, R>, session: Session): Effect.Effect<A, E | TimeoutError, R> =>
  Effect.suspend(() => {
    const deadline = session.deadline
    if (deadline === undefined) return self
    return Effect.clockWith((clock) => {
      const left = deadline.at - clock.unsafeCurrentTimeMillis()
      if (left <= 0) return Effect.fail(timeoutError(session, deadline.timeout))
      return Effect.timeoutFail(self, {
        duration: Duration.millis(left),
        onTimeout: () => timeoutError(session, deadline.timeout)
      })
    })
  })

/**
 * Bounds an effect by the session's deadline, when it has one: fails with the
 * `TimeoutError` and interrupts the effect at the deadline. Costs a fiber and a Clock
 * sleep: for waits that cannot end themselves (the core applies it to transports and
 * plugins that do not honour deadlines).
 *
 * **Example**
 *
 * ```ts
 * const plugin = Plugin.make("Token", {
 *   prepareRequest: (session) => fetchToken.pipe(Deadline.bound(session), Effect.asVoid)
 * })
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const bound: {
  (session: Session): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | TimeoutError, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, session: Session): Effect.Effect<A, E | TimeoutError, R>
  /** @deprecated pass the effect first: `Deadline.bound(effect, session)` or `effect.pipe(Deadline.bound(session))` */
  <A, E, R>(session: Session, self: Effect.Effect<A, E, R>): Effect.Effect<A, E | TimeoutError, R>
} = dual(2, (a: any, b: any) => Effect.isEffect(a) ? boundImpl(a, b) : boundImpl(b, a))

/**
 * Sleeps `duration`, or until the session's deadline and then fails with its
 * `TimeoutError`, whichever comes first (no fiber).
 *
 * @since 0.1.0
 * @category combinators
 */
export const sleep = (session: Session, duration: Duration.Duration): Effect.Effect<void, TimeoutError> =>
  Effect.suspend(() => {
    const deadline = session.deadline
    if (deadline === undefined) return Effect.sleep(duration)
    return Effect.clockWith((clock) => {
      const left = deadline.at - clock.unsafeCurrentTimeMillis()
      const ms = Duration.toMillis(duration)
      if (ms < left) return Effect.sleep(duration)
      const expired = Effect.fail(timeoutError(session, deadline.timeout))
      return left <= 0 ? expired : Effect.zipRight(Effect.sleep(Duration.millis(left)), expired)
    })
  })

const LiveClock = Clock.make().constructor

/**
 * Whether `clock` is Effect's live Clock (the wall clock, whose time a Node timer can
 * wait for), not a TestClock or another Clock.
 *
 * @since 0.1.0
 * @category guards
 */
export const isLiveClock = (clock: Clock.Clock): boolean => clock.constructor === LiveClock
