/**
 * A tiny in-test Transport: answers with `handler` and records every session it sees.
 */
import type { CallError } from "@service-client/core/Errors"
import type { Session } from "@service-client/core/Session"
import * as Transport from "@service-client/core/Transport"
import { Clock, Context, Effect, Layer, Stream } from "effect"

const encoder = new TextEncoder()

export interface Answer {
  readonly status?: number
  readonly headers?: Record<string, string>
  readonly body?: unknown
  /** Extra effect run when the body is read (e.g. a sleep). */
  readonly read?: Effect.Effect<void>
}

export interface Recorder {
  readonly sessions: Array<Session>
}

export class RecorderTag extends Context.Tag("test/Recorder")<RecorderTag, Recorder>() {}

export const layer = (
  handler: (session: Session) => Effect.Effect<Answer, CallError> = () => Effect.succeed({})
): Layer.Layer<Transport.Transport | RecorderTag> => {
  const sessions: Array<Session> = []
  return Layer.mergeAll(
    Layer.succeed(
      Transport.Transport,
      Transport.make((session) => {
        sessions.push(session)
        return Effect.map(handler(session), (answer) => {
          const body = answer.body === undefined ? "" : JSON.stringify(answer.body)
          return {
            status: answer.status,
            headers: { "content-type": "application/json", ...answer.headers },
            // a slow read: the body comes after `answer.read`
            body: answer.read === undefined ? body : Stream.fromEffect(Effect.as(answer.read, encoder.encode(body)))
          }
        })
      })
    ),
    Layer.succeed(RecorderTag, { sessions })
  )
}

export const sessions = Effect.map(RecorderTag, (r) => r.sessions)

/** A transport handler that counts calls in flight and records start times (Clock ms). */
export const gauge = (hold: (session: Session) => Effect.Effect<Answer, CallError>) => {
  const state = { inFlight: 0, max: 0, starts: [] as Array<{ readonly at: number; readonly url: string }> }
  const handler = (session: Session) =>
    Effect.gen(function*() {
      state.inFlight++
      state.max = Math.max(state.max, state.inFlight)
      state.starts.push({ at: yield* Clock.currentTimeMillis, url: session.url })
      return yield* hold(session)
    }).pipe(Effect.ensuring(Effect.sync(() => void state.inFlight--)))
  return { state, handler }
}
