/**
 * Safe rendering of hostile values for log records and error messages: every function
 * here is bounded (it stops walking a value once its output is long enough, and never
 * goes deeper than a fixed depth), never throws (cycles, getters or `toJSON` methods that
 * throw, revoked Proxies, BigInt, Symbols...), and escapes every character that could end
 * a log line or disguise one (C0 and C1 controls, DEL, U+2028/U+2029, the bidirectional
 * controls, lone surrogates),
 * so that one record is one line. A clean string is returned as it is, without copying.
 *
 * @since 0.1.0
 */

import * as Redact from "./Redact.js"

// eslint-disable-next-line no-control-regex
const controlOrSeparator = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/

const isWellFormed: (s: string) => boolean = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed ===
    "function"
  ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
  : (s) => {
    try {
      encodeURIComponent(s)
      return true
    } catch {
      return false
    }
  }

/**
 * Whether `s` holds a character that {@link escape} rewrites: one native scan for
 * controls and separators, one for lone surrogates; no allocation.
 *
 * @since 0.1.0
 * @category guards
 */
export const needsEscape = (s: string): boolean => controlOrSeparator.test(s) || !isWellFormed(s)

/** U+2028/2029 (line and paragraph separators) and the bidirectional controls, which reorder what a reader sees. */
const isSeparatorOrBidi = (c: number): boolean =>
  c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)

const hex4 = (c: number) => `\\u${c.toString(16).padStart(4, "0")}`

const escapeSlow = (s: string): string => {
  let out = ""
  let from = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let replacement: string | undefined
    if (c < 0x20) replacement = c === 0x0a ? "\\n" : c === 0x0d ? "\\r" : c === 0x09 ? "\\t" : hex4(c)
    else if (c < 0x7f) continue
    else if (c <= 0x9f || isSeparatorOrBidi(c)) replacement = hex4(c)
    else if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff) {
        const next = s.charCodeAt(i + 1)
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++
          continue
        }
      }
      replacement = hex4(c)
    } else continue
    out += s.slice(from, i) + replacement
    from = i + 1
  }
  return out + s.slice(from)
}

/**
 * The string with every control character (C0, DEL, C1), line or paragraph separator
 * (U+2028, U+2029), bidirectional control (U+061C, U+200E/U+200F, U+202A-U+202E,
 * U+2066-U+2069: they reorder what a reader sees) and lone surrogate written as an escape (`\n`, `\r`, `\t`, `\u001b`,
 * `\ud800`...): the result is one line of well-formed text. Backslashes are kept as they
 * are. A string with nothing to escape is returned as it is.
 *
 * @since 0.1.0
 */
export const escape = (s: string): string => needsEscape(s) ? escapeSlow(s) : s

/**
 * How far {@link value} goes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Characters of output before it is cut (the cut is marked). Default 1024; `Infinity`: never cut. */
  readonly maxLength?: number | undefined
  /** Levels of nesting rendered; deeper objects and arrays print `{…}` / `[…]`. Default 32. */
  readonly maxDepth?: number | undefined
  /**
   * The value under a secret key (`Redact.isSecretField` of this redaction), unless `null`
   * or `undefined`, is written `"<REDACTED>"` (as `Redact.fields` would make it), in the
   * same bounded walk.
   *
   * @since 0.2.0
   */
  readonly redact?: Redact.Redaction | undefined
}

/**
 * The mark of a cut: what was left out, when it is known.
 *
 * @since 0.1.0
 */
export const cutMark = (total: number | undefined, unit: "chars" | "bytes"): string =>
  total === undefined ? "…<CUT>" : `…<CUT ${total} ${unit}>`

/**
 * How much of a URL a log record or a span attribute shows (a call's URL can be as long as
 * its query): the rest is cut with {@link cutMark}.
 *
 * @since 0.2.0
 */
export const maxUrlLength = 4096

/** Cuts before `max` without splitting a surrogate pair. */
const cutAt = (text: string, max: number): string => {
  let end = max
  const code = text.charCodeAt(end - 1)
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end--
  return text.slice(0, end)
}

const decoder = new TextDecoder()

/**
 * Text for display, escaped, in at most `max` characters (escapes included) plus the cut's
 * mark (`…<CUT 5002 bytes>`). Bytes are decoded as UTF-8 (invalid sequences as U+FFFD); only the bytes that
 * can show are decoded. With a `redaction`, the secret-looking fields of what shows are
 * redacted (`Redact.text`; a value cut short is redacted to its end).
 *
 * @since 0.1.0
 */
export const text = (value: string | Uint8Array, max: number = 1024, redaction?: Redact.Redaction): string => {
  if (typeof value === "string") return shown(value, value.length, "chars", max, redaction)
  const bounded = max === Infinity || value.length <= max * 4 ? value : value.subarray(0, max * 4)
  return shown(decoder.decode(bounded), value.length, "bytes", max, redaction)
}

