/**
 * A recording transport for core unit tests (no network): answers every call with the
 * given response and keeps the sessions it saw.
 */
import { type Session, Transport } from "@service-client/core"
import { Effect, Layer, Stream } from "effect"

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
  const layer = Layer.succeed(Transport.Transport, {
    send: (session) =>
      Effect.sync(() => {
        sent.push({ method: session.method, url: session.url, headers: { ...session.headers }, body: session.body })
        const a = answer(session)
        const bytes = new TextEncoder().encode(a.body ?? "")
        return {
          status: a.status ?? 200,
          headers: a.headers ?? { "content-type": "application/json" },
          read: () => Effect.succeed(bytes),
          stream: Stream.make(bytes)
        }
      })
  })
  return { sent, layer }
}
