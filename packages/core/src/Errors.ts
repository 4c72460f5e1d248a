/**
 * The typed errors of a service call. Every error names the service and the endpoint,
 * and the ones raised around I/O name the request (`METHOD url`) too.
 *
 * @since 0.1.0
 */
import { Data, Duration, Predicate } from "effect"

const where = (e: { readonly service: string; readonly endpoint: string }) => `${e.service}.${e.endpoint}`

/**
 * A spec (typed or plain data, from code or a file) is malformed.
 *
 * @since 0.1.0
 * @category errors
 */
export class SpecError extends Data.TaggedError("SpecError")<{
  readonly reason: string
  readonly service?: string | undefined
  readonly endpoint?: string | undefined
  readonly key?: string | undefined
  readonly file?: string | undefined
  readonly line?: number | undefined
}> {
  override get message() {
    const at = [
      this.file === undefined ? undefined : this.line === undefined ? this.file : `${this.file}:${this.line}`,
      this.service,
      this.endpoint === undefined ? undefined : `endpoint "${this.endpoint}"`,
      this.key === undefined ? undefined : `key "${this.key}"`
    ].filter((s) => s !== undefined)
    return at.length === 0 ? this.reason : `${at.join(", ")}: ${this.reason}`
  }
}

/**
 * The call's input is invalid (a missing path token, a payload that fails its Schema,
 * a header with CR/LF...). Raised before any I/O.
 *
 * @since 0.1.0
 * @category errors
 */
export class InputError extends Data.TaggedError("InputError")<{
  readonly service: string
  readonly endpoint: string
  readonly reason: string
  readonly key?: string | undefined
  readonly cause?: unknown
}> {
  override get message() {
    return `${where(this)}: invalid input${this.key === undefined ? "" : ` "${this.key}"`}: ${this.reason}`
  }
}

/**
 * The transport failed: connection refused or reset, a body cut short, a response body
 * over `maxResponseBytes`, a compressed body that does not decode.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestError extends Data.TaggedError("RequestError")<{
  readonly service: string
  readonly endpoint: string
  readonly method: string
  readonly url: string
  /**
   * `Transport`: the connection or the exchange failed; `ResponseTooLarge`: the body grew
   * past `maxResponseBytes`; `Decoding`: an encoded body (`gzip`...) could not be decoded;
   * `Redirect`: a redirect the policy refuses (`redirect: "error"`, too many, a loop, a
   * streamed body that cannot be sent again, a target that is not http(s)).
   */
  readonly reason: "Transport" | "ResponseTooLarge" | "Decoding" | "Redirect"
  readonly description?: string | undefined
  readonly cause?: unknown
}> {
  override get message() {
    const detail = this.description ?? (this.cause instanceof Error ? this.cause.message : String(this.cause))
    return `${where(this)}: ${this.method} ${this.url} failed (${this.reason}): ${detail}`
  }
}

/**
 * No complete response within the call's timeout.
 *
 * @since 0.1.0
 * @category errors
 */
export class TimeoutError extends Data.TaggedError("TimeoutError")<{
  readonly service: string
  readonly endpoint: string
  readonly method: string
  readonly url: string
  readonly timeout: Duration.Duration
}> {
  override get message() {
    return `${where(this)}: ${this.method} ${this.url}: no response after ${Duration.format(this.timeout)}`
  }
}

/**
 * The server answered with a status outside 2xx. Carries the whole response and, when the
 * endpoint declares an error Schema for that status, the decoded error body.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseError<E = unknown> extends Data.TaggedError("ResponseError")<{
  readonly service: string
  readonly endpoint: string
  readonly method: string
  readonly url: string
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
  readonly error: unknown
  readonly attributes: Readonly<Record<string, unknown>>
}> {
  /** The decoded error body (`undefined` when the endpoint declares no error Schema for the status). */
  declare readonly error: E | undefined
  /** The raw body as UTF-8 text. */
  get text(): string {
    return new TextDecoder().decode(this.body)
  }
  override get message() {
    return `${where(this)}: ${this.method} ${this.url} answered ${this.status}: ${excerpt(this.body, 200)}`
  }
}

/**
 * The response body could not be parsed, or failed the success Schema.
 *
 * @since 0.1.0
 * @category errors
 */
export class ParseError extends Data.TaggedError("ParseError")<{
  readonly service: string
  readonly endpoint: string
  readonly method: string
  readonly url: string
  readonly status: number
  readonly reason: string
  /** The first bytes of the body as text, at most {@link excerptLength} characters. */
  readonly excerpt: string
  readonly cause?: unknown
}> {
  override get message() {
    return `${where(this)}: ${this.method} ${this.url} (${this.status}): ${this.reason}; body: ${
      JSON.stringify(this.excerpt)
    }`
  }
}

