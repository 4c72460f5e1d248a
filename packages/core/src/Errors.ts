/**
 * The typed errors of a service call. Every error names the service and the endpoint,
 * and the ones raised around I/O name the request (`METHOD url`) too.
 *
 * @since 0.1.0
 */
import { Cause, Data, Duration, type Either, type ParseResult, Predicate } from "effect"
import type { YieldableError } from "effect/Cause"
import { NodeInspectSymbol } from "effect/Inspectable"
import * as Issue from "./internal/issue.js"
import * as Redact from "./Redact.js"
import * as Render from "./Render.js"

/** Where a `ResponseError` keeps the client's redaction (not an enumerable field). */
const redactionKey: unique symbol = Symbol.for("@service-client/core/Errors/redaction")

const where = (e: { readonly service: string; readonly endpoint: string }) => `${e.service}.${e.endpoint}`

/**
 * The longest message an error shows (a longer one is cut, and the cut marked).
 *
 * @since 0.2.0
 * @category constants
 */
export const maxMessageLength = 4096

/** A message is one line of bounded text, whatever the values it quotes. */
const line = (s: string): string => {
  const shown = Render.text(s, maxMessageLength)
  // a cut's mark (`…<CUT 10000000 chars>`) fits in the limit too
  return shown.length <= maxMessageLength ? shown : Render.text(s, maxMessageLength - 40)
}

