/**
 * Timeout: fails a call with `TimeoutError` when its whole send (the transport, the
 * response hooks and the body read) takes longer than the call's timeout, and stops the
 * send, which aborts the request in the live transport. It does so by putting a deadline
 * on the session (`Deadline` in core) that every wait inside the send ends at: the Node
 * transport with one plain timer per call, Pool, RateLimit and Retry in their waits, and
 * the core bounds the rest (other transports, plugins that do not honour deadlines) with
 * `Effect.timeoutFail`. No fiber is raced against the send, so it works alike under the
 * live Clock and a TestClock.
 *
 * @since 0.1.0
 */
import * as Attribute from "@service-client/core/Attribute"
import * as Deadline from "@service-client/core/Deadline"
import type * as Endpoint from "@service-client/core/Endpoint"
import { InputError } from "@service-client/core/Errors"
import * as Plugin from "@service-client/core/Plugin"
import { Duration, Effect } from "effect"
import { decodeDuration, durationOption } from "./internal/options.js"

/**
 * The call's timeout in ms (`null`: none), as Timeout resolved it (plugin < endpoint < call).
 *
 * @since 0.1.0
 * @category attributes
 */
export const timeoutAttribute: Attribute.Attribute<number | null> = Attribute.make<number | null>("timeout")

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The default timeout; `null` or absent: no timeout unless the endpoint or the call sets one. */
  readonly timeout?: Duration.DurationInput | null | undefined
}

/** A timeout as the plugin keeps it: in ms (`attributes.timeout`), or why it is invalid. */
type Resolved = { readonly ms: number } | undefined | { readonly reason: string }

const resolved = (decoded: Duration.Duration | undefined | { readonly reason: string }): Resolved =>
  decoded === undefined || !Duration.isDuration(decoded) ? decoded : { ms: Duration.toMillis(decoded) }

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
  const fallback = resolved(durationOption("Timeout", "timeout", options?.timeout))
  const endpoints = new WeakMap<Endpoint.Any, Resolved>()
  // most calls go to the endpoint of the call before: one comparison instead of a WeakMap lookup
  let lastEndpoint: Endpoint.Any | undefined = undefined
  let lastResolved: Resolved = undefined
  const endpointTimeout = (endpoint: Endpoint.Any): Resolved => {
    if (endpoint === lastEndpoint) return lastResolved
    let found = endpoints.get(endpoint)
    if (found === undefined && !endpoints.has(endpoint)) {
      found = endpoint.timeout === undefined ? fallback : resolved(decodeDuration(endpoint.timeout))
      endpoints.set(endpoint, found)
    }
    lastEndpoint = endpoint
    lastResolved = found
    return found
  }
  let lastMs = 0
  let last = Duration.zero
  return Plugin.make("Timeout", {
    prepareSession: (session) => {
      const input = session.input.timeout
      const timeout = input === undefined ? endpointTimeout(session.definition) : resolved(decodeDuration(input))
      if (timeout !== undefined && "reason" in timeout) {
        return Effect.fail(
          new InputError({
            service: session.service,
            endpoint: session.endpoint,
            key: "timeout",
            reason: input === undefined ? `the endpoint's timeout is invalid: ${timeout.reason}` : timeout.reason
          })
        )
      }
      timeoutAttribute.set(session, timeout === undefined ? null : timeout.ms)
      return Effect.void
    },
    enterSend: (session) => {
      const ms = timeoutAttribute.get(session)
      if (ms === undefined || ms === null) return undefined
      // most calls share a timeout: its Duration is kept, not made again per call
      if (ms !== lastMs) {
        lastMs = ms
        last = Duration.millis(ms)
      }
      return Deadline.enter(session, last)
    }
  }, { honoursDeadline: true })
}
