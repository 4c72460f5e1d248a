/**
 * Test helpers for the loggers: a Logger that captures every entry, and a tiny Transport
 * that answers each call from a function of the session.
 */
import { Transport } from "@service-client/core"
import type { Session } from "@service-client/core"
import { Effect, HashMap, Layer, Logger } from "effect"

export interface Captured {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** Every entry logged while the returned layer is provided, in order. */
export const capture = () => {
  const entries: Array<Captured> = []
  const logger = Logger.make<unknown, void>((o) => {
    const m = o.message
    entries.push({
      level: o.logLevel.label,
      message: Array.isArray(m) ? m.map(String).join(" ") : String(m),
      annotations: Object.fromEntries(HashMap.toEntries(o.annotations))
    })
  })
  return { entries, layer: Logger.replace(Logger.defaultLogger, logger) }
}

/** The entries written by the loggers (those with a `record` annotation). */
export const records = (entries: ReadonlyArray<Captured>) => entries.filter((e) => "record" in e.annotations)

export interface Answer {
  readonly status?: number
  readonly headers?: Record<string, string>
  readonly body?: string | Uint8Array
}

/** A transport answering from `answer`; it logs `transport.send` when it is called. */
export const transport = (answer: (session: Session.Session) => Answer | Effect.Effect<never, any>) =>
  Layer.succeed(
    Transport.Transport,
    Transport.make((session) =>
      Effect.zipRight(
        Effect.log("transport.send"),
        Effect.suspend(() => {
          const a = answer(session)
          return Effect.isEffect(a) ? a : Effect.succeed(a)
        })
      )
    )
  )

export const json = (data: unknown, status = 200, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(data)
})
