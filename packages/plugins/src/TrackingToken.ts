/**
 * Tracking token: a random `A-Z0-9` token per call (or the call's own), with a prefix,
 * put on the session as `attributes.trackingToken` (so on the response and in the logs)
 * and optionally sent as a header.
 *
 * @since 0.1.0
 */
import * as Attribute from "@service-client/core/Attribute"
import { InputError } from "@service-client/core/Errors"
import * as Plugin from "@service-client/core/Plugin"
import type { Session } from "@service-client/core/Session"
import * as Setting from "@service-client/core/Setting"
import { Context, DefaultServices, Effect, Random, Schema } from "effect"
import { checkHeader, invalid, wholeNumber } from "./internal/options.js"

/**
 * The call's tracking token: on the session for other plugins (Tracing, loggers), and on
 * the response.
 *
 * @since 0.1.0
 * @category attributes
 */
export const trackingToken: Attribute.Attribute<string> = Attribute.make<string>("trackingToken")

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Put before every token; default `""`. */
  readonly prefix?: string | undefined
  /** The length of a random token (without the prefix); default 10. */
  readonly length?: number | undefined
  /** When set, the token is also sent in this header (unless the call or the endpoint sets it). */
  readonly header?: string | undefined
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const alphabetCodes = Array.from(alphabet, (c) => c.charCodeAt(0))
const half = alphabet.length ** 5
/** Every two characters of the alphabet: a live token is drawn two characters at a time. */
const pairs = Array.from(alphabet, (a) => Array.from(alphabet, (b) => a + b)).flat()

/** The Random a call has unless a layer or `Effect.withRandom` gives it another (seeded from `Math.random`). */
const liveRandom = Context.get(DefaultServices.liveServices, Random.Random)

const inputError = (session: Session, key: string, reason: string) =>
  Effect.fail(new InputError({ service: session.service, endpoint: session.endpoint, key, reason }))

/**
 * A token goes into log records and may go into a header: it must be a header value (tab,
 * visible ASCII, space, Latin-1; no CR, LF, NUL or other control character) of at most
 * {@link maxLength} characters, whether or not it is sent.
 */
// eslint-disable-next-line no-control-regex
const badValue = /[^\t\u0020-\u007e\u00a0-\u00ff]/

/**
 * The longest token (prefix included) a call may give.
 *
 * @since 0.1.0
 */
export const maxLength = 256

const checkToken = (value: string): string | undefined =>
  badValue.test(value)
    ? "may not contain CR, LF, NUL, another control character or a character above U+00FF (it is a header value)"
    : value.length > maxLength
    ? `may not be longer than ${maxLength} characters`
    : undefined

/** A token or prefix a call may give: a header value of at most {@link maxLength} characters. */
const tokenSchema = Schema.String.annotations({ message: () => "expected a string" }).pipe(
  Schema.filter((value) => checkToken(value) ?? true)
)

/**
 * The call's `trackingToken`: replaces the random token (the plugin's or the call's prefix
 * stays before it). A call-input key only (an endpoint cannot set it); a client without
 * the plugin refuses it with an `InputError` naming the plugin to add.
 *
 * @since 0.1.0
 * @category settings
 */
export const tokenSetting: Setting.Setting<string> = Setting.make("trackingToken", tokenSchema, {
  endpoint: false,
  call: true
})

/**
 * The call's `trackingTokenPrefix`: replaces the plugin's `prefix` for this call. A
 * call-input key only, like {@link tokenSetting}.
 *
 * @since 0.1.0
 * @category settings
 */
export const prefixSetting: Setting.Setting<string> = Setting.make("trackingTokenPrefix", tokenSchema, {
  endpoint: false,
  call: true
})

declare module "@service-client/core/Endpoint" {
  interface CommonInput {
    /** TrackingToken: this call's token (after the prefix) instead of a random one. */
    readonly trackingToken?: string | undefined
    /** TrackingToken: this call's prefix instead of the plugin's. */
    readonly trackingTokenPrefix?: string | undefined
  }
}

