/**
 * A run of adjacent `enterSend` hooks, fused into one region around the rest of the send:
 * what they take is given back when the send is over, by one continuation for success and
 * failure and one fiber observer for an interruption (Effect skips the handlers of an
 * interrupted fiber), however many hooks there are. A hook that takes at once costs no
 * runtime step; the region costs one continuation, none when it is the send's outermost
 * wrapper (it then shares the call's own).
 *
 * @internal
 */
import { type Cause, Effect, Exit, Fiber, Option, Runtime } from "effect"
import type { CallError } from "../Errors.js"
import type * as Plugin from "../Plugin.js"
import type { ServiceResponse } from "../ServiceResponse.js"
import type { Session } from "../Session.js"

/** The rest of the send, built when it is to run. @internal */
export type Next = (session: Session) => Plugin.Send

/** Runs what is left of a leave from a fiber observer (outside any fiber), on that fiber's context. */
const runOutside = (fiber: Fiber.RuntimeFiber<unknown, unknown>, effect: Effect.Effect<void>): void => {
  Runtime.runFork(
    Runtime.make({
      context: fiber.currentContext,
      runtimeFlags: Runtime.defaultRuntimeFlags,
      fiberRefs: fiber.getFiberRefs()
    })
  )(effect)
}

/** How the send ended, as the leaves get it. */
type Outcome = Exit.Exit<ServiceResponse, CallError>

/** Calls one leave; a leave that throws does not keep the others from being called (its defect comes after). */
const callLeave = (
  leave: Plugin.LeaveSend,
  session: Session,
  exit: Outcome,
  rest: Effect.Effect<void>
): Effect.Effect<void> => {
  let r: ReturnType<Plugin.LeaveSend>
  try {
    r = leave(session, exit)
  } catch (defect) {
    r = Effect.die(defect)
  }
  if (r === undefined || r === Effect.void) return rest
  return rest === Effect.void ? r : Effect.zipRight(rest, r)
}

/** What one call's region holds: the leaves of the hooks that took something, in order. */
class Held {
  /** At most one per hook of the region: made with that room on the first leave. */
  leaves: Array<Plugin.LeaveSend> | undefined = undefined
  count = 0
  over = false
  constructor(
    readonly fiber: Fiber.RuntimeFiber<unknown, unknown>,
    readonly session: Session,
    readonly room: number
  ) {}

  readonly onFiberEnd = (exit: Exit.Exit<unknown, unknown>): void => {
    if (this.over) return
    this.over = true
    // the fiber ended before the send's continuation ran: it was interrupted
    const rest = this.leaveAll(
      Exit.isFailure(exit) ? exit as Exit.Exit<never, CallError> : Exit.interrupt(this.fiber.id())
    )
    if (rest !== Effect.void) runOutside(this.fiber, rest)
  }

  add(leave: Plugin.LeaveSend): void {
    if (this.leaves === undefined) {
      this.leaves = new Array(this.room)
      this.fiber.addObserver(this.onFiberEnd)
    }
    this.leaves[this.count++] = leave
  }

  /** Calls the leaves, last taken first, with how the send ended; answers what is left to run. */
  leaveAll(exit: Outcome): Effect.Effect<void> {
    let rest: Effect.Effect<void> = Effect.void
    const leaves = this.leaves
    for (let i = this.count - 1; i >= 0; i--) rest = callLeave(leaves![i]!, this.session, exit, rest)
    return rest
  }

  /**
   * The send is over (its handlers run): no more watching, every leave called with the
   * response, or the failure's cause (the exit is made only when a hook took something).
   */
  end(succeeded: boolean, outcome: ServiceResponse | Cause.Cause<CallError>): Effect.Effect<void> {
    if (this.over) return Effect.void
    this.over = true
    if (this.leaves === undefined) return Effect.void
    this.fiber.removeObserver(this.onFiberEnd)
    const rest = this.leaveAll(
      succeeded ? Exit.succeed(outcome as ServiceResponse) : Exit.failCause(outcome as Cause.Cause<CallError>)
    )
    return rest === Effect.void ? rest : Effect.uninterruptible(rest)
  }
}

const enterFrom = (
  held: Held,
  enters: ReadonlyArray<NonNullable<Plugin.Hooks<CallError>["enterSend"]>>,
  from: number,
  next: Next,
  session: Session
): Plugin.Send => {
  for (let i = from; i < enters.length; i++) {
    const entered = enters[i]!(session)
    if (entered === undefined) continue
    // a function is a LeaveSend; an Effect (an object) is a wait
    if (typeof entered === "function") {
      held.add(entered)
      continue
    }
    // a wait: what it took is registered in the uninterruptible step that ends it
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(restore(entered), (leave) => {
        if (leave !== undefined) held.add(leave)
        return restore(enterFrom(held, enters, i + 1, next, session))
      })
    )
  }
  return next(session)
}

/** What runs once the send is over and the leaves are called: the caller's continuation. @internal */
export interface After<A, E> {
  readonly onFailure: (cause: Cause.Cause<CallError>) => Effect.Effect<A, E>
  readonly onSuccess: (response: ServiceResponse) => Effect.Effect<A, E>
}

const reraise: After<ServiceResponse, CallError> = { onFailure: Effect.failCause, onSuccess: Effect.succeed }

const start = <A, E>(
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  enters: ReadonlyArray<NonNullable<Plugin.Hooks<CallError>["enterSend"]>>,
  next: Next,
  session: Session,
  after: After<A, E>
): Effect.Effect<A, E> => {
  const held = new Held(fiber, session, enters.length)
  let entered: Plugin.Send
  try {
    entered = enterFrom(held, enters, 0, next, session)
  } catch (defect) {
    // a hook that threw: what the ones before it took is still given back
    entered = Effect.die(defect)
  }
  return Effect.matchCauseEffect(entered, {
    // what a leave left to run runs before `after` is even built
    onFailure: (cause) => {
      const rest = held.end(false, cause)
      return rest === Effect.void
        ? after.onFailure(cause)
        : Effect.zipRight(rest, Effect.suspend(() => after.onFailure(cause)))
    },
    onSuccess: (response) => {
      const rest = held.end(true, response)
      return rest === Effect.void
        ? after.onSuccess(response)
        : Effect.zipRight(rest, Effect.suspend(() => after.onSuccess(response)))
    }
  })
}

/**
 * Runs the region of `enters` (in plugin order, the first outermost) around `next`, then
 * `after` in the same continuation: the core's own, when the region is the outermost
 * wrapper of the send (one step and its closures fewer). Called when the send starts,
 * inside the step of the fiber that runs it: that fiber is the one watched (no
 * `withFiberRuntime` step to find it).
 *
 * @internal
 */
export const run = <A, E>(
  enters: ReadonlyArray<NonNullable<Plugin.Hooks<CallError>["enterSend"]>>,
  next: Next,
  session: Session,
  after: After<A, E>
): Effect.Effect<A, E> => {
  const current = Fiber.getCurrentFiber()
  return Option.isSome(current)
    ? start(current.value, enters, next, session, after)
    : Effect.withFiberRuntime((fiber) => start(fiber, enters, next, session, after))
}

/**
 * The region of `enters` around `next`, as a wrapper of the send.
 *
 * @internal
 */
export const region =
  (enters: ReadonlyArray<NonNullable<Plugin.Hooks<CallError>["enterSend"]>>, next: Next): Next => (session) =>
    run(enters, next, session, reraise)