/** `text` escaped in at most `max` characters (an escape is longer than its character), and the cut's mark. */
const shown = (
  text: string,
  total: number,
  unit: "chars" | "bytes",
  max: number,
  redaction: Redact.Redaction | undefined
): string => {
  const cut = text.length > max ? cutAt(text, max) : text
  const escaped = escape(redaction === undefined ? cut : Redact.text(cut, redaction))
  if (escaped.length <= max) return cut === text ? escaped : escaped + cutMark(total, unit)
  // not in the middle of an escape (`\n`, `\u001b`)
  return cutAt(escaped, max).replace(/\\(?:u[0-9a-f]{0,3})?$/, "") + cutMark(total, unit)
}

const CIRCULAR = "\"[Circular]\""
const THREW = "\"[Threw]\""

class Writer {
  out = ""
  readonly ancestors: Array<object> = []
  constructor(
    readonly budget: number,
    readonly maxDepth: number,
    readonly redact: Redact.Redaction | undefined
  ) {}
  get full(): boolean {
    return this.out.length > this.budget
  }
}

const safeString = (u: unknown): string => {
  try {
    return String(u)
  } catch {
    return "[Unrenderable]"
  }
}

const describeFunction = (f: Function): string => {
  let name = ""
  try {
    name = typeof f.name === "string" ? f.name : ""
  } catch {
    // a Proxy's get trap may throw
  }
  return name.length === 0 ? "[Function]" : `[Function ${name}]`
}

