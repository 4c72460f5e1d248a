/**
 * How Retry and Tracing meet on a session: Tracing registers a wrapper for one attempt,
 * Retry runs each of its attempts through it (a child span per attempt).
 *
 * @internal
 */
import { Attribute, type Plugin, type Session } from "@service-client/core"

/** @internal */
export type AttemptWrapper = (attempt: number, send: Plugin.Send) => Plugin.Send

// a hidden attribute of the session (under a symbol: not printed), not a module-level map
const wrappers = Attribute.make<AttemptWrapper>("attemptWrapper", { hidden: true })

/**
 * Registers the wrapper of every attempt of the session's send (an outer one wraps the inner).
 *
 * @internal
 */
export const register = (session: Session.Session, wrapper: AttemptWrapper): void => {
  const inner = wrappers.get(session)
  wrappers.set(session, inner === undefined ? wrapper : (attempt, send) => wrapper(attempt, inner(attempt, send)))
}

/**
 * One attempt of the session's send, through the registered wrappers.
 *
 * @internal
 */
export const wrap = (session: Session.Session, attempt: number, send: Plugin.Send): Plugin.Send => {
  const wrapper = wrappers.get(session)
  return wrapper === undefined ? send : wrapper(attempt, send)
}
