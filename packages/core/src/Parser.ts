/**
 * How a response body becomes data. A `Context.Reference`: JSON unless a layer provides
 * another (form-urlencoded, text, bytes, or your own). An empty body parses to
 * `undefined`.
 *
 * @since 0.1.0
 */
import { Context, Layer } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly name: string
  /**
   * The `Accept` header sent by default (below the endpoint's and the call's headers, which
   * may replace or remove it); any media type when not given.
   */
  readonly accept?: string | undefined
  /** May throw: the call then fails with `ParseError`. Not called for an empty body. */
  readonly parse: (body: Uint8Array, contentType: string | undefined) => unknown
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (service: Service): Service => service

const charsetParam = /;\s*charset\s*=\s*"?([^";\s]+)"?/i
const decoders = new Map<string, TextDecoder>()

/**
 * A body as text, in the charset its content type names (`text/plain; charset=iso-8859-1`),
 * UTF-8 when it names none. Throws for an unknown charset and for bytes that are not
 * valid in it: nothing becomes U+FFFD silently.
 *
 * @since 0.1.0
 */
export const decodeText = (body: Uint8Array, contentType: string | undefined): string => {
  const label = (contentType === undefined ? undefined : charsetParam.exec(contentType)?.[1]?.toLowerCase()) ?? "utf-8"
  let decoder = decoders.get(label)
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(label, { fatal: true, ignoreBOM: false })
    } catch {
      throw new Error(`unknown charset "${label.slice(0, 40)}"`)
    }
    if (decoders.size < 64) decoders.set(label, decoder)
  }
  try {
    return decoder.decode(body)
  } catch {
    throw new Error(`the body is not valid ${decoder.encoding}`)
  }
}

/**
 * What the JSON parser does with an integer beyond `Number.MAX_SAFE_INTEGER` (2^53 - 1),
 * which a JavaScript number cannot hold exactly: `"error"` (the default) fails the call
 * with a `ParseError` naming the integer; `"bigint"` gives a `bigint`, `"string"` its digits.
 *
 * @since 0.1.0
 * @category models
 */
export type BigIntegers = "error" | "bigint" | "string"

const sixteenDigits = /\d{16}/

/** The integer tokens of a JSON text (outside strings) that a number cannot hold exactly. */
const unsafeIntegers = (text: string): Array<{ readonly start: number; readonly end: number }> => {
  const out: Array<{ start: number; end: number }> = []
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22) {
      // a string: skip it, escapes included
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d === 0x5c) i++
        else if (d === 0x22) break
      }
      continue
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i
      let integer = true
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i)
        if (d >= 0x30 && d <= 0x39) continue
        if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) integer = false
        else break
      }
      if (integer && !Number.isSafeInteger(Number(text.slice(start, i)))) out.push({ start, end: i })
      i--
    }
  }
  return out
}

const parseJson = (text: string, bigIntegers: BigIntegers): unknown => {
  if (!sixteenDigits.test(text)) return JSON.parse(text)
  const unsafe = unsafeIntegers(text)
  if (unsafe.length === 0) return JSON.parse(text)
  if (bigIntegers === "error") {
    const first = text.slice(unsafe[0]!.start, unsafe[0]!.end)
    throw new Error(
      `the integer ${first.slice(0, 60)} is beyond 2^53 and would lose precision ` +
        `(Parser.makeJson({ bigIntegers: "bigint" }) or "string" keeps it)`
    )
  }
  // each unsafe integer becomes a marked string, turned back by the reviver
  let n = 0
  while (text.includes(`\\u0000big${n}:`)) n++
  const mark = `\u0000big${n}:`
  let marked = ""
  let from = 0
  for (const { end, start } of unsafe) {
    marked += `${text.slice(from, start)}"\\u0000big${n}:${text.slice(start, end)}"`
    from = end
  }
  marked += text.slice(from)
  return JSON.parse(marked, (_key, value: unknown) => {
    if (typeof value !== "string" || !value.startsWith(mark)) return value
    const digits = value.slice(mark.length)
    return bigIntegers === "bigint" ? BigInt(digits) : digits
  })
}

/**
 * A JSON parser. With `strictContentType` (the default) a body whose content type is
 * given and is not JSON (`text/html`...) fails instead of being parsed. The body is decoded
 * in the charset of its content type (UTF-8 by default; invalid bytes fail the call, see
 * {@link decodeText}). An integer beyond 2^53 fails the call unless `bigIntegers` says
 * to keep it as a `bigint` or a string (see {@link BigIntegers}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeJson = (
  options: { readonly strictContentType?: boolean; readonly bigIntegers?: BigIntegers | undefined } = {}
): Service => {
  const bigIntegers = options.bigIntegers ?? "error"
  return make({
    name: "json",
    accept: "application/json",
    parse: (body, contentType) => {
      if (options.strictContentType !== false && contentType !== undefined && !contentType.includes("json")) {
        throw new Error(`expected a JSON body, got content-type "${contentType}"`)
      }
      return parseJson(decodeText(body, contentType), bigIntegers)
    }
  })
}

/**
 * JSON, refusing bodies whose content type is given and not JSON.
 *
 * @since 0.1.0
 * @category parsers
 */
export const json: Service = makeJson()

/**
 * Text, in the charset of the content type (UTF-8 by default, see {@link decodeText}).
 *
 * @since 0.1.0
 * @category parsers
 */
export const text: Service = make({ name: "text", accept: "text/*, */*;q=0.8", parse: decodeText })

/**
 * The raw bytes.
 *
 * @since 0.1.0
 * @category parsers
 */
export const bytes: Service = make({ name: "bytes", parse: (body) => body })

/**
 * `application/x-www-form-urlencoded` into a record (a repeated key gives an array).
 *
 * @since 0.1.0
 * @category parsers
 */
export const formUrlEncoded: Service = make({
  name: "formUrlEncoded",
  accept: "application/x-www-form-urlencoded, */*;q=0.8",
  parse: (body, contentType) => {
    const out: Record<string, string | Array<string>> = {}
    for (const [key, value] of new URLSearchParams(decodeText(body, contentType))) {
      // own keys only: a key named `constructor` or `__proto__` is a plain key
      const prev = Object.hasOwn(out, key) ? out[key] : undefined
      const next = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
      Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true })
    }
    return out
  }
})

/**
 * The parsers by name, as spec files and configs refer to them.
 *
 * @since 0.1.0
 * @category parsers
 */
export const byName: Readonly<Record<string, Service>> = { json, text, bytes, formUrlEncoded }

/**
 * @since 0.1.0
 * @category tags
 */
export class Parser extends Context.Reference<Parser>()("@service-client/core/Parser", {
  defaultValue: (): Service => json
}) {}

/**
 * Clients built with this layer parse bodies with `service`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (service: Service): Layer.Layer<never> => Layer.succeed(Parser, service)
