/**
 * The response of a call: status, headers, the raw body, the decoded data and the
 * session's attributes.
 *
 * @since 0.1.0
 */
import type { Stream } from "effect"
import type { RequestError } from "./Errors.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface ServiceResponse<out A = unknown> {
  readonly service: string
  readonly endpoint: string
  readonly method: string
  readonly url: string
  readonly status: number
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>
  /**
   * Each `Set-Cookie` header as received, in order: `headers["set-cookie"]` joins them
   * with `, `, which cannot be split again (a cookie's `Expires` holds a comma).
   */
  readonly setCookie: ReadonlyArray<string>
  /** The raw body once read; `undefined` for a streamed response. */
  readonly body: Uint8Array | undefined
  /** The body as a stream, for a `streamResponse` endpoint. */
  readonly stream: Stream.Stream<Uint8Array, RequestError> | undefined
  /** The parsed and decoded body. */
  readonly data: A
  /** The session's attributes (tracking token, elapsed times, blocked times...). */
  readonly attributes: Readonly<Record<string, unknown>>
}

/**
 * Whether the status is 2xx.
 *
 * @since 0.1.0
 * @category guards
 */
export const isSuccess = (response: { readonly status: number }): boolean =>
  response.status >= 200 && response.status < 300