// eslint-disable-next-line no-control-regex
const jsonEscaped = /["\\\u0000-\u001f]/

/** `JSON.stringify(s)`: a string with nothing it escapes (quote, backslash, C0 control, lone surrogate) is only quoted. */
const jsonString = (s: string): string => jsonEscaped.test(s) || !isWellFormed(s) ? JSON.stringify(s) : `"${s}"`

const quote = (w: Writer, s: string) => {
  // never quote more than what can show
  const room = w.budget - w.out.length + 2
  w.out += jsonString(s.length > room ? cutAt(s, Math.max(room, 0)) : s)
}

/** Writes a primitive or a marker; answers `false` when `u` is an object to walk. */
const writeLeaf = (w: Writer, u: unknown, inArray: boolean): boolean | "skip" => {
  switch (typeof u) {
    case "string":
      quote(w, u)
      return true
    case "number":
      w.out += String(u)
      return true
    case "boolean":
      w.out += u ? "true" : "false"
      return true
    case "bigint":
      // the digits, as a lossless JSON writer sends them
      w.out += String(u)
      return true
    case "undefined":
      if (inArray) w.out += "null"
      return inArray ? true : "skip"
    case "symbol":
      if (!inArray) return "skip"
      w.out += JSON.stringify(safeString(u))
      return true
    case "function":
      if (!inArray) return "skip"
      w.out += JSON.stringify(describeFunction(u))
      return true
  }
  if (u === null) {
    w.out += "null"
    return true
  }
  return false
}

const isBytes = (u: object): u is ArrayBufferView => ArrayBuffer.isView(u)

const walk = (w: Writer, u: unknown, depth: number, inArray: boolean): "skip" | void => {
  const leaf = writeLeaf(w, u, inArray)
  if (leaf === "skip") return "skip"
  if (leaf) return
  const o = u as object
  if (w.ancestors.includes(o)) {
    w.out += CIRCULAR
    return
  }
  const start = w.out.length
  try {
    if (isBytes(o)) {
      w.out += `"<${o.byteLength} bytes>"`
      return
    }
    if (o instanceof ArrayBuffer) {
      w.out += `"<${o.byteLength} bytes>"`
      return
    }
    const toJSON = (o as { toJSON?: unknown }).toJSON
    if (typeof toJSON === "function") {
      if (depth >= w.maxDepth) {
        w.out += "{…}"
        return
      }
      w.ancestors.push(o)
      try {
        return walk(w, toJSON.call(o), depth + 1, inArray)
      } finally {
        w.ancestors.pop()
      }
    }
    if (o instanceof Error) {
      quote(w, `${safeString(o.name)}: ${safeString(o.message)}`)
      return
    }
    const array = Array.isArray(o)
    if (depth >= w.maxDepth) {
      w.out += array ? "[…]" : "{…}"
      return
    }
    w.ancestors.push(o)
    try {
      if (array) writeArray(w, o as ArrayLike<unknown>, depth)
      else if (o instanceof Map) writeEntries(w, o.entries(), depth, true)
      else if (o instanceof Set) writeArray(w, Array.from(limitIterable(o.values(), w)), depth)
      else writeObject(w, o, depth)
    } finally {
      w.ancestors.pop()
    }
  } catch {
    // a Proxy trap, a getter or a toJSON that threw: mark the whole value
    w.out = w.out.slice(0, start) + THREW
  }
}

function* limitIterable<A>(it: Iterator<A>, w: Writer): Generator<A> {
  let next = it.next()
  while (!next.done && !w.full) {
    yield next.value
    next = it.next()
  }
}

const writeArray = (w: Writer, a: ArrayLike<unknown>, depth: number) => {
  w.out += "["
  const n = a.length
  for (let i = 0; i < n; i++) {
    if (w.full) return
    if (i > 0) w.out += ","
    let item: unknown
    try {
      item = a[i]
    } catch {
      w.out += THREW
      continue
    }
    walk(w, item, depth + 1, true)
  }
  w.out += "]"
}

const writeEntries = (w: Writer, entries: Iterator<[unknown, unknown]>, depth: number, stringKeys: boolean) => {
  w.out += "{"
  let first = true
  for (const [key, value] of limitIterable(entries, w)) {
    const mark = w.out.length
    if (!first) w.out += ","
    const name = stringKeys && typeof key !== "string" ? safeString(key) : key as string
    quote(w, name)
    w.out += ":"
    if (isRedacted(w, name, value)) {
      w.out += REDACTED_JSON
      first = false
    } else if (walk(w, value, depth + 1, false) === "skip") w.out = w.out.slice(0, mark)
    else first = false
  }
  if (!w.full) w.out += "}"
}

/** `"key":` and `,"key":` of short keys that need no escape (at most 1024 kept): one string per key written, not five. */
const keyTexts = new Map<string, readonly [first: string, next: string]>()

const keyText = (key: string): readonly [string, string] | undefined => {
  let texts = keyTexts.get(key)
  if (texts === undefined) {
    if (key.length > 64 || keyTexts.size >= 1024 || jsonEscaped.test(key) || !isWellFormed(key)) return undefined
    texts = [`"${key}":`, `,"${key}":`]
    keyTexts.set(key, texts)
  }
  return texts
}

const writeObject = (w: Writer, o: object, depth: number) => {
  w.out += "{"
  let first = true
  for (const key in o) {
    if (w.full) return
    if (!Object.prototype.hasOwnProperty.call(o, key)) continue
    const mark = w.out.length
    const texts = keyText(key)
    // what the lines below write, when the whole key fits in what can show
    if (texts !== undefined && key.length <= w.budget - mark + (first ? 2 : 1)) w.out += first ? texts[0] : texts[1]
    else {
      if (!first) w.out += ","
      quote(w, key)
      w.out += ":"
    }
    let value: unknown
    try {
      value = (o as Record<string, unknown>)[key]
    } catch {
      w.out += THREW
      first = false
      continue
    }
    if (isRedacted(w, key, value)) {
      w.out += REDACTED_JSON
      first = false
    } else if (walk(w, value, depth + 1, false) === "skip") w.out = w.out.slice(0, mark)
    else first = false
  }
  w.out += "}"
}

const REDACTED_JSON = JSON.stringify(Redact.REDACTED)

/** Whether the value under `key` is written redacted (`null` and `undefined` say nothing). */
const isRedacted = (w: Writer, key: string, value: unknown): boolean =>
  w.redact !== undefined && value !== undefined && value !== null && Redact.isSecretField(w.redact, key)

/**
 * Any value as one line of JSON-like text: what `JSON.stringify` writes for plain data
 * (so a payload logs as it is sent), and markers for the rest — `"[Circular]"`,
 * `"[Threw]"` (a getter, `toJSON` or Proxy trap that threw), `"<12 bytes>"` for binary
 * data, a BigInt's digits, `{…}`/`[…]` past `maxDepth`, a Map as an object, a Set as an
 * array, an Error as `"Name: message"`. The walk stops once the output is longer than
 * `maxLength` (its cut is marked `…<CUT>`, or `…<CUT 5000 chars>` when the whole output
 * was written within four times `maxLength`). The result is {@link escape}d.
 *
 * **Example**
 *
 * ```ts
 * import { Render } from "@service-client/core"
 *
 * const cyclic: Record<string, unknown> = { id: 1 }
 * cyclic.self = cyclic
 * Render.value(cyclic) // '{"id":1,"self":"[Circular]"}'
 * ```
 *
 * @since 0.1.0
 */
export const value = (u: unknown, options: Options = {}): string => {
  const max = options.maxLength ?? 1024
  const maxDepth = options.maxDepth ?? 32
  if (typeof u === "string") return text(u, max)
  if (typeof u === "symbol") return escape(safeString(u))
  if (typeof u === "function") return escape(describeFunction(u))
  if (u === undefined) return "undefined"
  // write up to four times what shows, to tell how long the whole output is
  const budget = max === Infinity ? Infinity : Math.max(max * 4, max + 256)
  const w = new Writer(budget, maxDepth, options.redact)
  walk(w, u, 0, true)
  const out = w.out
  if (out.length <= max) return escape(out)
  return escape(cutAt(out, max) + cutMark(w.full ? undefined : out.length, "chars"))
}