/** The message of a cause, without throwing. */
const causeMessage = (cause: unknown): string => {
  try {
    return cause instanceof Error ? String(cause.message) : Render.value(cause, { maxLength: 1024 })
  } catch {
    return "[Threw]"
  }
}

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
    // a reason quotes the value it refuses, which may be secret-looking (`password=…`)
    const reason = Redact.text(this.reason)
    return at.length === 0 ? reason : `${at.join(", ")}: ${reason}`
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
    const key = this.key === undefined ? "" : ` "${Render.text(Redact.text(this.key), 200)}"`
    // a reason quotes the value it refuses, which may be secret-looking (`password=…`)
    return `${where(this)}: invalid input${key}: ${Redact.text(this.reason)}`
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
    const detail = this.description ?? causeMessage(this.cause)
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
  /**
   * The decoded error body (`undefined` when the endpoint declares no error Schema for the status).
   *
   * @since 0.2.0
   */
  declare readonly error: E | undefined
  /** The raw body as UTF-8 text. */
  get text(): string {
    return new TextDecoder().decode(this.body)
  }
  /**
   * Quotes at most 200 characters of the body, with the values of secret-looking fields
   * (`"access_token": …`, `password=…`: `Redact.text` with the client's redaction)
   * replaced by `<REDACTED>`; the whole body stays in `body` and `text`.
   */
  override get message() {
    const redaction = (this as { [redactionKey]?: Redact.Redaction })[redactionKey] ?? Redact.defaults
    const shown = Render.escape(excerpt(Redact.text(excerpt(this.body, 2048), redaction), 200))
    return `${where(this)}: ${this.method} ${this.url} answered ${this.status}${shown === "" ? "" : `: ${shown}`}`
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
 * A plugin failed for a reason of its own (Auth's token source failed...): a ready-made
 * error for plugins that need no class of their own. It is not in `CoreError`: a plugin
 * that raises it says so in its type (`Plugin.Plugin<PluginError>`).
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

declare const ByStatusTypeId: unique symbol

/**
 * The decoded error bodies of an endpoint with one error Schema per status (`error: { 404:
 * NotFound, 409: Conflict }`), by status: a type only.
 *
 * @since 0.1.0
 * @category type-level
 */
export interface ByStatus<M> {
  readonly [ByStatusTypeId]: M
}

type Digit = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9

/**
 * The statuses a `ResponseError` can have (every non-2xx status from 100 to 599).
 *
 * @since 0.1.0
 * @category type-level
 */
export type ErrorStatus = `${1 | 3 | 4 | 5}${Digit}${Digit}` extends infer S ?
  S extends `${infer N extends number}` ? N : never
  : never

/**
 * The `ResponseError` of an endpoint whose decoded error body is `B`: for one Schema per
 * status, a union discriminated by `status`, so that `e.status === 404` narrows `e.error`
 * to that status's body (a body that fails its status's Schema is a `ParseError`); any
 * other status has no decoded body.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ResponseErrors<B> = [B] extends [ByStatus<infer M>] ?
    | { [K in keyof M & number]: ResponseError<M[K]> & { readonly status: K; readonly error: M[K] } }[keyof M & number]
    | (ResponseError<never> & { readonly status: OtherStatus<M>; readonly error: undefined })
  : ResponseError<B>

// deferred while `M` is generic: `Exclude` over the 400 statuses would otherwise make one
// conditional type per status each time the type is instantiated with a type parameter
type OtherStatus<M> = keyof M extends infer K ? Exclude<ErrorStatus, K> : never

/**
 * The errors the core raises other than a response's (`ResponseErrors`): a client's
 * methods name `CoreErrorBase | ResponseErrors<B>` rather than `CoreError<B>`, the same
 * union, so that relating two of them compares union members instead of having the
 * compiler first measure `CoreError`'s variance with marker types (a conditional type
 * compared against every error class: the most expensive step of an `Effect.Tag` over a
 * client).
 *
 * @since 0.3.0
 * @category errors
 */
export type CoreErrorBase = InputError | RequestError | TimeoutError | ParseError | ClientClosed | NoMock

/**
 * The errors the core itself raises, whatever the client's plugins: `B` is the
 * endpoint's decoded error body. A client's error channel is these plus its plugins' own
 * errors (`Plugin.ErrorOf`); `NoMock` is here because the transport is swapped by a Layer
 * without changing the client's type.
 *
 * @since 0.1.0
 * @category errors
 */
export type CoreError<B = unknown> = CoreErrorBase | ResponseErrors<B>

/**
 * The tag of an error of a plugin the code at hand does not know, as a type: no literal
 * tag matches it, so checking `error._tag === "ResponseError"` on a `CallError` still
 * narrows to `ResponseError` (at run time the tag is the plugin error's own).
 *
 * @since 0.1.0
 * @category errors
 */
export type AnyPluginTag = `~plugin ${string}`

/**
 * An error of some other plugin, as code that does not know that plugin sees it (a hook's
 * `onException`, the send an `aroundSend` hook wraps, a client built from a config): a
 * tagged error with a message. Only a type, which no real error has: test for a plugin's
 * error with `instanceof` or `Predicate.isTagged`. Being apart from every real error lets
 * `Plugin.make` tell a plugin's own errors from the ones it passes on.
 *
 * @since 0.1.0
 * @category errors
 */
export interface AnyPluginError extends YieldableError {
  readonly _tag: AnyPluginTag
}

/**
 * Any error a call can fail with, seen from a hook: the core's, or another plugin's.
 * A client's methods have the precise union instead (`CoreError | Plugin.ErrorOf<P>`).
 *
 * @since 0.1.0
 * @category errors
 */
export type CallError<B = unknown> = CoreError<B> | AnyPluginError

const coreErrorTags: ReadonlySet<string> = new Set([
  "InputError",
  "RequestError",
  "TimeoutError",
  "ResponseError",
  "ParseError",
  "ClientClosed",
  "NoMock"
])

/**
 * Whether `u` is one of the core's own errors.
 *
 * @since 0.1.0
 * @category guards
 */
export const isCoreError = (u: unknown): u is CoreError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && coreErrorTags.has(u._tag)

/**
 * Whether `u` is an error a call can fail with: a core error or a plugin's tagged error.
 *
 * @since 0.1.0
 * @category guards
 */
export const isCallError = (u: unknown): u is CallError =>
  u instanceof Error && Predicate.hasProperty(u, "_tag") && typeof u._tag === "string"

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

/**
 * Marks a `ResponseError` with the redaction of its client, which its `toJSON` and
 * `util.inspect` apply to its headers (the defaults otherwise).
 *
 * @since 0.1.0
 */
export const withRedaction = <E extends ResponseError<unknown>>(error: E, redaction: Redact.Redaction): E => {
  Object.defineProperty(error, redactionKey, { value: redaction })
  return error
}

/** The message of an error, shown safely: a message that is an own field is made safe here. */
const messageOf = (error: Error): string => {
  try {
    const message = error.message
    return Object.hasOwn(error, "message") ? line(String(message)) : String(message)
  } catch {
    return "[Threw]"
  }
}

/** A field's value as `toJSON` and `util.inspect` show it. */
const showField = (key: string, value: unknown, redaction: Redact.Redaction): unknown => {
  if (key === "cause" || Cause.isCause(value)) {
    if (Cause.isCause(value)) return line(Cause.pretty(value).split("\n")[0] ?? "")
    return value instanceof Error ? Render.text(`${value.name}: ${messageOf(value)}`, 1024) : Render.value(value)
  }
  if (key === "headers" && typeof value === "object" && value !== null) {
    const shown: Record<string, string> = {}
    for (const [name, v] of Object.entries(Redact.headers(value as Record<string, string>, redaction))) {
      Object.defineProperty(shown, Render.text(name, 200), { value: line(String(v)), enumerable: true, writable: true })
    }
    return shown
  }
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  // a decoded error body, an excerpt: the server's words, which may echo a secret
  if (typeof value === "string") return line(Redact.text(value, redaction))
  if (Duration.isDuration(value)) return Duration.format(value)
  if (typeof value === "object" && value !== null) {
    return Render.value(value, { redact: redaction })
  }
  if (typeof value === "bigint" || typeof value === "symbol" || typeof value === "function") return Render.value(value)
  return value
}

/**
 * What an error shows of itself to `JSON.stringify` and `util.inspect`: its tag, its
 * (escaped, bounded) message and its fields, with the secret headers of a response
 * redacted, a body as its size, a cause as its message and any other object rendered
 * bounded (never the raw values a cause or a response may hold).
 */
function safeJson(this: Error & { readonly _tag: string }): Record<string, unknown> {
  const out: Record<string, unknown> = { _tag: Render.text(String(this._tag), 200), message: messageOf(this) }
  const redaction = (this as unknown as { [redactionKey]?: Redact.Redaction })[redactionKey] ?? Redact.defaults
  for (const key of Object.keys(this)) {
    if (key === "_tag" || key === "message" || key === "stack") continue
    const value = (this as unknown as Record<string, unknown>)[key]
    if (value === undefined) continue
    const shown = showField(key, value, redaction)
    if (key === "__proto__") Object.defineProperty(out, key, { value: shown, enumerable: true, writable: true })
    else out[key] = shown
  }
  return out
}

function safeInspect(this: Error & { readonly _tag: string }): unknown {
  const frames = typeof this.stack === "string" ? this.stack.split("\n").slice(1).join("\n") : ""
  const fields = safeJson.call(this)
  return Object.assign(
    Object.create({ [Symbol.toStringTag]: fields._tag }),
    fields,
    frames === "" ? {} : { stack: frames }
  )
}

/**
 * An error class {@link safeDisplay} accepts: any class of tagged errors.
 *
 * @since 0.2.0
 * @category models
 */
export type ErrorClass = abstract new(...args: any) => Error & { readonly _tag: string }

const safeKey: unique symbol = Symbol.for("@service-client/core/Errors/safeDisplay")

/**
 * Gives error classes the display rules of the core's own errors, whatever their fields
 * hold: the `message` getter of the class is wrapped so that the message (and so
 * `String(e)` and `Cause.pretty`) is one escaped line of at most {@link maxMessageLength}
 * characters; `toJSON` and `util.inspect` show the tag, that message and the fields —
 * strings escaped and bounded, bytes as their size, a cause (an error or a `Cause`) as
 * its message, `headers` with their secret values redacted, any other object rendered
 * bounded (`Render.value`). Call it once, after the class is defined (the plugins', the
 * mock's, redis' and the command line's errors use it). A class given twice is left as it is.
 *
 * **Example**
 *
 * ```ts
 * import { Errors } from "@service-client/core"
 * import { Data } from "effect"
 *
 * export class QuotaExceeded extends Data.TaggedError("QuotaExceeded")<{ readonly service: string }> {
 *   override get message() {
 *     return `${this.service}: quota exceeded`
 *   }
 * }
 * Errors.safeDisplay(QuotaExceeded)
 * ```
 *
 * @since 0.2.0
 * @category combinators
 */
export const safeDisplay = (...classes: ReadonlyArray<ErrorClass>): void => {
  for (const ErrorClass of classes) {
    const proto = ErrorClass.prototype as Record<PropertyKey, unknown>
    if (Object.hasOwn(proto, safeKey)) continue
    Object.defineProperty(proto, safeKey, { value: true })
    const own = Object.getOwnPropertyDescriptor(proto, "message")
    if (own?.get !== undefined) {
      const get = own.get
      Object.defineProperty(proto, "message", {
        get(this: Error) {
          let message: string
          try {
            message = String(get.call(this))
          } catch {
            message = "[Threw]"
          }
          return line(message)
        },
        configurable: true,
        enumerable: false
      })
    }
    Object.defineProperty(proto, "toJSON", { value: safeJson, writable: true, configurable: true })
    Object.defineProperty(proto, NodeInspectSymbol, { value: safeInspect, writable: true, configurable: true })
  }
}

safeDisplay(
  SpecError,
  InputError,
  RequestError,
  TimeoutError,
  ResponseError,
  ParseError,
  ClientClosed,
  NoMock,
  PluginError
)

/**
 * The message of a Schema failure on `given` that quotes no secret field: when `given`
 * has secret fields (`Redact.fields`), the issue told is the one of `decode` run again on
 * a copy with them redacted, or only the failing paths when that copy passes. For
 * packages and plugins that check values with their own Schemas and print the issue.
 *
 * @since 0.2.0
 * @category redaction
 */
export const schemaIssue = (
  decode: (u: unknown) => Either.Either<unknown, ParseResult.ParseError>,
  given: unknown,
  issue: ParseResult.ParseError,
  redaction: Redact.Redaction = Redact.defaults
): string => Issue.redacted(decode, given, issue, redaction).message
