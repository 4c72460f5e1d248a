/**
 * The in-memory transports of the bench's CPU measurements (pipeline, plugins, limiter,
 * log records, resilience, runtime steps): one JSON user as the answer, sent at once or
 * on the next turn of the event loop (as a socket would), optionally with the timer a
 * live transport keeps while a deadline is set.
 */
import { Transport } from "@service-client/core"
import { Effect, Layer, Stream } from "effect"

const body = new TextEncoder().encode(JSON.stringify({ id: 12345, username: "benchmark-user", active: true }))

/** The answer: 200 with the user as JSON, and `headers` on top. */
export const response = (headers: Record<string, string> = {}): Transport.Response => ({
  status: 200,
  headers: { "content-type": "application/json", "content-length": String(body.length), ...headers },
  read: () => Effect.succeed(body),
  stream: Stream.make(body)
})

/** Answers in the same step. */
export const immediate = (answer: Transport.Response = response()) =>
  Layer.succeed(Transport.Transport, { honoursDeadline: true, send: () => Effect.succeed(answer) })

/**
 * Answers on the next turn of the event loop; with `deadlineTimer`, a Node timer runs
 * while the call has a deadline and is cleared on the answer (what the Node transport
 * paid per call until it kept one timer for all its requests: an upper bound of a
 * deadline's cost).
 */
export const nextTurn = (options: { readonly deadlineTimer?: boolean } = {}) => {
  const answer = response()
  return Layer.succeed(Transport.Transport, {
    honoursDeadline: true,
    send: (session) =>
      Effect.async<Transport.Response>((resume) => {
        const timer = options.deadlineTimer !== true || session.deadline === undefined
          ? undefined
          : setTimeout(() => {}, session.deadline.at - Date.now())
        setImmediate(() => {
          if (timer !== undefined) clearTimeout(timer)
          resume(Effect.succeed(answer))
        })
      })
  })
}
