/**
 * Header checks: names are RFC 9110 tokens, values are RFC 9110 field values (tab,
 * visible ASCII, space and Latin-1 `obs-text`: no CR, LF, NUL or other control
 * character, nothing above U+00FF), as undici and fetch require.
 *
 * @internal
 */

const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// eslint-disable-next-line no-control-regex
const badValue = /[^\t\u0020-\u007e\u0080-\u00ff]/

/**
 * Headers that name the host or frame the message: a caller may not set them (undici
 * refuses most of them, and `host` would send the request to another virtual host).
 */
const transportOwned: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "expect"
])

/**
 * Returns the reason a header is invalid, or `undefined`.
 *
 * @internal
 */
export const checkHeader = (name: string, value: unknown): string | undefined => {
  const nameReason = knownNames.has(name) ? undefined : checkName(name)
  if (nameReason !== undefined) return nameReason
  if (typeof value !== "string") return `the value of header "${name}" must be a string, got ${typeof value}`
  if (name.length === 10 && name.toLowerCase() === "connection" && !/^(?:close|keep-alive)$/i.test(value)) {
    return `the header "${name}" may only be "close" or "keep-alive"`
  }
  if (badValue.test(value)) {
    return `the value of header "${name}" contains CR, LF, NUL, another control character or a character above U+00FF`
  }
  return undefined
}

/** Names that passed `checkName` (most calls send the same few): at most 1,024 kept. */
const knownNames = new Set<string>()

const checkName = (name: string): string | undefined => {
  if (!token.test(name)) return `"${name}" is not a valid header name`
  if (transportOwned.has(name.toLowerCase())) {
    return `the header "${name}" is set by the transport (the host comes from baseUrl, the framing from the body)`
  }
  if (knownNames.size < 1024) knownNames.add(name)
  return undefined
}

/**
 * Lower-cases the names of a header record, dropping `undefined` values (a `null` stays:
 * it removes a default further down).
 *
 * @internal
 */
export const lowerCaseNames = (
  headers: Readonly<Record<string, string | null | undefined>>,
  into: Record<string, string | null> = {}
): Record<string, string | null> => {
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    const lower = name.toLowerCase()
    // an own key, also for a header named `__proto__`
    if (lower === "__proto__") {
      Object.defineProperty(into, lower, { value, enumerable: true, writable: true, configurable: true })
    } else into[lower] = value
  }
  return into
}
