/**
 * A Transport for plugin tests that answers from a script, one answer per request (the
 * last answer repeats), and records each request with the (Test)Clock time it arrived.
 */
import type { CallError, Session } from "@service-client/core"
import { Transport } from "@service-client/core"
import { Clock, Effect, Layer } from "effect"

export type Answer =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  | { readonly error: "transport" }
  | { readonly hang: true }

export interface Seen {
  readonly at: number
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string | null>
  readonly attempts: unknown
}

export const scripted = (answers: ReadonlyArray<Answer | ((session: Session.Session, index: number) => Answer)>) => {
  const seen: Array<Seen> = []
  const send = (session: Session.Session) =>
    Effect.flatMap(Clock.currentTimeMillis, (at): Effect.Effect<Transport.Reply, CallError> => {
      const index = seen.length
      seen.push({
        at,
        method: session.method,
        url: session.url,
        headers: { ...session.headers },
        attempts: session.attributes.attempts
      })
      const next = answers[Math.min(index, answers.length - 1)]!
      const answer = typeof next === "function" ? next(session, index) : next
      if ("hang" in answer) return Effect.never
      if ("error" in answer) return Effect.fail(Transport.requestError(session, new Error("ECONNRESET")))
      return Effect.succeed({ ...answer, headers: { "content-type": "application/json", ...answer.headers } })
    })
  return { seen, layer: Layer.succeed(Transport.Transport, Transport.make(send)) }
}
