/**
 * The per-call session: what the call is (service, endpoint, input) and the request as
 * the pipeline builds it, plus the attributes plugins add and loggers print. Plugins
 * change the request by writing to the session's fields in their hooks.
 *
 * @since 0.1.0
 */
import type { Clock, Duration, LogLevel, Random, Stream } from "effect"
import type * as Endpoint from "./Endpoint.js"
import type { QueryValue } from "./internal/query.js"
import type * as Redact from "./Redact.js"

/**
 * The body handed to the transport: nothing, text, bytes or a byte stream.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestBody = undefined | string | Uint8Array | Stream.Stream<Uint8Array, unknown>

/**
 * @since 0.1.0
 * @category models
 */
export interface Session {
  readonly service: string
  readonly endpoint: string
  readonly definition: Endpoint.Any
  /** The call's input as given. */
  readonly input: Readonly<Record<string, unknown>>
  /**
   * The Clock of the fiber that made the call, read once when it starts: hooks read times
   * from it directly (`clock.unsafeCurrentTimeMillis()`), without an Effect step each.
   */
  readonly clock: Clock.Clock
  /**
   * The Random of the fiber that made the call (seedable in tests): a hook draws from it
   * (`random.nextIntBetween(...)`) one Effect step cheaper than through `Effect.randomWith`.
   */
  readonly random: Random.Random
  /**
   * The minimum log level of the fiber that made the call, read once when it starts: a
   * logger plugin whose records fall below it skips them without an Effect step.
   */
  readonly minimumLogLevel: LogLevel.LogLevel
  /**
   * What the client redacts in errors and logs (its `redact` option over the defaults):
   * a plugin that prints headers, the URL or the query uses it (`Redact.url`,
   * `Redact.headers`).
   */
  readonly redaction: Redact.Redaction
  /**
   * The attributes plugins write and loggers print: read and write them with the typed
   * keys their owners export (`Attribute`: Pool's `blockedByPool`, Retry's `attempts`...).
   */
  readonly attributes: Record<string, unknown>
  /** The endpoint's settings owned by the client's plugins, decoded (read with `Setting.get`). */
  readonly settings: Readonly<Record<string, unknown>>
  /** The call input's settings owned by the client's plugins, decoded (read with `Setting.get`). */
  readonly callSettings: Readonly<Record<string, unknown>>
  readonly method: Endpoint.Method
  /** Token values by name; `preparePath` hooks may add defaults. */
  pathTokens: Record<string, unknown>
  /** The filled path, set once `preparePath` hooks have run. */
  path: string
  /** Query values by name (`null` removes a key); `prepareRequest` hooks may add defaults. */
  query: Record<string, QueryValue>
  /** Lower-cased header names (`null` removes a header); `prepareRequest` hooks may add defaults. */
  headers: Record<string, string | null>
  /** The full URL with its query string, set once `prepareRequest` hooks have run. */
  url: string
  /** The payload before serialization (after the payload Schema encoded it). */
  payload: unknown
  /** The body as sent, set by serialization. */
  body: RequestBody
  /**
   * When the send must be over, while a Timeout runs it: a `Deadline.Deadline` (written
   * out here so that this module does not import `Deadline`, which imports it).
   */
  deadline: { readonly at: number; readonly timeout: Duration.Duration } | undefined
}

/**
 * Whether a body is streamed rather than held in memory.
 *
 * @since 0.1.0
 * @category guards
 */
export const isStreamBody = (body: RequestBody): body is Stream.Stream<Uint8Array, unknown> =>
  body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array)