/**
 * Too many calls already wait for the Pool or the RateLimit (`hardLimit`).
 *
 * @since 0.1.0
 * @category errors
 */
export class TooManyRequestsPending extends Data.TaggedError("TooManyRequestsPending")<{
  readonly service: string
  readonly endpoint: string
  readonly limiter: "pool" | "rateLimit"
  readonly pending: number
}> {
  override get message() {
    return `${where(this)}: ${this.pending} calls already wait for the ${this.limiter}`
  }
}

/**
 * A call waited for the Pool or the RateLimit longer than its `timeout`, or gave up early
 * because the wait still `expected` (an adaptive RateLimit's pause) exceeds what is left
 * of its time budget.
 *
 * @since 0.1.0
 * @category errors
 */
export class TooMuchTimePending extends Data.TaggedError("TooMuchTimePending")<{
  readonly service: string
  readonly endpoint: string
  readonly limiter: "pool" | "rateLimit"
  readonly pending: number
  readonly waited: Duration.Duration
  /** The wait still ahead when the call gave up early (fail fast), if it did. */
  readonly expected?: Duration.Duration | undefined
}> {
  override get message() {
    const waited = `waited ${Duration.format(this.waited)} for the ${this.limiter} (${this.pending} pending)`
    return this.expected === undefined
      ? `${where(this)}: ${waited}`
      : `${where(this)}: ${waited}, and ${Duration.format(this.expected)} more expected exceeds the time left`
  }
}

/**
 * The shared store behind a Pool or a RateLimit (Redis) did not answer within its command
 * timeout, or answered with an error, so the call could not get a permit. Raised only
 * when the store fails closed (the default); a store that fails open lets the call through.
 *
 * @since 0.1.0
 * @category errors
 */
export class LimiterUnavailable extends Data.TaggedError("LimiterUnavailable")<{
  readonly service: string
  readonly endpoint: string
  readonly limiter: "pool" | "rateLimit"
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message() {
    return `${where(this)}: the ${this.limiter}'s store is unavailable: ${this.reason}`
  }
}

/**
 * The client's scope has closed.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientClosed extends Data.TaggedError("ClientClosed")<{
  readonly service: string
  readonly endpoint: string
}> {
  override get message() {
    return `${where(this)}: the client is closed`
  }
}

/**
 * The mock transport has nothing to answer the call with.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoMock extends Data.TaggedError("NoMock")<{
  readonly service: string
  readonly endpoint: string
  readonly reason?: string | undefined
}> {
  override get message() {
    return `${where(this)}: no mock answers this call${this.reason === undefined ? "" : ` (${this.reason})`}`
  }
}

/**
 * A user plugin failed for its own reason.
 *
 * @since 0.1.0
 * @category errors
 */
export class PluginError extends Data.TaggedError("PluginError")<{
  readonly service: string
  readonly endpoint: string
  readonly plugin: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message() {
    return `${where(this)}: plugin ${this.plugin}: ${this.reason}`
  }
}

/**
 * Every error a call can fail with; `E` is the endpoint's decoded error body.
 *
 * @since 0.1.0
 * @category errors
 */
export type CallError<E = unknown> =
  | InputError
  | RequestError
  | TimeoutError
  | ResponseError<E>
  | ParseError
  | TooManyRequestsPending
  | TooMuchTimePending
  | LimiterUnavailable
  | ClientClosed
  | NoMock
  | PluginError

const callErrorTags: ReadonlySet<string> = new Set([
  "InputError",
  "RequestError",
  "TimeoutError",
  "ResponseError",
  "ParseError",
  "TooManyRequestsPending",
  "TooMuchTimePending",
  "LimiterUnavailable",
  "ClientClosed",
  "NoMock",
  "PluginError"
])

/**
 * @since 0.1.0
 * @category guards
 */
export const isCallError = (u: unknown): u is CallError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && callErrorTags.has(u._tag)

/**
 * How many characters of a body an error keeps.
 *
 * @since 0.1.0
 */
export const excerptLength = 1024

/**
 * The first `max` characters of a body as text.
 *
 * @since 0.1.0
 */
export const excerpt = (body: Uint8Array | string | undefined, max: number = excerptLength): string => {
  if (body === undefined) return ""
  const text = typeof body === "string"
    ? body
    : new TextDecoder().decode(body.length > max * 4 ? body.subarray(0, max * 4) : body)
  return text.length > max ? `${text.slice(0, max)}…` : text
}