/**
 * The call's input `trackingToken` replaces the random token and `trackingTokenPrefix`
 * replaces the plugin's prefix; the token is `prefix + token`. The random part comes from
 * Effect's `Random` service (seedable in tests). A `trackingToken` or `trackingTokenPrefix`
 * that is not a string, holds a character a header value cannot (CR, LF, NUL, another
 * control character, above U+00FF) or is longer than {@link maxLength} fails with
 * `InputError` before any I/O, whether or not the token is sent as a header: it goes into
 * every log record. Throws a `SpecError` for bad options (the same rules for `prefix`).
 *
 * **Example**
 *
 * ```ts
 * TrackingToken.make({ prefix: "web-", length: 12, header: "X-Tracking-Token" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Plugin.Plugin => {
  const prefix = options?.prefix ?? ""
  if (typeof prefix !== "string") invalid("TrackingToken", "prefix", "expected a string")
  const prefixReason = checkToken(prefix)
  if (prefixReason !== undefined) invalid("TrackingToken", "prefix", prefixReason)
  const length = wholeNumber("TrackingToken", "length", options?.length, 1, 10)
  const header = options?.header === undefined ? undefined : options.header.toLowerCase()
  if (header !== undefined) {
    const reason = checkHeader(header, "")
    if (reason !== undefined) invalid("TrackingToken", "header", reason)
  }
  // one Random draw for up to ten characters (36^10 < 2^53): one Effect step per token. Effect's
  // integer draw maps 2^53 values onto 36^10 by a modulo, so some tokens are up to 1.5 times as
  // likely as others: no matter for telling calls apart (this is no secret)
  // the characters' codes of one chunk, reused (a draw is synchronous): one string allocated per chunk
  const codes: Array<number> = []
  const digits = (value: number, from: number, to: number) => {
    // value < 36^5 < 2^31: small-integer arithmetic
    for (let i = from; i < to; i++) {
      codes[i] = alphabetCodes[value % 36]!
      value = (value / 36) | 0
    }
  }
  // the n base-36 digits of value (< 36^n, n <= 10), lowest first: in two halves of five
  // digits, so no floating-point division or modulo per digit
  const chars = (value: number, n: number) => {
    codes.length = n
    const high = Math.floor(value / half)
    digits(value - high * half, 0, Math.min(n, 5))
    if (n > 5) digits(high, 5, n)
    return String.fromCharCode.apply(null, codes)
  }
  const draw = (r: Random.Random, token: string, left: number): Effect.Effect<string> => {
    const n = Math.min(left, 10)
    return Effect.flatMap(r.nextIntBetween(0, alphabet.length ** n), (value) => {
      const next = token + chars(value, n)
      return left === n ? Effect.succeed(next) : draw(r, next, left - n)
    })
  }
  const space = alphabet.length ** Math.min(length, 10)
  const set = (session: Session, token: string) => {
    trackingToken.set(session, token)
    if (header !== undefined && !Object.hasOwn(session.headers, header)) session.headers[header] = token
  }
  return Plugin.make("TrackingToken", {
    prepareSession: (session) => {
      // decoded (and checked) by the core before any hook, as the plugin's call-input settings
      const given = tokenSetting.fromCall(session)
      const first = prefixSetting.fromCall(session) ?? prefix
      if (given !== undefined) {
        const token = first + given
        if (token.length > maxLength) {
          return inputError(session, "trackingToken", `prefix and token may not be longer than ${maxLength} characters`)
        }
        set(session, token)
        return Effect.void
      }
      // Effect's live Random (nobody set another): drawn from the same source without an Effect step
      // (two characters per draw, from the table of pairs: no character codes to assemble)
      if (session.random === liveRandom) {
        let token = first
        let left = length
        for (; left > 1; left -= 2) token += pairs[(Math.random() * pairs.length) | 0]!
        if (left === 1) token += alphabet[(Math.random() * alphabet.length) | 0]!
        set(session, token)
        return Effect.void
      }
      // another Random (seeded in tests), read from the session: one step fewer than Effect.randomWith
      if (length > 10) return Effect.map(draw(session.random, "", length), (token) => set(session, first + token))
      return Effect.map(session.random.nextIntBetween(0, space), (value) => set(session, first + chars(value, length)))
    }
  }, { settings: [tokenSetting, prefixSetting] })
}
