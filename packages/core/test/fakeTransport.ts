/**
 * A recording transport for core unit tests (no network): answers every call with the
 * given response (`Transport.make`) and keeps the sessions it saw.
 */
import { type Session, Transport } from "@service-client/core"
import { Effect, Layer } from "effect"

export interface Sent {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string | null>
  readonly body: Session.RequestBody
}

export const make = (
  answer: (session: Session.Session) => { status?: number; headers?: Record<string, string>; body?: string } = () => ({
    body: "{}"
  })
) => {
  const sent: Array<Sent> = []
  const layer = Layer.succeed(
    Transport.Transport,
    Transport.make((session) =>
      Effect.sync(() => {
        sent.push({ method: session.method, url: session.url, headers: { ...session.headers }, body: session.body })
        const a = answer(session)
        return { ...a, headers: a.headers ?? { "content-type": "application/json" } }
      })
    )
  )
  return { sent, layer }
}
