/**
 * The Clock time (ms) by which a call must be over, set by the Timeout plugin when its
 * timer starts, so that a limiter inside it knows the time left. Only a Timeout listed
 * before the limiter (wrapping it) has set it by the time the limiter waits.
 *
 * @internal
 */
import type { Session } from "@service-client/core/Session"
import { Clock, Effect } from "effect"

// on the session under a private symbol (a WeakMap entry per call costs the GC more)
const key = Symbol("Deadline")
const deadlines = {
  get: (session: Session): number | undefined => (session as unknown as Record<symbol, number | undefined>)[key],
  set: (session: Session, deadline: number) => {
    ;(session as unknown as Record<symbol, number | undefined>)[key] = deadline
  },
  delete: (session: Session) => {
    ;(session as unknown as Record<symbol, number | undefined>)[key] = undefined
  }
}

/**
 * Runs `effect` with the session's deadline at `timeout` ms from now (or the deadline of
 * an outer Timeout, when earlier), and puts the previous one back after: a per-attempt
 * Timeout listed after Retry sets a fresh deadline for each attempt.
 *
 * @internal
 */
export const within = <A, E, R>(session: Session, timeout: number, effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const previous = deadlines.get(session)
    const deadline = now + timeout
    if (previous !== undefined && previous <= deadline) return effect
    deadlines.set(session, deadline)
    return Effect.ensuring(
      effect,
      Effect.sync(() => {
        if (previous === undefined) deadlines.delete(session)
        else deadlines.set(session, previous)
      })
    )
  })

/** @internal */
export const get = (session: Session): number | undefined => deadlines.get(session)
