/**
 * Timeout: fails a call with `TimeoutError` when its whole send (the transport, the
 * response hooks and the body read) takes longer than the call's timeout, and stops the
 * send, which aborts the request in the live transport. It does so by putting a deadline
 * on the session (`Deadline` in core) that every wait inside the send ends at: the Node
 * transport with one timer for all its requests in flight, Pool, RateLimit and Retry in
 * their waits, and the core bounds the rest (other transports, plugins that do not honour deadlines) with
 * `Effect.timeoutFail`. No fiber is raced against the send, so it works alike under the
 * live Clock and a TestClock.
 *
 * @since 0.1.0
 */
import * as Attribute from "@service-client/core/Attribute"
import * as Deadline from "@service-client/core/Deadline"
import * as Plugin from "@service-client/core/Plugin"
import * as Setting from "@service-client/core/Setting"
import { Duration, Effect, Schema } from "effect"
import { decodeDuration, durationOption } from "./internal/options.js"
import { durationOrNull } from "./internal/settingSchemas.js"

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

const millis = (d: Duration.DurationInput | null): number | null => {
  const decoded = decodeDuration(d)
  return decoded === undefined || !Duration.isDuration(decoded) ? null : Duration.toMillis(decoded)
}

/**
 * The endpoint's and the call's `timeout` (ms, or a duration like `"5 seconds"`; `null`: no
 * timeout there, whatever the level below says), decoded to ms (`null`: none).
 *
 * @since 0.1.0
 * @category settings
 */
export const setting: Setting.Setting<number | null> = Setting.make(
  "timeout",
  Schema.transform(durationOrNull, Schema.NullOr(Schema.Number), { strict: true, decode: millis, encode: (ms) => ms }),
  { call: true }
)

declare module "@service-client/core/Endpoint" {
  interface Settings {
    /** Timeout: this endpoint's timeout; `null`: none, whatever the plugin's default. */
    readonly timeout?: Duration.DurationInput | null | undefined
  }
  interface CommonInput {
    /** Timeout: this call's timeout; `null`: none. */
    readonly timeout?: Duration.DurationInput | null | undefined
  }
}

/**
 * Precedence: the call's `timeout` < the endpoint's `timeout` < this default (the call
 * wins). At each level `null` means "no timeout" and stops the search; `undefined`
 * falls through to the next level. The timeout in use is put on the session as
 * `attributes.timeout` (ms, or `null`). The plugin owns the `timeout` setting
 * ({@link setting}): an invalid endpoint timeout is a `SpecError` when the client is
 * built, an invalid call timeout (not a duration, or negative) fails the call with
 * `InputError` (key "timeout") before any I/O. Throws a `SpecError` for an invalid default.
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
  const fallback = millis(durationOption("Timeout", "timeout", options?.timeout) ?? null)
  let lastMs = 0
  let last = Duration.zero
  return Plugin.make("Timeout", {
    prepareSession: (session) => {
      let ms = setting.fromCall(session)
      if (ms === undefined) ms = setting.fromEndpoint(session)
      timeoutAttribute.set(session, ms === undefined ? fallback : ms)
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
  }, { honoursDeadline: true, settings: [setting] })
}
