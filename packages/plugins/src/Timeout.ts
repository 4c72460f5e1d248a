/**
 * Timeout: fails a call with `TimeoutError` when its whole send (the transport, the
 * response hooks and the body read) takes longer than the call's timeout, and interrupts
 * the send, which aborts the request in the live transport.
 *
 * @since 0.1.0
 */
import type * as Endpoint from "@service-client/core/Endpoint"
import { InputError, type TimeoutError } from "@service-client/core/Errors"
import * as Plugin from "@service-client/core/Plugin"
import * as Transport from "@service-client/core/Transport"
import { Cause, Clock, Duration, Effect, Fiber, FiberId, Runtime } from "effect"
import * as Deadline from "./internal/deadline.js"
import { decodeDuration, durationOption } from "./internal/options.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The default timeout; `null` or absent: no timeout unless the endpoint or the call sets one. */
  readonly timeout?: Duration.DurationInput | null | undefined
}

type Resolved = Duration.Duration | undefined | { readonly reason: string }

/**
 * Precedence: the call's `timeout` < the endpoint's `timeout` < this default (the call
 * wins). At each level `null` means "no timeout" and stops the search; `undefined`
 * falls through to the next level. The timeout in use is put on the session as
 * `attributes.timeout` (ms, or `null`). An invalid call timeout (not a duration, or
 * negative) fails the call with `InputError` (key "timeout") before any I/O. Throws a
 * `SpecError` for an invalid default.
 *
 * Where it sits in `plugins` matters: listed after Pool and RateLimit it times the
 * exchange only; listed before them it also counts the time spent waiting for them.
 *
 * **Example**
 *
 * ```ts
 * const client = yield* ServiceClient.make(Api, { name: "users", baseUrl, plugins: [Timeout.make({ timeout: "5 seconds" })] })
 * yield* client.getUser({ user_id: 1, timeout: "500 millis" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Plugin.Plugin => {
  const fallback = durationOption("Timeout", "timeout", options?.timeout)
  const endpoints = new WeakMap<Endpoint.Any, Resolved>()
  const endpointTimeout = (endpoint: Endpoint.Any): Resolved => {
    let resolved = endpoints.get(endpoint)
    if (resolved === undefined && !endpoints.has(endpoint)) {
      resolved = endpoint.timeout === undefined ? fallback : decodeDuration(endpoint.timeout)
      endpoints.set(endpoint, resolved)
    }
    return resolved
  }
  return Plugin.make("Timeout", {
    prepareSession: (session) => {
      const input = session.input.timeout
      const resolved = input === undefined ? endpointTimeout(session.definition) : decodeDuration(input)
      if (resolved !== undefined && !Duration.isDuration(resolved)) {
        return Effect.fail(
          new InputError({
            service: session.service,
            endpoint: session.endpoint,
            key: "timeout",
            reason: input === undefined ? `the endpoint's timeout is invalid: ${resolved.reason}` : resolved.reason
          })
        )
      }
      session.attributes.timeout = resolved === undefined ? null : Duration.toMillis(resolved)
      return Effect.void
    },
    aroundSend: (session, send) => {
      const ms = session.attributes.timeout
      if (typeof ms !== "number") return send
      const error = () => Transport.timeoutError(session, Duration.millis(ms))
      return Deadline.within(
        session,
        ms,
        Effect.clockWith((clock) =>
          clock.constructor === LiveClock && ms <= MAX_TIMER_MS
            ? timeoutLive(send, ms, error)
            : Effect.timeoutFail(send, { duration: Duration.millis(ms), onTimeout: error })
        )
      )
    }
  })
}

const LiveClock = Clock.make().constructor
// a Node timer fires at once past this; longer timeouts take timeoutFail
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * `Effect.timeoutFail` for the live Clock, at a fraction of its cost: the send runs in one
 * fiber started at once (a send that is over before its first async step needs no timer),
 * and a plain (unref'd) Node timer interrupts it at the deadline, where `timeoutFail`
 * forks two fibers and an Effect sleep per call. Like `timeoutFail`, the
 * call fails once the interrupted send is over (its finalizers ran: the request is
 * aborted), and interrupting the call interrupts the send. Under any other Clock
 * (TestClock) the plugin uses `timeoutFail` itself.
 */
const timeoutLive = <A, E, R>(
  send: Effect.Effect<A, E, R>,
  ms: number,
  error: () => TimeoutError
): Effect.Effect<A, E | TimeoutError, R> =>
  Effect.flatMap(Effect.runtime<R>(), (runtime) =>
    Effect.uninterruptibleMask((restore): Effect.Effect<A, E | TimeoutError> => {
      // starts at once, on the caller's context, fiber refs and interruptibility
      const child = Runtime.runFork(runtime)(send)
      const done = child.unsafePoll()
      if (done !== null) return Effect.zipRight(Fiber.inheritAll(child), done)
      let expired = false
      const timer = setTimeout(() => {
        expired = true
        child.unsafeInterruptAsFork(FiberId.none)
      }, ms)
      timer.unref?.()
      return restore(Fiber.join(child)).pipe(
        Effect.onInterrupt(() => Fiber.interrupt(child)),
        Effect.ensuring(Effect.sync(() => clearTimeout(timer))),
        Effect.catchAllCause((cause): Effect.Effect<never, E | TimeoutError> =>
          expired && Cause.isInterruptedOnly(cause) ? Effect.fail(error()) : Effect.failCause(cause)
        )
      )
    }))
